"""Recording volunteer service: the one use case every feature calls, notices, totals, export."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Ctx
from handlers.core.errors import InvalidInput
from handlers.core.i18n import N_
from handlers.core.notify import Day, Pair, Sink, localize, notify
from handlers.hours.refs import ref_of
from handlers.hours.rules import HoursRules, as_decimal, rules_of, show
from storage.models import Region, ServiceRecord
from storage.repos import service_records as repo

CONTENT_MAX = 200
PLACE_MAX = 200


class Announcer:
    """Writes notices to the outbox in each recipient's language, with or without a message."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink

    async def send(self, person_id: int | None, key: str, **params: Any) -> int:
        """Queue a non-urgent notice (held past quiet hours) for every identity of a person.

        A parameter given as a datetime is shown as a local date in the recipient's language.
        """
        local: dict[str, Any] = {
            k: Day(v) if isinstance(v, datetime) else v for k, v in params.items()
        }
        return await notify(self.sink, person_id, key, **local)


async def content_of(session: AsyncSession, content: str) -> Pair | str:
    """A record's content as a notice shows it: a service item's name in each reader's language."""
    english = (await repo.item_names(session)).get(content)
    return Pair(content, english) if english else content


async def content_for(ctx: Ctx, content: str) -> str:
    """A record's content in the language of the person being answered."""
    return str(localize(ctx.deps.i18n, ctx.lang, await content_of(ctx.session, content)))


def check_hours(hours: Decimal, rules: HoursRules) -> Decimal:
    """Rounded hours, or InvalidInput when negative or over one record's maximum."""
    if not hours.is_finite() or hours < 0 or hours > rules.max_per_record:
        raise InvalidInput("hours.bad_hours", limit=show(rules.max_per_record))
    return rules.round(hours)


async def record_service(
    sink: Sink,
    *,
    person_id: int,
    content: str,
    place: str,
    region_id: int | None,
    served_at: datetime,
    hours: Decimal,
    organizer_id: int | None,
    recorded_by_id: int | None,
    assignment_id: int | None = None,
    activity_id: int | None = None,
    evaluation: str | None = None,
    announce: bool = True,
) -> ServiceRecord:
    """Record one volunteer service, count it on the profile, thank the volunteer (see package)."""
    session, now = sink.session, sink.now
    rules = rules_of(sink.config)
    rounded = check_hours(as_decimal(hours), rules)
    content = content.strip()
    if not content or len(content) > CONTENT_MAX:
        raise InvalidInput("hours.bad_content", limit=CONTENT_MAX)
    if served_at.tzinfo is None:
        raise ValueError("served_at must be an aware datetime")
    before = await repo.total_hours(session, person_id)
    record = ServiceRecord(
        person_id=person_id,
        assignment_id=assignment_id,
        activity_id=activity_id,
        content=content,
        place=place.strip()[:PLACE_MAX],
        region_id=region_id,
        served_at=served_at,
        hours=rounded,
        organizer_id=organizer_id,
        recorded_by_id=recorded_by_id,
        evaluation=evaluation,
        created_at=now,
    )
    session.add(record)
    await session.flush()
    await repo.count_service(session, person_id, served_at)
    if announce:
        total = before + rounded
        sender = Announcer(sink)
        ref = await ref_of(session, record)
        await sender.send(
            person_id,
            N_("hours.thanks_named") if ref.names(content) else N_("hours.thanks"),
            ref=ref,
            content=await content_of(session, content),
            hours=show(rounded),
            date=served_at,
            total=show(total),
        )
        await announce_star(sender, rules, person_id, before, total)
    return record


async def announce_star(
    sender: Announcer, rules: HoursRules, person_id: int, before: Decimal, after: Decimal
) -> bool:
    """Congratulate on a new star level when the total crossed a threshold."""
    level = rules.level(after)
    if level <= rules.level(before):
        return False
    await sender.send(person_id, N_("hours.new_star"), level=level, total=show(after))
    return True


def year_bounds(now: datetime, tz: str) -> tuple[datetime, datetime, int]:
    """The start and end (UTC) of the local calendar year containing `now`, and the year."""
    zone = ZoneInfo(tz)
    year = now.astimezone(zone).year
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, end, year


async def export_records(
    session: AsyncSession, scope: Region | None = None
) -> list[dict[str, object]]:
    """Service records as the national recording rules list them, one flat row each.

    Columns: the volunteer (id, name), service content, time served (UTC ISO), place and region,
    hours, organizer, recorder, evaluation, and where the record came from: the need's number
    (as /hours names it, handlers/hours/refs.py) or the activity's title.
    """
    rows: list[dict[str, object]] = []
    for found in await repo.export(session, scope):
        record: ServiceRecord = found["record"]
        rows.append(
            {
                "id": record.id,
                "volunteer_id": record.person_id,
                "volunteer": found["volunteer"],
                "content": record.content,
                "served_at": record.served_at.isoformat(),
                "place": record.place,
                "region": found["region"],
                "hours": record.hours,
                "organizer": found["organizer"],
                "recorder": found["recorder"],
                "evaluation": record.evaluation or "",
                "need_id": found["need_id"] or "",
                "activity": found["activity"],
                "recorded_at": record.created_at.isoformat(),
                "correction_pending": record.correction_requested is not None,
            }
        )
    return rows
