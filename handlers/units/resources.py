"""A unit's resources: what it offers and needs (/resource_add), lists (/resources), removal."""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, begin, choice_step, optional_text_step
from handlers.core.errors import InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.numbers import parse_int
from handlers.units.common import (
    DIRECTIONS,
    KINDS,
    ORGANIZERS,
    load_resource,
    require_own,
    resource_line,
)
from storage.models import Unit, UnitResource
from storage.repos import audit, roles
from storage.repos import units as repo

NAME_LIMIT = 200
TEXT_LIMIT = 200
MAX_QUANTITY = 10_000_000


async def _my_units(ctx: Ctx) -> list[Unit]:
    return [u for u in await repo.of_person(ctx.session, ctx.person.id) if u.status == "approved"]


async def _guard(ctx: Ctx) -> None:
    await require_registered(ctx)
    if not await _my_units(ctx):
        raise UserError("units.not_staff")


async def _ask_unit(ctx: Ctx) -> Reply:
    units = await _my_units(ctx)
    return ctx.reply("units.ask_unit", choices=[Choice(u.name, f"u{u.id}") for u in units])


async def _take_unit(ctx: Ctx, message: Message) -> str | None:
    for unit in await _my_units(ctx):
        if message.value.strip() in (f"u{unit.id}", unit.name):
            ctx.data["unit"] = unit.id
            return NEXT
    raise InvalidInput("common.pick_from_list")


def _one_unit(ctx: Ctx) -> bool:
    return "unit" in ctx.data and ctx.data.get("single", False)


QUANTITY_ASKS = {
    "venue": N_("units.ask_quantity_venue"),
    "equipment": N_("units.ask_quantity_equipment"),
    "people": N_("units.ask_quantity_people"),
    "money": N_("units.ask_quantity_money"),
}


async def _ask_quantity(ctx: Ctx) -> Reply:
    return ctx.reply(QUANTITY_ASKS[ctx.data["kind"]])


async def _take_quantity(ctx: Ctx, message: Message) -> str | None:
    digits = message.value.strip().rstrip("个人名位套元份间座 ")
    quantity = parse_int(digits, 1, MAX_QUANTITY)
    if quantity is None:
        raise InvalidInput("units.bad_quantity")
    ctx.data["quantity"] = quantity
    return NEXT


async def _ask_name(ctx: Ctx) -> Reply:
    return ctx.reply("units.ask_resource_name")


async def _take_name(ctx: Ctx, message: Message) -> str | None:
    name = "" if message.payload is not None else message.text.strip()
    if not name:
        raise InvalidInput("units.name_empty")
    if len(name) > NAME_LIMIT:
        raise InvalidInput("units.text_too_long", limit=NAME_LIMIT)
    ctx.data["name"] = name
    return NEXT


async def add_resource(ctx: Ctx) -> list[Reply]:
    """/resource_add: a unit's staff list something it offers or needs."""
    await _guard(ctx)
    units = await _my_units(ctx)
    answers = {"unit": units[0].id, "single": True} if len(units) == 1 else {}
    return await begin(ctx, RESOURCE_ADD, answers)


async def _finish(ctx: Ctx) -> list[Reply]:
    unit = await ctx.session.get(Unit, int(ctx.data["unit"]))
    assert unit is not None
    await require_own(ctx, unit)
    resource = UnitResource(
        unit_id=unit.id,
        direction=ctx.data["direction"],
        kind=ctx.data["kind"],
        name=ctx.data["name"],
        quantity=int(ctx.data["quantity"]),
        availability=ctx.data.get("availability", ""),
        created_at=ctx.now,
    )
    ctx.session.add(resource)
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="resource.add",
        target=f"resource:{resource.id}",
        now=ctx.now,
        unit=unit.id,
    )
    return [
        ctx.reply(
            "units.resource_added",
            direction=ctx.t(DIRECTIONS[resource.direction]),
            line=resource_line(ctx, resource, unit),
        )
    ]


RESOURCE_ADD = Flow(
    name="resource_add",
    guard=_guard,
    steps=(
        Step("unit", _ask_unit, _take_unit, skip=_one_unit),
        choice_step(
            "direction",
            N_("units.ask_direction"),
            tuple((label, value) for value, label in DIRECTIONS.items()),
            store="direction",
        ),
        choice_step(
            "kind",
            N_("units.ask_kind"),
            tuple((label, value) for value, label in KINDS.items()),
            store="kind",
        ),
        Step("name", _ask_name, _take_name),
        Step("quantity", _ask_quantity, _take_quantity, numbers=True),
        optional_text_step(
            "availability",
            N_("units.ask_availability"),
            "availability",
            limit=TEXT_LIMIT,
            empty=N_("units.name_empty"),
            too_long=N_("units.text_too_long"),
        ),
    ),
    finish=_finish,
)


async def list_resources(ctx: Ctx) -> list[Reply]:
    """/resources: organizers see the offers and needs of units in their scope; staff their own."""
    await require_registered(ctx)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    scopes = [g.region for g in grants if g.role in ORGANIZERS]
    units = {u.id: u for u in await repo.in_scopes(ctx.session, scopes, ("approved",))}
    own = {u.id: u for u in await repo.of_person(ctx.session, ctx.person.id)}
    if not units and not own:
        raise NotAllowed()
    units |= own
    found = await repo.resources(ctx.session, list(units))
    if not found:
        return [ctx.reply("units.resources_none")]
    parts = []
    for direction, label in DIRECTIONS.items():
        lines = [resource_line(ctx, r, units[r.unit_id]) for r in found if r.direction == direction]
        if lines:
            parts.append(
                ctx.t("units.resources_section", direction=ctx.t(label), lines="\n".join(lines))
            )
    return [Reply("\n\n".join(parts))]


async def remove_resource(ctx: Ctx) -> list[Reply]:
    """/resource_off ID: a unit's staff withdraw one of its own resources."""
    await require_registered(ctx)
    resource, unit = await load_resource(ctx, ctx.args.split()[0] if ctx.args.strip() else "")
    await require_own(ctx, unit, approved=False)
    resource.active = False
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="resource.remove",
        target=f"resource:{resource.id}",
        now=ctx.now,
    )
    return [ctx.reply("units.resource_removed", id=resource.id, name=resource.name)]
