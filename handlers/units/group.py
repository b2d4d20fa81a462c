"""A unit's staff sign the unit up to an activity as a group of N people (/unit_join)."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.messages import Reply
from handlers.core.notify import notify
from handlers.core.numbers import parse_int
from storage.models import UnitSignup
from storage.repos import activities as activities_repo
from storage.repos import audit
from storage.repos import units as repo

MAX_PEOPLE = 500


async def join_activity(ctx: Ctx) -> list[Reply]:
    """/unit_join ACTIVITY N: the person's unit takes N places in an activity (again: changes N)."""
    await require_registered(ctx)
    parts = ctx.args.split()
    activity_id = parse_int(parts[0].lstrip("#＃"), 1) if parts else None
    people = parse_int(parts[1].rstrip("人名位"), 1, MAX_PEOPLE) if len(parts) > 1 else None
    if activity_id is None or people is None:
        return [ctx.reply("units.join_usage")]
    units = [u for u in await repo.of_person(ctx.session, ctx.person.id) if u.status == "approved"]
    if not units:
        raise UserError("units.not_staff")
    unit = units[0]
    activity = await activities_repo.lock(ctx.session, activity_id)
    if activity is None or activity.status not in ("open", "full") or activity.starts_at <= ctx.now:
        raise UserError("units.no_activity", id=activity_id)
    found = await ctx.session.execute(
        select(UnitSignup).where(
            UnitSignup.activity_id == activity.id, UnitSignup.unit_id == unit.id
        )
    )
    entry = found.scalar_one_or_none()
    held = entry.people if entry else 0
    free = activity.slots - await activities_repo.taken(ctx.session, activity.id) + held
    if people > free:
        raise UserError("units.join_full", title=activity.title, free=max(free, 0))
    if entry is None:
        entry = UnitSignup(activity_id=activity.id, unit_id=unit.id, created_at=ctx.now)
        ctx.session.add(entry)
    entry.people, entry.signed_by_id = people, ctx.person.id
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="unit.join_activity",
        target=f"activity:{activity.id}",
        now=ctx.now,
        unit=unit.id,
        people=people,
    )
    await notify(
        ctx,
        activity.organizer_id,
        "units.joined_notice",
        unit=unit.name,
        people=people,
        title=activity.title,
    )
    return [ctx.reply("units.joined_activity", unit=unit.name, people=people, title=activity.title)]
