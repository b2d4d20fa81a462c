"""Grid reports (报事): lookups by grid and scope, "me too", state changes, overdue reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, GridReport, Region, ReportMeToo


async def get(session: AsyncSession, report_id: int) -> GridReport | None:
    """A report by id."""
    return await session.get(GridReport, report_id)


async def in_grid(
    session: AsyncSession,
    grid_id: int,
    category: str,
    statuses: Sequence[str],
    limit: int = 30,
) -> list[GridReport]:
    """Reports of a category in one grid with one of the statuses, newest first."""
    rows = await session.execute(
        select(GridReport)
        .where(
            GridReport.grid_id == grid_id,
            GridReport.category == category,
            GridReport.status.in_(statuses),
        )
        .order_by(GridReport.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def of_reporter(session: AsyncSession, person_id: int, limit: int = 10) -> list[GridReport]:
    """A person's own reports, newest first."""
    rows = await session.execute(
        select(GridReport)
        .where(GridReport.reporter_id == person_id)
        .order_by(GridReport.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def in_scopes(
    session: AsyncSession,
    scopes: Sequence[Region],
    statuses: Sequence[str] | None = None,
    *,
    for_street: bool = False,
    limit: int = 30,
) -> list[GridReport]:
    """Reports whose grid lies in any of the subtrees, highest priority and oldest first.

    `for_street` keeps only what the street reviews: escalated or beyond the community's authority.
    """
    if not scopes:
        return []
    query = (
        select(GridReport)
        .join(Region, Region.id == GridReport.grid_id)
        .where(or_(*(Region.path.startswith(scope.path) for scope in scopes)))
    )
    if statuses is not None:
        query = query.where(GridReport.status.in_(statuses))
    if for_street:
        query = query.where(
            or_(GridReport.escalation_level > 0, GridReport.beyond_authority.is_(True))
        )
    rows = await session.execute(
        query.order_by(GridReport.priority.desc(), GridReport.id).limit(limit)
    )
    return list(rows.scalars())


async def has_metoo(session: AsyncSession, report_id: int, person_id: int) -> bool:
    """Whether the person already said "me too" on the report."""
    row = await session.execute(
        select(ReportMeToo.id).where(
            ReportMeToo.report_id == report_id, ReportMeToo.person_id == person_id
        )
    )
    return row.first() is not None


async def add_metoo(
    session: AsyncSession,
    report_id: int,
    person_id: int,
    now: datetime,
    statuses: Sequence[str],
) -> str:
    """Count one more neighbour on a report still in `statuses`, once per person.

    Returns "added", "already" (this person was counted before, perhaps a moment ago by a
    concurrent message) or "gone" (the report left `statuses`; the caller rolls back).
    """
    try:
        async with session.begin_nested():
            session.add(ReportMeToo(report_id=report_id, person_id=person_id, created_at=now))
    except IntegrityError:
        return "already"
    result = await session.execute(
        update(GridReport)
        .where(GridReport.id == report_id, GridReport.status.in_(statuses))
        .values(
            metoo_count=GridReport.metoo_count + 1,
            priority=GridReport.priority + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return "added" if getattr(result, "rowcount", 0) else "gone"


async def metoo_people(session: AsyncSession, report_id: int) -> list[int]:
    """Who said "me too" on a report, in order."""
    rows = await session.execute(
        select(ReportMeToo.person_id)
        .where(ReportMeToo.report_id == report_id, ReportMeToo.person_id.is_not(None))
        .order_by(ReportMeToo.id)
    )
    return [pid for pid in rows.scalars() if pid is not None]


async def transition(
    session: AsyncSession,
    report_id: int,
    statuses: Sequence[str],
    now: datetime,
    **values: Any,
) -> bool:
    """Update a report still in one of `statuses`; False if it changed meanwhile."""
    result = await session.execute(
        update(GridReport)
        .where(GridReport.id == report_id, GridReport.status.in_(statuses))
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def overdue(
    session: AsyncSession, now: datetime, unanswered: Sequence[str], unresolved: Sequence[str]
) -> list[GridReport]:
    """Reports past a deadline that have not been escalated for it yet.

    Level 1: no response by `respond_due`; level 2: not resolved by `resolve_due`.
    """
    rows = await session.execute(
        select(GridReport)
        .where(
            or_(
                and_(
                    GridReport.status.in_(unanswered),
                    GridReport.respond_due < now,
                    GridReport.escalation_level < 1,
                ),
                and_(
                    GridReport.status.in_(unresolved),
                    GridReport.resolve_due < now,
                    GridReport.escalation_level < 2,
                ),
            )
        )
        .order_by(GridReport.id)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def raise_escalation(
    session: AsyncSession, report_id: int, level: int, now: datetime
) -> bool:
    """Set the escalation level if it is still lower (another sweep may have done it)."""
    result = await session.execute(
        update(GridReport)
        .where(GridReport.id == report_id, GridReport.escalation_level < level)
        .values(escalation_level=level, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def places_near(
    session: AsyncSession, lat: float, lon: float, degrees: float
) -> list[Region]:
    """Grids and buildings with coordinates inside a box around a point."""
    rows = await session.execute(
        select(Region).where(
            Region.level.in_(("grid", "building")),
            Region.lat.between(lat - degrees, lat + degrees),
            Region.lon.between(lon - degrees, lon + degrees),
        )
    )
    return list(rows.scalars())


async def export(session: AsyncSession, scope: Region | None) -> list[tuple[GridReport, Region]]:
    """Every report (whose grid lies in a region subtree, if given), with the grid, oldest first."""
    rows = await session.execute(
        select(GridReport, Region)
        .join(Region, Region.id == GridReport.grid_id)
        .where(Region.path.startswith(scope.path) if scope is not None else true())
        .order_by(GridReport.id)
    )
    return [(report, grid) for report, grid in rows.all()]


async def events(session: AsyncSession, report_id: int, actions: Sequence[str]) -> list[AuditEntry]:
    """The audit entries of some actions on a report (progress notes …), oldest first."""
    rows = await session.execute(
        select(AuditEntry)
        .where(AuditEntry.target == f"report:{report_id}", AuditEntry.action.in_(actions))
        .order_by(AuditEntry.id)
    )
    return list(rows.scalars())
