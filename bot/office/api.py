"""The office's JSON endpoints (documented in docs/office.md); the pages' charts and map use them.

GET /office/api/regions/{id}/dashboard · /map · /reports · /needs · /proposals, and
GET /office/api/reports/{id} · /needs/{id} · /proposals/{id} (an item with its timeline).
Signed-in staff only, for regions within their roles.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.cache import Recent
from bot.office.web import Templates, Visit, headers, signed_in
from handlers.core.errors import InvalidInput, NotAllowed
from handlers.hours.rules import rules_of
from handlers.office import figures, items, mapdata, timelines
from storage.models import GridReport, Need, Proposal, Region

STATUSES = ("all", "open", "closed", "overdue")


def day_param(visit: Visit, name: str, *, end: bool = False) -> datetime | None:
    """A `YYYY-MM-DD` query parameter as the start of that local day (or of the next, `end`)."""
    raw = visit.request.query_params.get(name, "")
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("office.bad_date") from None
    local = datetime.combine(day, time(0), ZoneInfo(visit.app.settings.tz))
    if end:  # "until" a day includes that day
        local += timedelta(days=1)
    return local


def item_filter(visit: Visit) -> items.ItemFilter:
    """The list filters of a request's query string."""
    q = visit.request.query_params
    status = q.get("status", "all")
    return items.ItemFilter(
        status=status if status in STATUSES else "all",
        category=q.get("category", "")[:32],
        q=q.get("q", "").strip()[:50],
    )


def map_filter(visit: Visit) -> mapdata.MapFilter:
    """The map filters of a request's query string."""
    q = visit.request.query_params
    kind = q.get("kind", "all")
    status = q.get("status", "all")
    return mapdata.MapFilter(
        kind=kind if kind in ("all", "reports", "needs") else "all",
        category=q.get("category", "")[:32],
        status=status if status in ("all", "open", "closed") else "all",
        since=day_param(visit, "since"),
        until=day_param(visit, "until", end=True),
    )


def opener(app: App) -> figures.Opener | None:
    """Fresh read sessions for scans run at once: PostgreSQL only (SQLite has one connection)."""
    return app.db.transaction if app.db.dialect == "postgresql" else None


async def dashboard_data(visit: Visit, region: Region, recent: Recent) -> dict[str, Any]:
    """The dashboard's figures for a region (reused for `recent.seconds`; `as_of` says when)."""
    app = visit.app
    return await recent.get(
        ("dashboard", region.id),
        lambda: figures.dashboard(
            visit.session,
            region,
            app.deps.clock(),
            dialect=app.db.dialect,
            tz=app.settings.tz,
            rules=rules_of(app.deps.config),
            opener=opener(app),
        ),
    )


async def _region_in_reach(visit: Visit, item: object | None, region_id: int | None) -> Region:
    """The region of an item the visitor sees; NotAllowed for a missing item or one out of reach."""
    region = await visit.session.get(Region, region_id) if item is not None else None
    if region is None or not visit.staff.sees(region):
        raise NotAllowed()
    return region


async def report_in_reach(visit: Visit, report_id: int) -> tuple[GridReport, Region]:
    """A report whose grid the visitor sees, with that grid."""
    report = await visit.session.get(GridReport, report_id)
    grid = await _region_in_reach(visit, report, report.grid_id if report else None)
    assert report is not None  # (_region_in_reach refused a missing one)
    return report, grid


async def need_in_reach(visit: Visit, need_id: int) -> tuple[Need, Region]:
    """A need whose region the visitor sees, with that region."""
    need = await visit.session.get(Need, need_id)
    region = await _region_in_reach(visit, need, need.region_id if need else None)
    assert need is not None
    return need, region


async def proposal_in_reach(visit: Visit, proposal_id: int) -> tuple[Proposal, Region]:
    """A proposal whose region the visitor sees, with that region."""
    proposal = await visit.session.get(Proposal, proposal_id)
    region = await _region_in_reach(visit, proposal, proposal.region_id if proposal else None)
    assert proposal is not None
    return proposal, region


