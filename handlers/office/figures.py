"""The dashboard's figures for a region: counts, the three 12345 rates, trends, volunteers, 1710.

Every figure is one aggregate query over the region's subtree, grouped in the database; the
regions themselves (a few hundred at most) are grouped in Python.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.hours.rules import HoursRules
from handlers.office.scope import all_below
from handlers.organizations import report_1710
from storage.models import GridReport, Need, Proposal, Region, ServiceRecord, VolunteerProfile

REPORT_OPEN = ("open", "acknowledged", "reopened")
REPORT_CLOSED = ("resolved", "closed")
NEED_OPEN = ("open", "matching", "assigned")
NEED_CLOSED = ("done", "cancelled")
PROPOSAL_OPEN = ("submitted", "seconded", "on_agenda", "accepted", "in_progress", "disputed")
TREND_MONTHS = 6


def month_of(column: Any, dialect: str) -> Any:
    """`YYYY-MM` of a UTC time column, in either engine's SQL."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def describe(region: Region) -> dict[str, Any]:
    """A region as the JSON endpoints show it."""
    return {"id": region.id, "code": region.code, "name": region.name, "level": region.level}


class Tree:
    """A region's subtree, with each region's place among the root's children."""

    def __init__(self, root: Region, regions: list[Region]) -> None:
        self.root = root
        self.regions = {r.id: r for r in regions}
        self.children = [r for r in regions if r.parent_id == root.id and r.level != "building"]
        self._child_of: dict[int, int] = {}
        for r in regions:
            for child in self.children:
                if r.path.startswith(child.path):
                    self._child_of[r.id] = child.id
        if not self.children:  # a grid: it is its own only row
            self.children = [root]
            self._child_of = {r.id: root.id for r in regions}

    def child_of(self, region_id: int) -> int | None:
        """The root's child holding a region (or the root, for a grid's own page)."""
        return self._child_of.get(region_id)

    @property
    def ids(self) -> list[int]:
        """Every region id of the subtree."""
        return list(self.regions)


async def tree(session: AsyncSession, root: Region) -> Tree:
    """The subtree under a region."""
    return Tree(root, await all_below(session, root))


def _report_stats() -> list[Any]:
    return [
        func.count(),
        func.count(GridReport.acknowledged_at),
        func.sum(case((GridReport.status.in_(REPORT_CLOSED), 1), else_=0)),
        func.count(GridReport.rating),
        func.sum(case((GridReport.rating >= 4, 1), else_=0)),
    ]


def _rates(row: Any) -> dict[str, Any]:
    total, answered, resolved, rated, happy = (int(v or 0) for v in row)
    return {
        "reports": total,
        "response": _rate(answered, total),
        "resolution": _rate(resolved, total),
        "satisfaction": _rate(happy, rated),
    }


async def rates(session: AsyncSession, t: Tree, dialect: str, now: datetime) -> dict[str, Any]:
    """Response, resolution and satisfaction per child region, and monthly for the whole."""
    grids = t.ids
    per_grid = await session.execute(
        select(GridReport.grid_id, *_report_stats())
        .where(GridReport.grid_id.in_(grids))
        .group_by(GridReport.grid_id)
    )
    sums: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
    for grid_id, *values in per_grid:
        child = t.child_of(grid_id)
        if child is not None:
            sums[child] = [a + int(b or 0) for a, b in zip(sums[child], values, strict=True)]
    rows = [describe(c) | _rates(sums[c.id]) for c in t.children]
    month = month_of(GridReport.created_at, dialect)
    since = now - timedelta(days=31 * TREND_MONTHS)
    monthly = await session.execute(
        select(month, *_report_stats())
        .where(GridReport.grid_id.in_(grids), GridReport.created_at >= since)
        .group_by(month)
        .order_by(month)
    )
    trend = [{"month": m} | _rates(values) for m, *values in monthly]
    return {"by_region": rows, "trend": trend}


