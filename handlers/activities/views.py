"""What volunteers do: list activities nearby, join, leave, answer a place offered to them."""

from __future__ import annotations

from handlers.activities import signups
from handlers.activities.common import (
    MANAGERS,
    Env,
    card,
    find,
    held_and_waiting,
)
from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.numbers import first_id, parse_id
from storage.models import Activity
from storage.repos import activities as repo
from storage.repos import regions, roles

STATUS_LINES = {
    "confirmed": N_("activities.status_confirmed"),
    "promoted": N_("activities.status_promoted"),
    "waitlisted": N_("activities.status_waitlisted"),
}


async def list_activities(ctx: Ctx) -> list[Reply]:
    """Upcoming activities in the person's area, with join (or leave / confirm) buttons."""
    await require_registered(ctx)
    home = ctx.person.home_region
    if home is None and ctx.person.home_region_id:
        home = await regions.by_id(ctx.session, ctx.person.home_region_id)
    found = await repo.upcoming_for(ctx.session, home, ctx.now)
    mine = {
        a.id: s for a, s in await repo.of_person(ctx.session, ctx.person.id, repo.ACTIVE, ctx.now)
    }
    for activity_id in mine.keys() - {a.id for a in found}:
        extra = await repo.get(ctx.session, activity_id)
        if extra is not None:
            found.append(extra)
    if not found:
        return [ctx.reply("activities.none")]
    counts = await repo.counts(ctx.session, [a.id for a in found])
    parts, choices = [ctx.t("activities.list_head")], []
    for activity in sorted(found, key=lambda a: (a.starts_at, a.id)):
        held, waiting = held_and_waiting(counts[activity.id])
        lines = [card(ctx, activity, held, waiting)]
        entry = mine.get(activity.id)
        if entry is not None:
            rank = (
                await repo.waiting_rank(ctx.session, entry) if entry.status == "waitlisted" else 0
            )
            lines.append(ctx.t(STATUS_LINES[entry.status], rank=rank))
        if await _manages(ctx, activity):
            lines.append(ctx.t("activities.code_line", code=activity.checkin_code or "—"))
        parts.append("\n".join(lines))
        choices += _buttons(ctx, activity, entry.status if entry else None)
    return [Reply("\n\n".join(parts), tuple(choices))]


def _buttons(ctx: Ctx, activity: Activity, status: str | None) -> list[Choice]:
    if status == "promoted":
        return [
            Choice(ctx.t("activities.btn_accept_id", id=activity.id), f"act:{activity.id}:yes"),
            Choice(ctx.t("activities.btn_decline_id", id=activity.id), f"act:{activity.id}:no"),
        ]
    if status in repo.ACTIVE:
        return [
            Choice(ctx.t("activities.btn_leave_id", id=activity.id), f"act:{activity.id}:leave")
        ]
    if ctx.now >= activity.starts_at:
        return []
    return [Choice(ctx.t("activities.btn_join_id", id=activity.id), f"act:{activity.id}:join")]


async def _manages(ctx: Ctx, activity: Activity) -> bool:
    region = await regions.by_id(ctx.session, activity.region_id)
    return region is not None and await roles.holds(ctx.session, ctx.person.id, MANAGERS, region)


async def on_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Buttons "act:<id>:join|leave|yes|no" from lists, offers and reminders."""
    activity_id = first_id(args)
    if len(args) != 2 or activity_id is None or args[1] not in ACTIONS:
        return [ctx.reply("error.expired_button")]
    await require_registered(ctx)
    return await ACTIONS[args[1]](ctx, activity_id)


async def join(ctx: Ctx, activity_id: int) -> list[Reply]:
    """Take a place, or a place on the waitlist."""
    activity, entry = await signups.join(Env.of(ctx), activity_id, ctx.person)
    when = ctx.deps.i18n.span(ctx.lang, activity.starts_at, activity.ends_at)
    if entry.status == "confirmed":
        return [
            ctx.reply(
                "activities.joined",
                id=activity.id,
                title=activity.title,
                when=when,
                place=activity.place,
            )
        ]
    rank = await repo.waiting_rank(ctx.session, entry)
    return [ctx.reply("activities.waitlisted", id=activity.id, title=activity.title, rank=rank)]


async def leave(ctx: Ctx, activity_id: int) -> list[Reply]:
    """Give up a place or a place on the waitlist."""
    activity, _previous = await signups.leave(Env.of(ctx), activity_id, ctx.person.id)
    return [ctx.reply("activities.left", id=activity.id, title=activity.title)]


async def accept(ctx: Ctx, activity_id: int) -> list[Reply]:
    """Take the place offered from the waitlist."""
    activity, taken = await signups.confirm(Env.of(ctx), activity_id, ctx.person.id)
    if not taken:
        return [ctx.reply("activities.offer_too_late", title=activity.title)]
    when = ctx.deps.i18n.span(ctx.lang, activity.starts_at, activity.ends_at)
    return [
        ctx.reply(
            "activities.joined",
            id=activity.id,
            title=activity.title,
            when=when,
            place=activity.place,
        )
    ]


async def refuse(ctx: Ctx, activity_id: int) -> list[Reply]:
    """Turn down the place offered from the waitlist."""
    activity = await signups.decline(Env.of(ctx), activity_id, ctx.person.id)
    return [ctx.reply("activities.declined", title=activity.title)]


ACTIONS = {"join": join, "leave": leave, "yes": accept, "no": refuse}


async def leave_command(ctx: Ctx) -> list[Reply]:
    """/activity_leave [ID]: without an id, the person's only sign-up, or a choice of them."""
    await require_registered(ctx)
    if ctx.args:
        return await leave(ctx, (await find(ctx, parse_id(ctx.args))).id)
    mine = await repo.of_person(ctx.session, ctx.person.id, repo.ACTIVE, ctx.now)
    mine = [(a, s) for a, s in mine if ctx.now < a.starts_at]
    if not mine:
        return [ctx.reply("activities.nothing_to_leave")]
    if len(mine) == 1:
        return await leave(ctx, mine[0][0].id)
    return [
        ctx.reply(
            "activities.pick_leave",
            choices=[Choice(f"#{a.id} {a.title}"[:60], f"act:{a.id}:leave") for a, _entry in mine],
        )
    ]


async def confirm_command(ctx: Ctx) -> list[Reply]:
    """/activity_confirm [ID] (keyword 确认参加): take the place offered from the waitlist."""
    await require_registered(ctx)
    if ctx.args:
        return await accept(ctx, (await find(ctx, parse_id(ctx.args))).id)
    offers = await repo.of_person(ctx.session, ctx.person.id, ("promoted",), ctx.now)
    if not offers:
        return [ctx.reply("activities.no_offers")]
    if len(offers) == 1:
        return await accept(ctx, offers[0][0].id)
    return [
        ctx.reply(
            "activities.pick_confirm",
            choices=[Choice(f"#{a.id} {a.title}"[:60], f"act:{a.id}:yes") for a, _s in offers],
        )
    ]
