"""Organizers book a unit's resource for an activity or a practical project (/book RESOURCE).

A venue is never double-booked; equipment, people and money are booked up to their quantity
at any one time. The resource row is locked while checking, so two organizers booking at once
cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.auth import require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, begin, choice_step
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import At, notify
from handlers.core.numbers import parse_int
from handlers.units.common import ORGANIZERS, load_resource, resource_line
from matching.understand import when
from storage.models import Activity, Proposal, Region, ResourceBooking
from storage.repos import agencies, audit, regions
from storage.repos import units as repo

PROJECT_STATES = ("accepted", "in_progress")  # practical projects (实事项目) under way
TIME_ERRORS = {
    "unknown": N_("units.time_format"),
    "order": N_("units.time_order"),
    "past": N_("units.time_past"),
}
PURPOSES = ((N_("units.purpose_activity"), "activity"), (N_("units.purpose_project"), "project"))
MAX_ID = 2**31 - 1


async def book_command(ctx: Ctx) -> list[Reply]:
    """/book RESOURCE: start booking a unit's resource."""
    await require_role(ctx, ORGANIZERS)
    if not ctx.args.strip():
        return [ctx.reply("units.book_usage")]
    resource, _ = await load_resource(ctx, ctx.args.split()[0])
    return await begin(ctx, BOOK, {"resource": resource.id})


async def _guard(ctx: Ctx) -> None:
    await require_role(ctx, ORGANIZERS)
    resource, unit = await load_resource(ctx, str(ctx.data["resource"]))
    await _manage(ctx, unit.region_id)  # the unit's own community books its resources
    if resource.direction != "offer" or unit.status != "approved":
        raise UserError("units.not_bookable", id=resource.id)


async def _ask_target(ctx: Ctx) -> Reply:
    key = N_("units.ask_activity") if ctx.data["purpose"] == "activity" else N_("units.ask_project")
    return ctx.reply(key)


async def _take_target(ctx: Ctx, message: Message) -> str | None:
    target = parse_int(message.value.strip().lstrip("#＃"), 1, MAX_ID)
    if target is None:
        raise InvalidInput("units.bad_target")
    if ctx.data["purpose"] == "activity":
        activity = await ctx.session.get(Activity, target)
        if activity is None or activity.status not in ("open", "full"):
            raise InvalidInput("units.no_activity", id=target)
        await _manage(ctx, activity.region_id)
        ctx.data.update(
            starts_at=activity.starts_at.isoformat(), ends_at=activity.ends_at.isoformat()
        )
    else:
        proposal = await ctx.session.get(Proposal, target)
        if proposal is None or proposal.status not in PROJECT_STATES:
            raise InvalidInput("units.no_project", id=target)
        await _manage(ctx, proposal.community_id)
    ctx.data["target"] = target
    return NEXT


async def _manage(ctx: Ctx, region_id: int) -> Region:
    region = await regions.by_id(ctx.session, region_id)
    if region is None:
        raise NotAllowed()
    await require_role(ctx, ORGANIZERS, region)
    return region


async def _ask_when(ctx: Ctx) -> Reply:
    return ctx.reply("units.ask_when")


async def _take_when(ctx: Ctx, message: Message) -> str | None:
    local_now = ctx.now.astimezone(ZoneInfo(ctx.deps.config.tz))
    try:
        start, end = when.span(message.text, local_now)
        if start <= local_now:
            raise when.WindowError("past")
    except when.WindowError as exc:
        raise InvalidInput(TIME_ERRORS[exc.reason]) from exc
    ctx.data["starts_at"] = start.astimezone(ctx.now.tzinfo).isoformat()
    ctx.data["ends_at"] = end.astimezone(ctx.now.tzinfo).isoformat()
    return NEXT


async def _ask_quantity(ctx: Ctx) -> Reply:
    resource, _ = await load_resource(ctx, str(ctx.data["resource"]))
    return ctx.reply("units.ask_book_quantity", name=resource.name, quantity=resource.quantity)


