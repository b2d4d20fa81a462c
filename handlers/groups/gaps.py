"""The monthly "1710" alert: each organizer hears what their communities still lack (1
professional, 7 registered, 10 grassroots organizations) and which are being incubated or filed."""

from __future__ import annotations

from handlers.core.notify import Sink, notify
from handlers.groups.common import FILING_LABELS, INCUBATION_LABELS
from handlers.organizations import gap_text, report_1710
from storage.models import DueJob, Person
from storage.repos import digests, regions
from storage.repos import organizations as repo


async def monthly_1710(sink: Sink, job: DueJob) -> None:
    """Send every organizer the gaps of the communities they organize (met ones stay quiet)."""
    session, i18n = sink.session, sink.i18n
    rows = {row.code: row for row in await report_1710(session)}
    for person_id, held in (await digests.organizer_scopes(session)).items():
        person = await session.get(Person, person_id)
        if person is None:
            continue

        def t(key: str, /, **params: object) -> str:
            return i18n.translate(person.lang, key, **params)  # noqa: B023

        lines = []
        for community in await regions.communities_of(session, held):
            row = rows.get(community.code)
            under_way = await repo.in_progress(session, community)
            if row is None or (row.met and not under_way):
                continue
            lines.append(t("groups.gaps_line", community=community.name, gap=gap_text(t, row)))
            for org in under_way:
                lines.append(
                    t(
                        "groups.gaps_progress",
                        name=org.name,
                        incubation=t(INCUBATION_LABELS[org.incubation]),
                        filing=t(FILING_LABELS[org.filing]),
                    )
                )
        if lines:
            await notify(
                sink,
                person_id,
                "groups.gaps_alert",
                choices=(("groups.gaps_button", "/orgs"),),
                kind="orgs_1710",
                lines="\n".join(lines),
            )
