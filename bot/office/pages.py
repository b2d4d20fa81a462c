"""The office's HTML pages: dashboard, map, item lists, a report's page, actions, ledgers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.api import dashboard_data, day_param, item_filter, report_in_reach
from bot.office.cache import Recent
from bot.office.web import Templates, Visit, redirect, signed_in
from handlers.broadcasts.compose import preview
from handlers.core.errors import InvalidInput, NotAllowed
from handlers.office import governance, items, ledgers
from handlers.office.context import office_ctx
from handlers.proposals.common import EVENT_LABELS as PROPOSAL_EVENT_LABELS
from handlers.reports import CATEGORIES, workers_for
from handlers.reports.common import STATUS_LABELS
from storage.models import Need, Proposal, Region, ServiceItem
from storage.repos import audit, regions

TABS = ("dashboard", "map", "reports", "needs", "proposals", "hours", "broadcast", "ledgers")
TABS += ("meetings", "handoffs", "units", "orgs")  # governance: bot/office/meetings.py, agencies.py


async def page(
    visit: Visit, templates: Templates, name: str, region: Region | None, **ctx: Any
) -> Response:
    crumbs = await _crumbs(visit, region) if region else []
    children = []
    if region is not None and region.level not in ("grid", "building"):
        children = [
            c for c in await regions.children(visit.session, region.id) if visit.staff.sees(c)
        ]
    return templates.render(
        visit.lang,
        name,
        person=visit.person,
        csrf=visit.login.csrf,
        region=region,
        crumbs=crumbs,
        children=children,
        roots=visit.staff.roots,
        tabs=TABS,
        categories=CATEGORIES,
        status_labels=STATUS_LABELS,
        **ctx,
    )


async def _crumbs(visit: Visit, region: Region) -> list[Region]:
    found = []
    for region_id in region.path_ids():
        r = await visit.session.get(Region, region_id)
        if r is not None and visit.staff.sees(r):
            found.append(r)
    return found


def routes(app: App, templates: Templates, recent: Recent) -> list[Route]:
    """The pages, and the form posts of the actions."""

    def rid(visit: Visit) -> int:
        return int(visit.request.path_params["region"])

    @signed_in(app, templates)
    async def home(visit: Visit) -> Response:
        return redirect(f"/office/region/{visit.staff.roots[0].id}")

    @signed_in(app, templates)
    async def dashboard(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        data = await dashboard_data(visit, region, recent)
        return await page(
            visit,
            templates,
            "dashboard.html",
            region,
            tab="dashboard",
            data=data,
            as_of=datetime.fromisoformat(data["as_of"]),
        )

    @signed_in(app, templates)
    async def map_page(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        found = await visit.session.execute(
            select(ServiceItem.department).distinct().order_by(ServiceItem.department)
        )
        return await page(
            visit, templates, "map.html", region, tab="map", departments=list(found.scalars())
        )

    @signed_in(app, templates)
    async def report_list(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        f = item_filter(visit)
        rows = await items.report_list(visit.session, region, f, app.deps.clock())
        return await page(visit, templates, "reports.html", region, tab="reports", rows=rows, f=f)

    @signed_in(app, templates)
    async def need_list(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        f = item_filter(visit)
        rows = await items.need_list(visit.session, region, f)
        return await page(visit, templates, "needs.html", region, tab="needs", rows=rows, f=f)

    @signed_in(app, templates)
    async def proposal_list(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        f = item_filter(visit)
        rows = await items.proposal_list(visit.session, region, f)
        return await page(
            visit, templates, "proposals.html", region, tab="proposals", rows=rows, f=f
        )

    @signed_in(app, templates)
    async def report_page(visit: Visit) -> Response:
        report, grid = await report_in_reach(visit, int(visit.request.path_params["report"]))
        timeline = await items.report_timeline(visit.session, report)
        ctx = office_ctx(app.deps, visit.session, visit.person, app.deps.clock())
        workers = await workers_for(ctx, report)
        done = visit.request.query_params.get("done", "")
        return await page(
            visit,
            templates,
            "report.html",
            grid,
            tab="reports",
            report=report,
            timeline=timeline,
            workers=workers,
            done=done if done in ACTIONS_DONE else "",
            event_kinds=EVENT_KINDS,
            **await governance.handoff_form(visit.session, report, grid),
        )

    @signed_in(app, templates, form=True)
    async def act(visit: Visit) -> Response:
        kind = visit.request.path_params["kind"]
        action = visit.request.path_params["action"]
        item_id = int(visit.request.path_params["item"])
        run = items.ACTIONS.get((kind, action))
        if run is None:
            raise NotAllowed()
        await _item_region(visit, kind, item_id)
        form = await visit.form(1000)
        ctx = office_ctx(app.deps, visit.session, visit.person, app.deps.clock())
        replies = await run(ctx, item_id, form)
        recent.clear()  # the figures show this change at once
        said = " ".join(r.text for r in replies)[:300]
        if kind == "report":
            return redirect(f"/office/reports/{item_id}?done={action}")
        back = visit.request.headers.get("referer", "")
        target = back if back.startswith(str(visit.request.base_url)) else "/office/"
        return redirect(f"{target.split('#')[0]}#said={quote(said)}")

    @signed_in(app, templates)
    async def hours_page(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        rows = await items.pending_hours(visit.session, visit.staff, region)
        return await page(visit, templates, "hours.html", region, tab="hours", rows=rows)

    @signed_in(app, templates)
    async def broadcast_page(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        return await page(visit, templates, "broadcast.html", region, tab="broadcast", form={})

    @signed_in(app, templates, form=True)
    async def broadcast_preview(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        form = await visit.form(2000)
        ctx = office_ctx(app.deps, visit.session, visit.person, app.deps.clock())
        shown = await preview(ctx, items.broadcast_answers(region.id, form))
        return await page(
            visit,
            templates,
            "broadcast.html",
            region,
            tab="broadcast",
            form=form,
            preview=shown.text,
            sendable=bool(shown.choices),
        )

    @signed_in(app, templates)
    async def ledger_page(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        return await page(
            visit, templates, "ledgers.html", region, tab="ledgers", ledgers=ledgers.LEDGERS
        )

    @signed_in(app, templates)
    async def ledger_file(visit: Visit) -> Response:
        region = await visit.region(rid(visit))
        kind = visit.request.query_params.get("kind", "")
        if kind not in ledgers.LEDGERS:
            raise InvalidInput("office.field_missing")
        since, until = day_param(visit, "since"), day_param(visit, "until", end=True)
        rows = await ledgers.ledger_rows(visit.session, kind, region, since, until)
        audit.record(
            visit.session,
            actor_id=visit.person.id,
            action="office.ledger",
            target=f"region:{region.id}",
            now=app.deps.clock(),
            kind=kind,
            rows=len(rows),
            since=since.isoformat() if since else "",
            until=until.isoformat() if until else "",
        )
        name = f"{visit.t('office.ledger.' + kind)}-{region.name}-{datetime.now().date()}.xlsx"
        return Response(
            ledgers.xlsx(rows, app.deps.i18n, visit.lang, kind),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "Cache-Control": "no-store",
            },
        )

    return [
        Route("/", home),
        Route("/region/{region:int}", dashboard),
        Route("/region/{region:int}/map", map_page),
        Route("/region/{region:int}/reports", report_list),
        Route("/region/{region:int}/needs", need_list),
        Route("/region/{region:int}/proposals", proposal_list),
        Route("/region/{region:int}/hours", hours_page),
        Route("/region/{region:int}/broadcast", broadcast_page),
        Route("/region/{region:int}/broadcast", broadcast_preview, methods=["POST"]),
        Route("/region/{region:int}/ledgers", ledger_page),
        Route("/region/{region:int}/ledger.xlsx", ledger_file),
        Route("/reports/{report:int}", report_page),
        Route("/items/{kind}/{item:int}/{action}", act, methods=["POST"]),
    ]


ACTIONS_DONE = frozenset(action for _, action in items.ACTIONS) | {"handoff"}
# Timeline kinds → catalog keys: ours (office.event.*) and the proposals' own event labels.
EVENT_KINDS: dict[str, str] = {
    kind: f"office.event.{kind}"
    for kind in (
        "created",
        "photo",
        "metoo",
        "rating",
        "offer",
        "assignment",
        "confirmed",
        "service",
        "report.acknowledge",
        "report.note",
        "report.close",
        "report.beyond",
        "report.reassign",
        "report.escalate",
        "report.reopen",
        "report.dispute",
        "report.rate",
        "need.create",
        "need.status",
        "need.visit",
        "need.rate",
    )
} | {f"proposal.{kind}": key for kind, key in PROPOSAL_EVENT_LABELS.items()}


async def _item_region(visit: Visit, kind: str, item_id: int) -> Region:
    """The region of an item the visitor acts on; NotAllowed outside their reach."""
    region: Region | None = None
    if kind == "report":
        return (await report_in_reach(visit, item_id))[1]
    if kind == "need":
        need = await visit.session.get(Need, item_id)
        region = await visit.session.get(Region, need.region_id) if need else None
    elif kind == "proposal":
        proposal = await visit.session.get(Proposal, item_id)
        region = await visit.session.get(Region, proposal.region_id) if proposal else None
    elif kind == "region":
        return await visit.region(item_id)
    elif kind == "hours":
        return visit.staff.roots[0]  # the use case checks the record's region itself
    if region is None or not visit.staff.sees(region):
        raise NotAllowed()
    return region
