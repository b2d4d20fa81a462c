"""Recurring needs (weekly visit, daily meals): a series of needs, each occurrence tracked alone.

The latest occurrence is the template of the next (its item, place, notes, people, window length).

`/need_repeat 12` asks the rule (每周 / 每天) and makes need #12 the series' first occurrence;
the sweep "series_occurrences" creates each next occurrence a day before it starts, as a new open
need (offered, done, confirmed, its hours recorded like any other). `/series 3 pause|resume|end`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import Conflict, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.notify import At, Pair, Sink, notify
from handlers.core.numbers import parse_id
from handlers.needs.common import item_of, load, rater_id
from storage.models import DueJob, Need, NeedSeries, Person
from storage.repos import audit

RULES = {"weekly": timedelta(weeks=1), "daily": timedelta(days=1)}
RULE_LABELS = {"weekly": N_("series.rule_weekly"), "daily": N_("series.rule_daily")}
STATUS_LABELS = {
    "active": N_("series.status_active"),
    "paused": N_("series.status_paused"),
    "ended": N_("series.status_ended"),
}
LEAD = timedelta(days=1)  # an occurrence is created (and offered) this long before it starts
CATCH_UP = 7  # occurrences created at most per series and sweep (after a long stop)
COPIED = (
    "person_id",
    "entered_by_id",
    "service_item_id",
    "region_id",
    "place",
    "volunteers_needed",
    "notes",
    "target_groups",
    "skills",
    "words",
    "relation",
    "consent_at",
)


def _own(ctx: Ctx, need: Need) -> bool:
    return ctx.person.id in (need.person_id, need.entered_by_id)


async def repeat_command(ctx: Ctx) -> list[Reply]:
    """/need_repeat ID [weekly|daily]: make a need the first of a recurring series."""
    await require_registered(ctx)
    args = ctx.args.split()
    need = await load(ctx, args[0] if args else "")
    if not _own(ctx, need):
        raise NotAllowed()
    if need.window_start is None or need.window_end is None:
        raise UserError("series.no_window", id=need.id)
    if need.series_id is not None:
        raise Conflict("series.already", id=need.id)
    if need.status == "cancelled":
        raise Conflict("needs.changed", id=need.id)
    rule = args[1] if len(args) > 1 else ""
    if rule not in RULES:
        return [
            ctx.reply(
                "series.ask_rule",
                id=need.id,
                choices=[
                    Choice(ctx.t(label), f"/need_repeat {need.id} {code}")
                    for code, label in RULE_LABELS.items()
                ],
            )
        ]
    series = NeedSeries(
        created_by_id=ctx.person.id,
        rule=rule,
        status="active",
        next_start=need.window_start + RULES[rule],
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(series)
    await ctx.session.flush()
    need.series_id = series.id
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="series.create",
        target=f"series:{series.id}",
        now=ctx.now,
        need=need.id,
        rule=rule,
    )
    return [
        ctx.reply(
            "series.created",
            id=series.id,
            need=need.id,
            rule=ctx.t(RULE_LABELS[rule]),
            next=ctx.when(series.next_start),
            choices=_manage(ctx, series),
        )
    ]


def _manage(ctx: Ctx, series: NeedSeries) -> list[Choice]:
    if series.status == "ended":
        return []
    toggle = ("resume", "series.resume") if series.status == "paused" else ("pause", "series.pause")
    return [
        Choice(ctx.t(toggle[1]), f"/series {series.id} {toggle[0]}"),
        Choice(ctx.t("series.end"), f"/series {series.id} end"),
    ]


async def _latest(session: AsyncSession, series_id: int) -> Need | None:
    """The series' latest occurrence (the template of the next)."""
    rows = await session.execute(
        select(Need).where(Need.series_id == series_id).order_by(Need.id.desc()).limit(1)
    )
    return rows.scalar_one_or_none()


async def series_command(ctx: Ctx) -> list[Reply]:
    """/series ID [pause|resume|end]: a recurring need's state, paused, resumed or ended."""
    await require_registered(ctx)
    args = ctx.args.split()
    series_id = parse_id(args[0]) if args else None
    series = await ctx.session.get(NeedSeries, series_id) if series_id else None
    latest = await _latest(ctx.session, series.id) if series else None
    if series is None or latest is None:
        raise UserError("series.not_found")
    if not (_own(ctx, latest) or ctx.person.id == series.created_by_id):
        raise NotAllowed()
    action = args[1] if len(args) > 1 else ""
    moves = {"pause": ("active", "paused"), "resume": ("paused", "active"), "end": (None, "ended")}
    if action in moves:
        before, after = moves[action]
        if series.status == "ended" or (before is not None and series.status != before):
            raise Conflict("series.changed", id=series.id)
        if action == "resume":  # no burst of missed occurrences: the next one from now on
            while series.next_start - LEAD <= ctx.now:
                series.next_start += RULES[series.rule]
        series.status, series.updated_at = after, ctx.now
        audit.record(
            ctx.session,
            actor_id=ctx.person.id,
            action=f"series.{action}",
            target=f"series:{series.id}",
            now=ctx.now,
        )
    item = await item_of(ctx.session, latest)
    return [
        ctx.reply(
            "series.detail",
            id=series.id,
            item=item.name(ctx.lang),
            rule=ctx.t(RULE_LABELS[series.rule]),
            status=ctx.t(STATUS_LABELS[series.status]),
            next=ctx.when(series.next_start) if series.status == "active" else "—",
            latest=latest.id,
            choices=_manage(ctx, series),
        )
    ]


async def _gone(session: AsyncSession, *person_ids: int | None) -> bool:
    """Whether one of these people was erased."""
    for person_id in person_ids:
        person = await session.get(Person, person_id) if person_id else None
        if person is not None and person.erased_at is not None:
            return True
    return False


async def create_occurrences(sink: Sink, job: DueJob) -> int:
    """Sweep "series_occurrences": each active series' occurrences due within `LEAD`, as open
    needs the dispatch sweep offers; the person who follows them is told. Returns needs made."""
    session, made = sink.session, 0
    rows = await session.execute(
        select(NeedSeries)
        .where(NeedSeries.status == "active", NeedSeries.next_start <= sink.now + LEAD)
        .order_by(NeedSeries.id)
    )
    for series in rows.scalars():
        latest = await _latest(session, series.id)
        if latest is None or latest.window_start is None or latest.window_end is None:
            continue
        if await _gone(session, latest.person_id, series.created_by_id):
            series.status, series.updated_at = "ended", sink.now  # erased (/forget): no more
            continue
        length = latest.window_end - latest.window_start
        for _ in range(CATCH_UP):
            if series.next_start > sink.now + LEAD:
                break
            need = Need(
                **{name: getattr(latest, name) for name in COPIED},
                window_start=series.next_start,
                window_end=series.next_start + length,
                status="open",
                series_id=series.id,
                created_at=sink.now,
                updated_at=sink.now,
            )
            session.add(need)
            await session.flush()
            series.next_start += RULES[series.rule]
            series.updated_at = sink.now
            made += 1
            item = await item_of(session, need)
            await notify(
                sink,
                await rater_id(session, need),
                "series.occurrence",
                choices=[("needs.view", f"/need_status {need.id}")],
                id=need.id,
                series=series.id,
                item=Pair(item.name_zh, item.name_en),
                start=At(need.window_start) if need.window_start else "",
            )
    return made
