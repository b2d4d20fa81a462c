"""The 社情民意地图's data: grid outlines, reports and needs as points, density per grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.office.figures import (
    NEED_CLOSED,
    NEED_OPEN,
    REPORT_CLOSED,
    REPORT_OPEN,
    Job,
    Opener,
    Tree,
    each,
    tree,
)
from storage.models import GridReport, Need, Region, ServiceItem

# Newest first, per kind; density per grid still counts every item. 500 + 500 points keep the
# JSON near 100 KB and the browser's drawing quick; a grid's own list shows all its items.
POINT_LIMIT = 500


@dataclass(frozen=True)
class MapFilter:
    """What the map shows: kinds, a category, open or closed, a creation period."""

    kind: str = "all"  # reports | needs | all
    category: str = ""
    status: str = "all"  # open | closed | all
    since: datetime | None = None
    until: datetime | None = None


def _filtered(
    query: Any, f: MapFilter, category: Any, status: Any, created: Any, open_: Any, closed: Any
) -> Any:
    """`query` narrowed by the map's filter, over the given columns and open/closed states."""
    if f.category:
        query = query.where(category == f.category)
    if f.status in ("open", "closed"):
        query = query.where(status.in_(open_ if f.status == "open" else closed))
    if f.since:
        query = query.where(created >= f.since)
    if f.until:
        query = query.where(created < f.until)
    return query


def _report_query(query: Any, f: MapFilter) -> Any:
    return _filtered(
        query,
        f,
        GridReport.category,
        GridReport.status,
        GridReport.created_at,
        REPORT_OPEN,
        REPORT_CLOSED,
    )


def _need_query(query: Any, f: MapFilter) -> Any:
    return _filtered(
        query, f, ServiceItem.department, Need.status, Need.created_at, NEED_OPEN, NEED_CLOSED
    )


def _grid_of(t: Tree, region_id: int) -> int | None:
    region = t.regions.get(region_id)
    while region is not None and region.level not in ("grid", "community", "street", "district"):
        region = t.regions.get(region.parent_id or 0)
    return region.id if region is not None else None


async def _report_density(session: AsyncSession, ids: list[int], f: MapFilter) -> list[Any]:
    rows = await session.execute(
        _report_query(
            select(GridReport.grid_id, func.count()).where(GridReport.grid_id.in_(ids)), f
        ).group_by(GridReport.grid_id)
    )
    return list(rows)


async def _report_points(session: AsyncSession, ids: list[int], f: MapFilter) -> list[Any]:
    rows = await session.execute(
        _report_query(
            select(
                GridReport.id,
                GridReport.category,
                GridReport.status,
                GridReport.lat,
                GridReport.lon,
                GridReport.region_id,
                GridReport.grid_id,
            ).where(GridReport.grid_id.in_(ids)),
            f,
        )
        .order_by(GridReport.id.desc())
        .limit(POINT_LIMIT)
    )
    return list(rows)


async def _need_density(session: AsyncSession, ids: list[int], f: MapFilter) -> list[Any]:
    base = select(Need.region_id, func.count()).where(Need.region_id.in_(ids))
    if f.category:  # the department is the service item's
        base = base.join(ServiceItem, ServiceItem.id == Need.service_item_id)
    return list(await session.execute(_need_query(base, f).group_by(Need.region_id)))


async def _need_points(session: AsyncSession, ids: list[int], f: MapFilter) -> list[Any]:
    rows = await session.execute(
        _need_query(
            select(Need.id, ServiceItem.department, Need.status, Need.region_id)
            .join(ServiceItem, ServiceItem.id == Need.service_item_id)
            .where(Need.region_id.in_(ids)),
            f,
        )
        .order_by(Need.id.desc())
        .limit(POINT_LIMIT)
    )
    return list(rows)


async def map_data(
    session: AsyncSession, root: Region, f: MapFilter, opener: Opener | None = None
) -> dict[str, Any]:
    """GeoJSON of the region's grids (with counts per grid) and a bounded sample of points.

    Density counts every filtered item, grouped by grid in SQL; points are the newest
    `POINT_LIMIT` reports and the newest `POINT_LIMIT` needs (`truncated` says when cut). With an
    `opener` (PostgreSQL) the queries run at once.
    """
    t = await tree(session, root, outlines=True)
    ids = t.ids
    # The two scans on their own connections, the two small point queries meanwhile here.
    scans: list[Job] = []
    samples: list[Job] = []
    if f.kind in ("all", "reports"):
        scans.append(lambda s: _report_density(s, ids, f))
        samples.append(lambda s: _report_points(s, ids, f))
    if f.kind in ("all", "needs"):
        scans.append(lambda s: _need_density(s, ids, f))
        samples.append(lambda s: _need_points(s, ids, f))
    found = await each(session, opener, scans, samples)
    densities, points_of = found[: len(scans)], found[len(scans) :]
    reports = [densities[0], points_of[0]] if f.kind in ("all", "reports") else [[], []]
    needs = [densities[-1], points_of[-1]] if f.kind in ("all", "needs") else [[], []]
    density: dict[int, dict[str, int]] = {}

    def bump(grid_id: int | None, kind: str, n: int) -> None:
        if grid_id is not None:
            density.setdefault(grid_id, {"reports": 0, "needs": 0})[kind] += n

    for grid_id, n in reports[0]:
        bump(grid_id, "reports", int(n))
    for region_id, n in needs[0]:
        bump(_grid_of(t, region_id), "needs", int(n))
    points: list[dict[str, Any]] = []
    for rid, category, status, lat, lon, region_id, grid_id in reports[1]:
        where = _place(t, lat, lon, region_id)
        if where:
            points.append(_point("report", rid, category, status, where, grid_id))
    for nid, department, status, region_id in needs[1]:
        where = _place(t, None, None, region_id)
        if where:
            points.append(_point("need", nid, department, status, where, _grid_of(t, region_id)))
    features = [
        {
            "type": "Feature",
            "geometry": r.geometry,
            "properties": {
                "id": r.id,
                "code": r.code,
                "name": r.name,
                "level": r.level,
                **density.get(r.id, {"reports": 0, "needs": 0}),
            },
        }
        for r in t.regions.values()
        if r.geometry and r.level in ("community", "grid") and r.id != root.parent_id
    ]
    return {
        "region": {"id": root.id, "name": root.name, "lat": root.lat, "lon": root.lon},
        "grids": {"type": "FeatureCollection", "features": features},
        "points": points,
        "truncated": len(reports[1]) >= POINT_LIMIT or len(needs[1]) >= POINT_LIMIT,
    }


def _point(
    kind: str, item_id: int, category: str, status: str, where: tuple[float, float], grid: Any
) -> dict[str, Any]:
    # Coordinates to 6 places (about 0.1 m): the JSON stays small.
    return {
        "kind": kind,
        "id": item_id,
        "category": category,
        "status": status,
        "lat": round(where[0], 6),
        "lon": round(where[1], 6),
        "grid_id": grid,
    }


def _place(
    t: Tree, lat: float | None, lon: float | None, region_id: int
) -> tuple[float, float] | None:
    """An item's point: its own, else its building's or grid's centre."""
    if lat is not None and lon is not None:
        return lat, lon
    region = t.regions.get(region_id)
    while region is not None:
        if region.lat is not None and region.lon is not None:
            return region.lat, region.lon
        region = t.regions.get(region.parent_id or 0)
    return None
