"""What the hand-off (吹哨报到) modules share: department kinds, states, loading and telling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.notify import Key, Sink, notify_each
from handlers.core.numbers import require_id
from handlers.reports.common import is_staff_for
from storage.models import Department, GridReport, Handoff, Region
from storage.repos import agencies, regions, roles
from storage.repos import reports as reports_repo

KINDS = {
    "chengguan": N_("departments.kind_chengguan"),  # 城管
    "police": N_("departments.kind_police"),  # 公安
    "market": N_("departments.kind_market"),  # 市场监管
    "housing": N_("departments.kind_housing"),  # 住建
    "fire": N_("departments.kind_fire"),  # 消防
    "property": N_("departments.kind_property"),  # 物业
}
STATUS_LABELS = {
    "handed": N_("departments.status_handed"),
    "help": N_("departments.status_help"),
    "answered": N_("departments.status_answered"),
    "returned": N_("departments.status_returned"),
}
ACTIVE = agencies.ACTIVE
STREET_ROLES = ("organizer", "admin")


async def load(ctx: Ctx, raw: str) -> Handoff:
    """The hand-off a command or button names; UserError if there is none."""
    handoff = await ctx.session.get(Handoff, require_id(raw, "departments.bad_id"))
    if handoff is None:
        raise UserError("departments.not_found", id=raw.strip().lstrip("#＃"))
    return handoff


async def report_and_grid(session: AsyncSession, handoff: Handoff) -> tuple[GridReport, Region]:
    """The report a hand-off is about, and its grid."""
    report = await reports_repo.get(session, handoff.report_id)
    assert report is not None  # a foreign key
    grid = await regions.by_id(session, report.grid_id)
    assert grid is not None
    return report, grid


async def is_grid_staff(ctx: Ctx, report: GridReport) -> bool:
    """Whether the person is a grid worker, organizer or admin over the report's grid."""
    return await is_staff_for(ctx, report)


async def is_department_staff(ctx: Ctx, handoff: Handoff) -> bool:
    """Whether the person works for the department the report was handed to."""
    return await agencies.is_member(ctx.session, ctx.person.id, department_id=handoff.department_id)


async def for_department(ctx: Ctx, raw: str) -> Handoff:
    """A hand-off the person may act on as its department's staff (NotAllowed otherwise)."""
    await require_registered(ctx)
    handoff = await load(ctx, raw)
    if not await is_department_staff(ctx, handoff):
        raise NotAllowed()
    return handoff


async def department(session: AsyncSession, handoff: Handoff) -> Department:
    """The department of a hand-off."""
    found = await session.get(Department, handoff.department_id)
    assert found is not None  # a foreign key
    return found


async def street_staff(session: AsyncSession, grid: Region) -> list[int]:
    """The street's organizers and admins over a grid."""
    street = await regions.ancestor_at(session, grid, "street")
    return await roles.holders(session, STREET_ROLES, street or grid)


async def tell(
    sink: Sink,
    people: Sequence[int | None],
    key: str,
    handoff: Handoff,
    dept: Department,
    *,
    skip: int | None = None,
    choices: Sequence[tuple[str, str]] = (),
    photo: str | None = None,
    **params: Any,
) -> None:
    """Send one notice about a hand-off to several people (not to `skip`, the one acting)."""
    await notify_each(
        sink,
        people,
        key,
        skip=skip,
        choices=choices or [("departments.view", f"/handoff {handoff.id}")],
        photo=photo,
        id=handoff.id,
        report=handoff.report_id,
        department=dept.name,
        **params,
    )


def kind_label(kind: str) -> Key:
    """A department kind as a catalog key (translated for each recipient)."""
    return Key(KINDS.get(kind, KINDS["property"]))
