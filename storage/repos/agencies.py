"""吹哨报到 and units: departments, staff membership, invite codes, hand-offs and their rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Department,
    DepartmentRegion,
    GridReport,
    Handoff,
    Region,
    StaffMember,
)

ACTIVE = ("handed", "help")


async def department_by_code(session: AsyncSession, code: str) -> Department | None:
    """A department by its code (e.g. "CY-JS-CG")."""
    found = await session.execute(select(Department).where(Department.code == code))
    return found.scalar_one_or_none()


async def serving(session: AsyncSession, region: Region) -> list[Department]:
    """Departments serving a region: one of their regions is the region or an ancestor of it."""
    rows = await session.execute(
        select(Department, Region.path)
        .join(DepartmentRegion, DepartmentRegion.department_id == Department.id)
        .join(Region, Region.id == DepartmentRegion.region_id)
        .order_by(Department.id)
    )
    found: dict[int, Department] = {}
    for dept, path in rows.all():
        if region.path.startswith(path):
            found.setdefault(dept.id, dept)
    return list(found.values())


async def memberships(session: AsyncSession, person_id: int) -> list[StaffMember]:
    """A person's current staff memberships (departments and units)."""
    rows = await session.execute(
        select(StaffMember)
        .where(StaffMember.person_id == person_id, StaffMember.left_at.is_(None))
        .order_by(StaffMember.id)
    )
    return list(rows.scalars())


async def department_ids_of(session: AsyncSession, person_id: int) -> list[int]:
    """The departments a person works for."""
    return [m.department_id for m in await memberships(session, person_id) if m.department_id]


async def staff_of(
    session: AsyncSession,
    *,
    department_id: int | None = None,
    unit_id: int | None = None,
    leads_only: bool = False,
) -> list[int]:
    """The people working for a department or a unit (only its leads, if asked)."""
    query = select(StaffMember.person_id).where(StaffMember.left_at.is_(None))
    if department_id is not None:
        query = query.where(StaffMember.department_id == department_id)
    if unit_id is not None:
        query = query.where(StaffMember.unit_id == unit_id)
    if leads_only:
        query = query.where(StaffMember.lead.is_(True))
    return list((await session.execute(query.order_by(StaffMember.id))).scalars())


async def is_member(
    session: AsyncSession,
    person_id: int,
    *,
    department_id: int | None = None,
    unit_id: int | None = None,
) -> bool:
    """Whether a person works for that department or unit now."""
    query = select(StaffMember.id).where(
        StaffMember.person_id == person_id, StaffMember.left_at.is_(None)
    )
    if department_id is not None:
        query = query.where(StaffMember.department_id == department_id)
    if unit_id is not None:
        query = query.where(StaffMember.unit_id == unit_id)
    return (await session.execute(query.limit(1))).first() is not None


async def handoffs_of_report(session: AsyncSession, report_id: int) -> list[Handoff]:
    """Every hand-off of a report, oldest first."""
    rows = await session.execute(
        select(Handoff).where(Handoff.report_id == report_id).order_by(Handoff.id)
    )
    return list(rows.scalars())


async def handoffs_for(
    session: AsyncSession, department_ids: Sequence[int], limit: int = 30
) -> list[Handoff]:
    """Hand-offs to some departments: the active ones first, then the newest."""
    if not department_ids:
        return []
    active_first = func.coalesce(Handoff.status.in_(ACTIVE), False)
    rows = await session.execute(
        select(Handoff)
        .where(Handoff.department_id.in_(department_ids))
        .order_by(active_first.desc(), Handoff.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def handoffs_in(
    session: AsyncSession, scopes: Sequence[Region], limit: int = 30
) -> list[Handoff]:
    """Hand-offs of reports whose grid lies in one of the region subtrees: active first."""
    if not scopes:
        return []
    active_first = func.coalesce(Handoff.status.in_(ACTIVE), False)
    rows = await session.execute(
        select(Handoff)
        .join(GridReport, GridReport.id == Handoff.report_id)
        .join(Region, Region.id == GridReport.grid_id)
        .where(or_(*(Region.path.startswith(scope.path) for scope in scopes)))
        .order_by(active_first.desc(), Handoff.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def transition(
    session: AsyncSession, handoff_id: int, expected: Sequence[str], now: datetime, **values: Any
) -> bool:
    """Change a hand-off only if its status is still one of `expected` (first answer wins)."""
    result = await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status.in_(expected))
        .values(updated_at=now, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def overdue(session: AsyncSession, now: datetime, limit: int = 200) -> list[Handoff]:
    """Active hand-offs past their deadline that have not been escalated yet."""
    rows = await session.execute(
        select(Handoff)
        .where(Handoff.status.in_(ACTIVE), Handoff.due_at < now, Handoff.escalation_level == 0)
        .order_by(Handoff.due_at)
        .limit(limit)
    )
    return list(rows.scalars())


async def raise_escalation(session: AsyncSession, handoff_id: int, now: datetime) -> bool:
    """Mark a hand-off escalated, once (another sweep that got there first wins)."""
    result = await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.escalation_level == 0)
        .values(escalation_level=1, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def rate_counts(
    session: AsyncSession, scope: Region | None
) -> list[tuple[Department, int, int, int, int, int]]:
    """Per department: (department, handed, responded on time, answered, rated, satisfied).

    Hand-offs of reports whose grid lies in `scope` (every hand-off when None). Satisfied means
    the reporter rated the report four stars or more after the department answered.
    """
    on_time = and_(Handoff.responded_at.is_not(None), Handoff.responded_at <= Handoff.due_at)
    answered = Handoff.status == "answered"
    rated = and_(answered, GridReport.rating.is_not(None))
    happy = and_(rated, GridReport.rating >= 4)

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            Handoff.department_id,
            func.count(Handoff.id),
            count(on_time),
            count(answered),
            count(rated),
            count(happy),
        )
        .join(GridReport, GridReport.id == Handoff.report_id)
        .join(Region, Region.id == GridReport.grid_id)
        .group_by(Handoff.department_id)
    )
    if scope is not None:
        query = query.where(Region.path.startswith(scope.path))
    counts = {row[0]: tuple(int(v or 0) for v in row[1:]) for row in await session.execute(query)}
    departments = (await session.execute(select(Department).order_by(Department.id))).scalars()
    return [(d, *counts.get(d.id, (0, 0, 0, 0, 0))) for d in departments]  # type: ignore[misc]


async def export(
    session: AsyncSession, scope: Region | None
) -> list[tuple[Handoff, Department, GridReport, Region]]:
    """Hand-offs with their department, report and grid, oldest first."""
    query = (
        select(Handoff, Department, GridReport, Region)
        .join(Department, Department.id == Handoff.department_id)
        .join(GridReport, GridReport.id == Handoff.report_id)
        .join(Region, Region.id == GridReport.grid_id)
        .order_by(Handoff.id)
    )
    if scope is not None:
        query = query.where(Region.path.startswith(scope.path))
    return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]
