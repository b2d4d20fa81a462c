"""What the needs modules share: status labels, loading a need, who may see or act on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import STAFF_ROLES
from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.numbers import require_id
from storage.models import Need, Region, ServiceItem
from storage.repos import needs as needs_repo
from storage.repos import regions, roles

ACTIVE = ("open", "matching", "assigned")
# A resident may withdraw a need until a volunteer has been assigned to it.
SELF_CANCELLABLE = ("open", "matching")
STATUS_LABELS = {
    "open": N_("needs.status_open"),
    "matching": N_("needs.status_matching"),
    "assigned": N_("needs.status_assigned"),
    "done": N_("needs.status_done"),
    "cancelled": N_("needs.status_cancelled"),
}
NOTES_LIMIT = 500


def parse_id(raw: str) -> int:
    """A need number from "12" or "#12"; UserError otherwise."""
    return require_id(raw, "needs.bad_id")


async def load(ctx: Ctx, raw: str) -> Need:
    """The need a command or button names; UserError if there is none."""
    need = await needs_repo.get(ctx.session, parse_id(raw))
    if need is None:
        raise UserError("needs.not_found", id=raw.strip().lstrip("#＃"))
    return need


async def region_of(session: AsyncSession, need: Need) -> Region:
    """The region a need hangs off."""
    region = await regions.by_id(session, need.region_id)
    assert region is not None  # a foreign key
    return region


async def item_of(session: AsyncSession, need: Need) -> ServiceItem:
    """The service item a need asks for."""
    item = await session.get(ServiceItem, need.service_item_id)
    assert item is not None  # a foreign key
    return item


async def is_staff_for(ctx: Ctx, need: Need) -> bool:
    """Whether the person is a grid worker, organizer or admin over the need's region."""
    return await roles.holds(
        ctx.session, ctx.person.id, STAFF_ROLES, await region_of(ctx.session, need)
    )


async def can_view(ctx: Ctx, need: Need) -> bool:
    """The beneficiary, whoever entered it, and staff over its region may see a need."""
    me = ctx.person.id
    return need.person_id == me or need.entered_by_id == me or await is_staff_for(ctx, need)


async def rater_id(session: AsyncSession, need: Need) -> int | None:
    """Who rates a done need: the beneficiary, or who entered it for someone without a channel."""
    if need.person_id is not None and await needs_repo.has_channel(session, need.person_id):
        return need.person_id
    return need.entered_by_id


def window_text(ctx: Ctx, start: datetime | None, end: datetime | None) -> str:
    """A time window in the user's local time ("2026-12-03 14:00–16:00")."""
    if start is None or end is None:
        return ctx.t("needs.window_flexible")
    return ctx.deps.i18n.span(ctx.lang, start, end)


async def place_label(session: AsyncSession, region: Region) -> str:
    """A home as people say it: the community and the building or grid ("劲松北社区 103号楼")."""
    rows = await session.execute(
        select(Region.name)
        .where(
            Region.id.in_(region.path_ids()), Region.level.in_(("community", "grid", "building"))
        )
        .order_by(func.length(Region.path))
    )
    names = list(rows.scalars())
    if len(names) >= 3:  # community, grid, building: the grid adds nothing to an address
        names = [names[0], names[-1]]
    return " ".join(names) or region.name
