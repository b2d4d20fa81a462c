"""The 社情民意地图's data: grid outlines, reports and needs as points, density per grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.office.figures import NEED_CLOSED, NEED_OPEN, REPORT_CLOSED, REPORT_OPEN, Tree, tree
from storage.models import GridReport, Need, Region, ServiceItem

POINT_LIMIT = 2000  # newest first; density per grid still counts every item


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


async def map_data(session: AsyncSession, root: Region, f: MapFilter) -> dict[str, Any]:
    """GeoJSON of the region's grids (with counts) and points of the filtered items."""
    t = await tree(session, root)
    ids = t.ids
    density: dict[int, dict[str, int]] = {}

    def bump(grid_id: int | None, kind: str, n: int) -> None:
        if grid_id is not None:
            density.setdefault(grid_id, {"reports": 0, "needs": 0})[kind] += n

    points: list[dict[str, Any]] = []
    if f.kind in ("all", "reports"):
        grouped = await session.execute(
            _report_query(
                select(GridReport.grid_id, func.count()).where(GridReport.grid_id.in_(ids)), f
            ).group_by(GridReport.grid_id)
        )
        for grid_id, n in grouped:
            bump(grid_id, "reports", int(n))
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
        for rid, category, status, lat, lon, region_id, grid_id in rows:
            where = _place(t, lat, lon, region_id)
            if where:
                points.append(
                    {
                        "kind": "report",
                        "id": rid,
                        "category": category,
                        "status": status,
                        "lat": where[0],
                        "lon": where[1],
                        "grid_id": grid_id,
                    }
                )
    if f.kind in ("all", "needs"):
        base = select(Need.region_id, func.count()).where(Need.region_id.in_(ids))
        if f.category:  # the department is the service item's
            base = base.join(ServiceItem, ServiceItem.id == Need.service_item_id)
        for region_id, n in await session.execute(_need_query(base, f).group_by(Need.region_id)):
            bump(_grid_of(t, region_id), "needs", int(n))
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
        for nid, department, status, region_id in rows:
            where = _place(t, None, None, region_id)
            if where:
                points.append(
                    {
                        "kind": "need",
                        "id": nid,
                        "category": department,
                        "status": status,
                        "lat": where[0],
                        "lon": where[1],
                        "grid_id": _grid_of(t, region_id),
                    }
                )
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
        "truncated": len(points) >= POINT_LIMIT,
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
