"""The dashboard's figures for a region: counts, the three 12345 rates, trends, volunteers, 1710.

Every figure is one aggregate query over the region's subtree, grouped in the database; the
regions themselves (a few hundred at most) are grouped in Python. Given an `opener` of fresh
sessions (PostgreSQL), the four independent scans run at once on their own connections.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, cast, func, or_, select
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
    """The month of a UTC time column, in either engine's SQL (see `month_text`)."""
    if dialect == "postgresql":  # date_trunc costs a third of to_char over 50,000 rows
        return func.date_trunc("month", column)
    return func.strftime("%Y-%m", column)


def month_text(value: Any) -> str:
    """`YYYY-MM` of what `month_of` gave (a datetime on PostgreSQL, a string on SQLite)."""
    return value.strftime("%Y-%m") if isinstance(value, datetime) else str(value)


Opener = Callable[[], AbstractAsyncContextManager[AsyncSession]]


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


async def tree(session: AsyncSession, root: Region, *, outlines: bool = False) -> Tree:
    """The subtree under a region (`outlines`: with the regions' geometry, for the map)."""
    return Tree(root, await all_below(session, root, outlines=outlines))


def _flag(condition: Any) -> Any:
    # count(*) FILTER (WHERE …): about a tenth cheaper than sum(CASE …) over 50,000 rows on
    # PostgreSQL; SQLite has it since 3.30.
    return func.count().filter(condition)


def _rates(total: int, answered: int, resolved: int, rated: int, happy: int) -> dict[str, Any]:
    return {
        "reports": total,
        "response": _rate(answered, total),
        "resolution": _rate(resolved, total),
        "satisfaction": _rate(happy, rated),
    }


RATE_FIELDS = 5  # total, answered, resolved, rated, happy: the first columns of the report scan


async def report_figures(
    session: AsyncSession, t: Tree, dialect: str, now: datetime
) -> dict[str, Any]:
    """Everything about reports in one scan, grouped by grid and month, summed in Python."""
    month = month_of(GridReport.created_at, dialect)
    is_open = GridReport.status.in_(REPORT_OPEN)
    late = or_(
        and_(GridReport.acknowledged_at.is_(None), GridReport.respond_due < now),
        GridReport.resolve_due < now,
    )
    day = now - timedelta(days=1)
    rows = await session.execute(
        select(
            GridReport.grid_id,
            month,
            func.count(),
            func.count(GridReport.acknowledged_at),
            _flag(GridReport.status.in_(REPORT_CLOSED)),
            func.count(GridReport.rating),
            _flag(GridReport.rating >= 4),
            _flag(is_open),
            _flag(and_(is_open, late)),
            _flag(GridReport.created_at >= day),
            _flag(GridReport.resolved_at >= day),
        )
        .where(GridReport.grid_id.in_(t.ids))
        .group_by(GridReport.grid_id, month)
    )
    width = 9
    per_child: dict[int, list[int]] = defaultdict(lambda: [0] * width)
    per_month: dict[str, list[int]] = defaultdict(lambda: [0] * width)
    for grid_id, m, *values in rows:
        numbers = [int(v or 0) for v in values]
        child = t.child_of(grid_id)
        if child is not None:
            per_child[child] = [a + b for a, b in zip(per_child[child], numbers, strict=True)]
        key = month_text(m)
        per_month[key] = [a + b for a, b in zip(per_month[key], numbers, strict=True)]
    totals = [sum(col) for col in zip(*per_month.values(), strict=True)] or [0] * width
    first = (now - timedelta(days=31 * (TREND_MONTHS - 1))).strftime("%Y-%m")
    return {
        "counts": {"open": totals[5], "overdue": totals[6], "closed": totals[2]},
        "rates": {
            "by_region": [describe(c) | _rates(*per_child[c.id][:RATE_FIELDS]) for c in t.children],
            "trend": [
                {"month": m} | _rates(*per_month[m][:RATE_FIELDS])
                for m in sorted(per_month)
                if m >= first
            ],
        },
        "since": {"reports_new": totals[7], "reports_resolved": totals[8]},
    }


async def need_figures(session: AsyncSession, t: Tree, now: datetime) -> dict[str, Any]:
    """Open, overdue and closed needs, and the last day's, in one scan."""
    is_open = Need.status.in_(NEED_OPEN)
    stale = now - timedelta(days=2)
    late = or_(Need.window_end < now, and_(Need.window_end.is_(None), Need.created_at < stale))
    day = now - timedelta(days=1)
    row = (
        await session.execute(
            select(
                _flag(is_open),
                _flag(and_(is_open, late)),
                _flag(Need.status.in_(NEED_CLOSED)),
                _flag(Need.created_at >= day),
                _flag(Need.closed_at >= day),
            ).where(Need.region_id.in_(t.ids))
        )
    ).one()
    n = [int(v or 0) for v in row]
    return {
        "counts": {"open": n[0], "overdue": n[1], "closed": n[2]},
        "since": {"needs_new": n[3], "needs_closed": n[4]},
    }