async def counts(session: AsyncSession, t: Tree, now: datetime) -> dict[str, Any]:
    """Open, overdue and closed reports, needs and proposals."""
    ids = t.ids
    late = or_(
        and_(GridReport.acknowledged_at.is_(None), GridReport.respond_due < now),
        GridReport.resolve_due < now,
    )
    report_row = (
        await session.execute(
            select(
                func.sum(case((GridReport.status.in_(REPORT_OPEN), 1), else_=0)),
                func.sum(case((and_(GridReport.status.in_(REPORT_OPEN), late), 1), else_=0)),
                func.sum(case((GridReport.status.in_(REPORT_CLOSED), 1), else_=0)),
            ).where(GridReport.grid_id.in_(ids))
        )
    ).one()
    stale = now - timedelta(days=2)
    need_row = (
        await session.execute(
            select(
                func.sum(case((Need.status.in_(NEED_OPEN), 1), else_=0)),
                func.sum(
                    case(
                        (
                            and_(
                                Need.status.in_(NEED_OPEN),
                                or_(
                                    Need.window_end < now,
                                    and_(Need.window_end.is_(None), Need.created_at < stale),
                                ),
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
                func.sum(case((Need.status.in_(NEED_CLOSED), 1), else_=0)),
            ).where(Need.region_id.in_(ids))
        )
    ).one()
    proposal_row = (
        await session.execute(
            select(
                func.sum(case((Proposal.status.in_(PROPOSAL_OPEN), 1), else_=0)),
                func.sum(case((Proposal.status.notin_(PROPOSAL_OPEN), 1), else_=0)),
            ).where(Proposal.region_id.in_(ids))
        )
    ).one()

    def triple(row: Any) -> dict[str, int]:
        return {"open": int(row[0] or 0), "overdue": int(row[1] or 0), "closed": int(row[2] or 0)}

    return {
        "reports": triple(report_row),
        "needs": triple(need_row),
        "proposals": {"open": int(proposal_row[0] or 0), "closed": int(proposal_row[1] or 0)},
    }


async def since_yesterday(session: AsyncSession, t: Tree, now: datetime) -> dict[str, int]:
    """What changed in the last 24 hours."""
    ids, since = t.ids, now - timedelta(days=1)

    async def one(query: Any) -> int:
        return int((await session.execute(query)).scalar() or 0)

    return {
        "reports_new": await one(
            select(func.count()).where(GridReport.grid_id.in_(ids), GridReport.created_at >= since)
        ),
        "reports_resolved": await one(
            select(func.count()).where(GridReport.grid_id.in_(ids), GridReport.resolved_at >= since)
        ),
        "needs_new": await one(
            select(func.count()).where(Need.region_id.in_(ids), Need.created_at >= since)
        ),
        "needs_closed": await one(
            select(func.count()).where(Need.region_id.in_(ids), Need.closed_at >= since)
        ),
        "proposals_new": await one(
            select(func.count()).where(Proposal.region_id.in_(ids), Proposal.created_at >= since)
        ),
    }


async def projects_done(session: AsyncSession, t: Tree, now: datetime, tz: str) -> int:
    """Practical projects (accepted proposals) done since 1 January, local time."""
    local = now.astimezone(ZoneInfo(tz))
    start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    found = await session.execute(
        select(func.count()).where(
            Proposal.region_id.in_(t.ids), Proposal.status == "done", Proposal.done_at >= start
        )
    )
    return int(found.scalar() or 0)


async def volunteers(session: AsyncSession, t: Tree, rules: HoursRules) -> dict[str, Any]:
    """Volunteers whose home grid lies in the region: how many, their hours, their star levels."""
    totals = (
        select(ServiceRecord.person_id, func.sum(ServiceRecord.hours).label("hours"))
        .group_by(ServiceRecord.person_id)
        .subquery()
    )
    rows = await session.execute(
        select(VolunteerProfile.person_id, totals.c.hours)
        .outerjoin(totals, totals.c.person_id == VolunteerProfile.person_id)
        .where(VolunteerProfile.home_grid_id.in_(t.ids))
    )
    stars = [0] * (len(rules.stars) + 1)
    count, hours = 0, Decimal(0)
    for _, total in rows:
        total = Decimal(total or 0)
        count += 1
        hours += total
        stars[rules.level(total)] += 1
    return {"count": count, "hours": float(hours), "stars": stars}


async def ledger_1710(session: AsyncSession, root: Region) -> list[dict[str, Any]]:
    """The 1710 ledger of the communities in the region."""
    if root.level == "grid":
        return []
    return [
        {
            "code": row.code,
            "community": row.community,
            "professional": row.professional,
            "registered": row.registered,
            "grassroots": row.grassroots,
            "met": row.met,
        }
        for row in await report_1710(session, root)
    ]


async def dashboard(
    session: AsyncSession, root: Region, now: datetime, *, dialect: str, tz: str, rules: HoursRules
) -> dict[str, Any]:
    """Everything the dashboard shows for one region."""
    t = await tree(session, root)
    return {
        "region": describe(root),
        "children": [describe(c) for c in t.children if c.id != root.id],
        "counts": await counts(session, t, now),
        "rates": await rates(session, t, dialect, now),
        "projects_done_this_year": await projects_done(session, t, now, tz),
        "ledger_1710": await ledger_1710(session, root),
        "volunteers": await volunteers(session, t, rules),
        "since_yesterday": await since_yesterday(session, t, now),
    }