async def _take_quantity(ctx: Ctx, message: Message) -> str | None:
    quantity = parse_int(message.value.strip().rstrip("个人名位套元份 "), 1, MAX_ID)
    if quantity is None:
        raise InvalidInput("units.bad_quantity")
    ctx.data["quantity"] = quantity
    return NEXT


def _is_project(ctx: Ctx) -> bool:
    return ctx.data.get("purpose") == "project"


def _needs_quantity(ctx: Ctx) -> bool:
    return ctx.data.get("kind") != "venue"


async def _finish(ctx: Ctx) -> list[Reply]:
    try:
        return await _book(ctx)
    except UserError as exc:  # taken meanwhile: say so, end the flow
        return [ctx.reply(exc.key, **exc.params)]


async def _book(ctx: Ctx) -> list[Reply]:
    await _guard(ctx)
    resource = await repo.lock_resource(ctx.session, int(ctx.data["resource"]))
    assert resource is not None
    _, unit = await load_resource(ctx, str(resource.id))
    starts_at = datetime.fromisoformat(ctx.data["starts_at"])
    ends_at = datetime.fromisoformat(ctx.data["ends_at"])
    quantity = 1 if resource.kind == "venue" else int(ctx.data.get("quantity", 1))
    taken = await repo.overlapping(ctx.session, resource.id, starts_at, ends_at)
    if resource.kind == "venue" and taken:
        first = taken[0]
        raise Conflict(
            "units.venue_taken",
            name=resource.name,
            start=ctx.when(first.starts_at),
            end=ctx.when(first.ends_at),
        )
    left = resource.quantity - sum(b.quantity for b in taken)
    if quantity > left:
        raise Conflict("units.not_enough", name=resource.name, left=max(left, 0))
    purpose = ctx.data["purpose"]
    booking = ResourceBooking(
        resource_id=resource.id,
        activity_id=int(ctx.data["target"]) if purpose == "activity" else None,
        proposal_id=int(ctx.data["target"]) if purpose == "project" else None,
        starts_at=starts_at,
        ends_at=ends_at,
        quantity=quantity,
        booked_by_id=ctx.person.id,
        created_at=ctx.now,
    )
    ctx.session.add(booking)
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="resource.book",
        target=f"resource:{resource.id}",
        now=ctx.now,
        booking=booking.id,
        purpose=purpose,
        ref=ctx.data["target"],
    )
    what = N_("units.for_activity") if purpose == "activity" else N_("units.for_project")
    for person_id in await agencies.staff_of(ctx.session, unit_id=unit.id):
        await notify(
            ctx,
            person_id,
            "units.booked_notice",
            name=resource.name,
            quantity=quantity,
            start=At(starts_at),
            end=At(ends_at),
            what=ctx.t(what, id=ctx.data["target"]),
            person=ctx.person.display_name,
            choices=[(N_("units.cancel_button"), f"/book_cancel {booking.id}")],
        )
    return [
        ctx.reply(
            "units.booked",
            id=booking.id,
            line=resource_line(ctx, resource, unit),
            quantity=quantity,
            start=ctx.when(starts_at),
            end=ctx.when(ends_at),
            what=ctx.t(what, id=ctx.data["target"]),
            choices=[Choice(ctx.t("units.cancel_button"), f"/book_cancel {booking.id}")],
        )
    ]


async def _remember_kind(ctx: Ctx) -> None:
    resource, _ = await load_resource(ctx, str(ctx.data["resource"]))
    ctx.data["kind"] = resource.kind


async def _guard_and_kind(ctx: Ctx) -> None:
    await _guard(ctx)
    await _remember_kind(ctx)


BOOK = Flow(
    name="book",
    guard=_guard_and_kind,
    steps=(
        choice_step("purpose", N_("units.ask_purpose"), PURPOSES, store="purpose"),
        Step("target", _ask_target, _take_target, numbers=True),
        Step("when", _ask_when, _take_when, skip=lambda c: not _is_project(c)),
        Step(
            "quantity",
            _ask_quantity,
            _take_quantity,
            skip=lambda c: not _needs_quantity(c),
            numbers=True,
        ),
    ),
    finish=_finish,
)