async def proposal_figures(
    session: AsyncSession, t: Tree, now: datetime, tz: str
) -> dict[str, Any]:
    """Open and decided proposals, practical projects done this year, the last day's."""
    local = now.astimezone(ZoneInfo(tz))
    year = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    row = (
        await session.execute(
            select(
                _flag(Proposal.status.in_(PROPOSAL_OPEN)),
                _flag(Proposal.status.notin_(PROPOSAL_OPEN)),
                _flag(and_(Proposal.status == "done", Proposal.done_at >= year)),
                _flag(Proposal.created_at >= now - timedelta(days=1)),
            ).where(Proposal.region_id.in_(t.ids))
        )
    ).one()
    n = [int(v or 0) for v in row]
    return {"counts": {"open": n[0], "closed": n[1]}, "projects_done": n[2], "new": n[3]}


async def volunteers(session: AsyncSession, t: Tree, rules: HoursRules) -> dict[str, Any]:
    """Volunteers whose home grid lies in the region: how many, their hours, their star levels."""
    # Float sums: several times faster than NUMERIC over many records, and hours have one
    # decimal place (rounded again below).
    totals = (
        select(
            ServiceRecord.person_id,
            func.sum(cast(ServiceRecord.hours, Float)).label("hours"),
        )
        .group_by(ServiceRecord.person_id)
        .subquery()
    )
    hours = func.coalesce(totals.c.hours, 0)
    # The star level in SQL (thresholds from the rules): a few rows come back, not every person.
    level = case(
        *((hours >= threshold, n) for n, threshold in reversed(list(enumerate(rules.stars, 1)))),
        else_=0,
    )
    per_person = (
        select(level.label("level"), hours.label("hours"))
        .select_from(VolunteerProfile)
        .outerjoin(totals, totals.c.person_id == VolunteerProfile.person_id)
        .where(VolunteerProfile.home_grid_id.in_(t.ids))
        .subquery()
    )
    rows = await session.execute(
        select(per_person.c.level, func.count(), func.sum(per_person.c.hours)).group_by(
            per_person.c.level
        )
    )
    stars = [0] * (len(rules.stars) + 1)
    count, total = 0, Decimal(0)
    for star, people, hours_sum in rows:
        stars[int(star)] += int(people)
        count += int(people)
        total += Decimal(str(hours_sum or 0))
    return {"count": count, "hours": round(float(total), 1), "stars": stars}


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


Job = Callable[[AsyncSession], Awaitable[Any]]


async def each(
    session: AsyncSession, opener: Opener | None, jobs: list[Job], light: list[Job] | None = None
) -> list[Any]:
    """Run read-only jobs, results in order (`jobs`, then `light`).

    Without an opener (SQLite: one connection, and writers lock it) all run one after the other
    in `session`. With one (PostgreSQL), each of `jobs` runs on its own connection, each in its
    own snapshot (figures of one moment, give or take the milliseconds between the snapshots),
    while the `light` ones run meanwhile in `session`: a request holds at most 1 + len(jobs)
    connections, within the pool's five, so none is opened and closed per request.
    """
    light = light or []
    if opener is None:
        return [await job(session) for job in [*jobs, *light]]

    async def alone(job: Job) -> Any:
        async with opener() as own:
            return await job(own)

    async def here() -> list[Any]:
        return [await job(session) for job in light]

    *found, mine = await asyncio.gather(*(alone(job) for job in jobs), here())
    return [*found, *mine]


async def dashboard(
    session: AsyncSession,
    root: Region,
    now: datetime,
    *,
    dialect: str,
    tz: str,
    rules: HoursRules,
    opener: Opener | None = None,
) -> dict[str, Any]:
    """Everything the dashboard shows for one region."""
    t = await tree(session, root)
    reports, needs, people, proposals, ledger = await each(
        session,
        opener,
        [
            lambda s: report_figures(s, t, dialect, now),
            lambda s: need_figures(s, t, now),
            lambda s: volunteers(s, t, rules),
        ],
        light=[lambda s: proposal_figures(s, t, now, tz), lambda s: ledger_1710(s, root)],
    )
    return {
        "region": describe(root),
        "children": [describe(c) for c in t.children if c.id != root.id],
        "counts": {
            "reports": reports["counts"],
            "needs": needs["counts"],
            "proposals": proposals["counts"],
        },
        "rates": reports["rates"],
        "projects_done_this_year": proposals["projects_done"],
        "ledger_1710": ledger,
        "volunteers": people,
        "since_yesterday": reports["since"] | needs["since"] | {"proposals_new": proposals["new"]},
    }
