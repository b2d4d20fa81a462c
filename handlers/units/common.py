"""What the unit (驻区单位) modules share: kinds, loading, who may act on a unit."""

from __future__ import annotations

from handlers.core.auth import require_registered, require_role
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.numbers import require_id
from storage.models import Region, Unit, UnitResource
from storage.repos import agencies, regions

KINDS = {
    "venue": N_("units.kind_venue"),  # 场地
    "equipment": N_("units.kind_equipment"),  # 设备
    "people": N_("units.kind_people"),  # 人员
    "money": N_("units.kind_money"),  # 资金
}
DIRECTIONS = {"offer": N_("units.direction_offer"), "need": N_("units.direction_need")}
STATUS_LABELS = {
    "pending": N_("units.status_pending"),
    "approved": N_("units.status_approved"),
    "rejected": N_("units.status_rejected"),
}
ORGANIZERS = ("organizer", "admin")


async def load(ctx: Ctx, raw: str) -> Unit:
    """The unit a command or button names."""
    unit = await ctx.session.get(Unit, require_id(raw, "units.bad_id"))
    if unit is None:
        raise UserError("units.not_found", id=raw.strip().lstrip("#＃"))
    return unit


async def region_of(ctx: Ctx, unit: Unit) -> Region:
    """The community a unit is in."""
    region = await regions.by_id(ctx.session, unit.region_id)
    assert region is not None  # a foreign key
    return region


async def require_organizer(ctx: Ctx, unit: Unit) -> Region:
    """Refuse unless the person is an organizer or admin over the unit's community."""
    region = await region_of(ctx, unit)
    await require_role(ctx, ORGANIZERS, region)
    return region


async def require_own(ctx: Ctx, unit: Unit, *, approved: bool = True) -> None:
    """Refuse unless the person works for the unit (and it is approved, when asked)."""
    await require_registered(ctx)
    if not await agencies.is_member(ctx.session, ctx.person.id, unit_id=unit.id):
        raise NotAllowed()
    if approved and unit.status != "approved":
        raise UserError("units.not_approved", name=unit.name)


async def load_resource(ctx: Ctx, raw: str) -> tuple[UnitResource, Unit]:
    """A resource and its unit."""
    resource = await ctx.session.get(UnitResource, require_id(raw, "units.bad_resource"))
    if resource is None or not resource.active:
        raise UserError("units.no_resource", id=raw.strip().lstrip("#＃"))
    unit = await ctx.session.get(Unit, resource.unit_id)
    assert unit is not None
    return resource, unit


def resource_line(ctx: Ctx, resource: UnitResource, unit: Unit) -> str:
    """One resource as a list line."""
    return ctx.t(
        "units.resource_line",
        id=resource.id,
        unit=unit.name,
        kind=ctx.t(KINDS.get(resource.kind, KINDS["equipment"])),
        name=resource.name,
        quantity=resource.quantity,
        availability=resource.availability or "—",
    )
