"""Periodic messages and housekeeping run by the sweeps: honour roll, weekly digest, purges.

- Honour roll (嘉奖表彰), on the 1st of each month: per community, the volunteers who agreed to
  be named (show_name) with the most hours recorded last month, plus the community's totals. It is
  sent as a system broadcast to the community's volunteers and its organizers — the people it
  recognises and the people who run the work; ordinary residents are not messaged every month.
- Weekly digest, Monday morning, to each organizer: per community they hold, open needs, overdue
  grid reports and proposals waiting for the joint meeting. Nothing to report, nothing sent.
- Purge: processed update ids past LINLI_SEEN_UPDATE_TTL_DAYS, finished jobs past a month.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import broadcasts
from handlers.core.context import Deps
from handlers.core.i18n import LANGUAGES, N_
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Sink, after_quiet_hours
from storage.models import Broadcast, DueJob, Person, Region
from storage.repos import (
    dialogs,
    digests,
    downloads,
    jobs,
    nonces,
    office,
    outbox,
    people,
    regions,
)

log = logging.getLogger(__name__)

HONOUR_TOP = 10
AGENDA_BUTTON = N_("sweeps.btn_agenda")
FINISHED_JOBS_KEPT = timedelta(days=31)


def _hours(value: Decimal) -> str:
    """12.5 → "12.5", 12.0 → "12"."""
    return f"{value.normalize():f}"


def _month(deps: Deps, lang: str, start: datetime) -> str:
    pattern = "yyyy年M月" if lang.startswith("zh") else "MMMM yyyy"
    return deps.i18n.datetime(lang, start, pattern)


async def honour_roll(sink: Sink, job: DueJob) -> None:
    """The monthly honour roll for the month before the job's period ("2026-12" → November)."""
    deps, session, now = sink.deps, sink.session, sink.now
    tz = ZoneInfo(deps.config.tz)
    year, month = (int(part) for part in str(job.payload.get("period") or job.ref).split("-"))
    end = datetime(year, month, 1, tzinfo=tz)
    start = (end - timedelta(days=1)).replace(day=1)
    served = await digests.hours_served(session, start.astimezone(UTC), end.astimezone(UTC))
    if not served:
        return
    for community in await regions.at_level(session, "community"):
        mine = [s for s in served if s.home_path.startswith(community.path)]
        if not mine:
            continue
        texts = {
            lang: _honour_text(deps, lang, community, start.astimezone(UTC), mine)
            for lang in LANGUAGES
        }
        broadcast = Broadcast(
            author_id=None,
            region_id=community.id,
            audience={
                "roles": ["volunteers", "organizers"],
                "system": "honour_roll",
                "month": f"{start:%Y-%m}",
            },
            text=texts[deps.config.default_lang],
            status="queued",
            created_at=now,
            recipients=0,
        )
        session.add(broadcast)
        await session.flush()
        await broadcasts.queue_broadcast(session, deps, broadcast, now, texts)


def _honour_text(
    deps: Deps, lang: str, community: Region, start: datetime, mine: list[digests.Served]
) -> str:
    t = deps.i18n.translate
    named = [s for s in mine if s.show_name][:HONOUR_TOP]
    lines = "\n".join(
        t(lang, "sweeps.honour_line", rank=rank, name=s.name, hours=_hours(s.hours))
        for rank, s in enumerate(named, start=1)
    )
    return t(
        lang,
        "sweeps.honour_roll",
        community=community.name,
        month=_month(deps, lang, start),
        lines=lines or t(lang, "sweeps.honour_no_names"),
        volunteers=len(mine),
        hours=_hours(sum((s.hours for s in mine), Decimal(0))),
    )


async def weekly_digest(sink: Sink, job: DueJob) -> None:
    """Tell each organizer what waits in their communities (counts), once a week."""
    deps, session, now = sink.deps, sink.session, sink.now
    cache: dict[int, digests.Backlog] = {}
    for person_id, held in (await digests.organizer_scopes(session)).items():
        person = await session.get(Person, person_id)
        if person is None:
            continue
        lines = []
        for community in await regions.communities_of(session, held):
            if community.id not in cache:
                cache[community.id] = await digests.backlog(session, community, now)
            backlog = cache[community.id]
            if not backlog.empty:
                lines.append(
                    deps.i18n.translate(
                        person.lang,
                        "sweeps.digest_line",
                        community=community.name,
                        needs=backlog.open_needs,
                        reports=backlog.overdue_reports,
                        agenda=backlog.on_agenda,
                        seconded=backlog.seconded,
                    )
                )
        if lines:
            text = deps.i18n.translate(person.lang, "sweeps.digest", lines="\n".join(lines))
            agenda = Choice(deps.i18n.translate(person.lang, AGENDA_BUTTON), "/agenda")
            await _send(deps, session, now, person, Reply(text, (agenda,)), "digest")


async def _send(
    deps: Deps, session: AsyncSession, now: datetime, person: Person, reply: Reply, kind: str
) -> None:
    """Queue a reply for every reachable identity of a person; quiet hours are kept (a digest
    caught up late in the evening waits for the morning)."""
    cfg = deps.config
    send_at = after_quiet_hours(now, cfg.tz, cfg.quiet_start, cfg.quiet_end)
    for ident in await people.identities_of(session, person.id):
        outbox.enqueue(
            session,
            person_id=person.id,
            channel=ident.channel,
            external_id=ident.external_id,
            payload=reply.to_dict(),
            kind=kind,
            now=now,
            not_before=send_at,
        )


async def purge(sink: Sink, job: DueJob) -> None:
    """Forget processed update ids past their time-to-live, finished jobs past a month, expired
    downloads, callback nonces whose timestamps are refused anyway, and expired office sign-in
    links and sessions."""
    deps, session, now = sink.deps, sink.session, sink.now
    seen = await dialogs.purge_seen(session, now - timedelta(days=deps.config.seen_update_ttl_days))
    finished = await jobs.purge_finished(session, now - FINISHED_JOBS_KEPT)
    files = await downloads.purge_expired(session, now)
    used = await nonces.purge_expired(session, now)
    signins = await office.purge_expired(session, now)
    log.info(
        "purged %d processed updates, %d finished jobs, %d downloads, %d nonces, "
        "%d office sign-ins",
        *(seen, finished, files, used, signins),
    )