def stamped(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timeline events with their times as ISO text, for JSON."""
    return [e | {"at": e["at"].isoformat()} for e in events]


def _json(app: App, data: Any) -> Response:
    return JSONResponse(data, headers=headers(app))


def routes(app: App, templates: Templates, recent: Recent) -> list[Route]:
    """The JSON endpoints."""

    def region_id(visit: Visit) -> int:
        return int(visit.request.path_params["region"])

    @signed_in(app, templates, api=True)
    async def dashboard(visit: Visit) -> Response:
        region = await visit.region(region_id(visit))
        return _json(app, await dashboard_data(visit, region, recent))

    @signed_in(app, templates, api=True)
    async def map_json(visit: Visit) -> Response:
        region = await visit.region(region_id(visit))
        f = map_filter(visit)
        data = await recent.get(
            ("map", region.id, f),
            lambda: mapdata.map_data(visit.session, region, f, opener(app)),
        )
        return _json(app, data | {"tile_url": app.settings.office_tile_url})

    @signed_in(app, templates, api=True)
    async def report_list(visit: Visit) -> Response:
        region = await visit.region(region_id(visit))
        rows = await items.report_list(visit.session, region, item_filter(visit), app.deps.clock())
        return _json(app, rows)

    @signed_in(app, templates, api=True)
    async def need_list(visit: Visit) -> Response:
        region = await visit.region(region_id(visit))
        return _json(app, await items.need_list(visit.session, region, item_filter(visit)))

    @signed_in(app, templates, api=True)
    async def proposal_list(visit: Visit) -> Response:
        region = await visit.region(region_id(visit))
        return _json(app, await items.proposal_list(visit.session, region, item_filter(visit)))

    @signed_in(app, templates, api=True)
    async def report(visit: Visit) -> Response:
        found, grid = await report_in_reach(visit, int(visit.request.path_params["report"]))
        timeline = await items.report_timeline(visit.session, found)
        return _json(
            app,
            {
                "id": found.id,
                "category": found.category,
                "status": found.status,
                "text": found.text,
                "grid": figures.describe(grid),
                "assignee_id": found.assignee_id,
                "lat": found.lat,
                "lon": found.lon,
                "timeline": stamped(timeline),
            },
        )

    @signed_in(app, templates, api=True)
    async def need(visit: Visit) -> Response:
        found, region = await need_in_reach(visit, int(visit.request.path_params["need"]))
        timeline = await timelines.need_timeline(visit.session, found)
        return _json(
            app,
            {
                "id": found.id,
                "status": found.status,
                "service_item_id": found.service_item_id,
                "region": figures.describe(region),
                "place": found.place,
                "notes": found.notes,
                "rating": found.rating,
                "timeline": stamped(timeline),
            },
        )

    @signed_in(app, templates, api=True)
    async def proposal(visit: Visit) -> Response:
        found, region = await proposal_in_reach(visit, int(visit.request.path_params["proposal"]))
        timeline, cosigners = await timelines.proposal_timeline(visit.session, found)
        return _json(
            app,
            {
                "id": found.id,
                "title": found.title,
                "body": found.body,
                "status": found.status,
                "region": figures.describe(region),
                "cosigns": found.cosign_count,
                "cosigners": stamped(cosigners),
                "owner": found.owner,
                "target_date": found.target_date.isoformat() if found.target_date else None,
                "decision_reason": found.decision_reason,
                "timeline": stamped(timeline),
            },
        )

    return [
        Route("/api/regions/{region:int}/dashboard", dashboard),
        Route("/api/regions/{region:int}/map", map_json),
        Route("/api/regions/{region:int}/reports", report_list),
        Route("/api/regions/{region:int}/needs", need_list),
        Route("/api/regions/{region:int}/proposals", proposal_list),
        Route("/api/reports/{report:int}", report),
        Route("/api/needs/{need:int}", need),
        Route("/api/proposals/{proposal:int}", proposal),
    ]
