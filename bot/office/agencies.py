"""吹哨报到, 驻区单位 and 社会组织 in the office.

GET /region/{id}/handoffs (a region's hand-offs and the three rates per department) ·
/region/{id}/units (units, resources, bookings) · /region/{id}/orgs (organizations by category,
1710 tier, incubation, 备案) · /api/regions/{id}/handoffs; POST /reports/{id}/handoff hands a
report to a department from the report's page, through the chat's use case
(handlers.departments.whistle.hand_off: staff over the grid, report active, one live hand-off).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.office.api import report_in_reach
from bot.office.pages import page
from bot.office.web import Templates, Visit, headers, redirect, signed_in
from handlers.core.errors import InvalidInput
from handlers.departments.common import KINDS as DEPARTMENT_KINDS
from handlers.departments.common import STATUS_LABELS as HANDOFF_STATES
from handlers.departments.whistle import hand_off
from handlers.groups.common import FILING_LABELS, INCUBATION_LABELS
from handlers.office import governance
from handlers.office.context import office_ctx
from handlers.organizations import CATEGORY_LABELS, TIER_LABELS
from handlers.units.common import DIRECTIONS
from handlers.units.common import KINDS as RESOURCE_KINDS
from handlers.units.common import STATUS_LABELS as UNIT_STATES

STATUSES = ("all", "open", "overdue", "closed")


def _percent(value: float | None) -> str:
    return f"{round(value * 100)}%" if value is not None else "—"


def routes(app: App, templates: Templates) -> list[Route]:
    """The pages, the JSON list and the hand-off form post."""

    def status_of(visit: Visit) -> str:
        status = visit.request.query_params.get("status", "all")
        return status if status in STATUSES else "all"

    @signed_in(app, templates)
    async def handoff_page(visit: Visit) -> Response:
        region = await visit.region(int(visit.request.path_params["region"]))
        status = status_of(visit)
        return await page(
            visit,
            templates,
            "handoffs.html",
            region,
            tab="handoffs",
            rows=await governance.handoff_list(visit.session, region, app.deps.clock(), status),
            rates=await governance.department_rates(visit.session, region),
            state=status,  # (not `status`: that is the page's HTTP status)
            statuses=STATUSES,
            percent=_percent,
            department_kinds=DEPARTMENT_KINDS,
            handoff_states=HANDOFF_STATES,
        )

    @signed_in(app, templates, api=True)
    async def handoff_json(visit: Visit) -> Response:
        region = await visit.region(int(visit.request.path_params["region"]))
        rows = await governance.handoff_list(
            visit.session, region, app.deps.clock(), status_of(visit)
        )
        stamped = [
            {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
            for row in rows
        ]
        rates = await governance.department_rates(visit.session, region)
        return JSONResponse({"handoffs": stamped, "rates": rates}, headers=headers(app))

    @signed_in(app, templates, form=True)
    async def hand_report(visit: Visit) -> Response:
        report, _ = await report_in_reach(visit, int(visit.request.path_params["report"]))
        form = await visit.form()
        department, days = form.get("department", ""), form.get("days", "")
        if not department.isdigit() or not days.isdigit():
            raise InvalidInput("office.field_missing")
        ctx = office_ctx(app.deps, visit.session, visit.person, app.deps.clock())
        await hand_off(ctx, report.id, int(department), int(days), form.get("note", ""))
        return redirect(f"/office/reports/{report.id}?done=handoff")

    @signed_in(app, templates)
    async def unit_page(visit: Visit) -> Response:
        region = await visit.region(int(visit.request.path_params["region"]))
        return await page(
            visit,
            templates,
            "units.html",
            region,
            tab="units",
            units=await governance.unit_list(visit.session, region),
            resource_kinds=RESOURCE_KINDS,
            directions=DIRECTIONS,
            unit_states=UNIT_STATES,
        )

    @signed_in(app, templates)
    async def org_page(visit: Visit) -> Response:
        region = await visit.region(int(visit.request.path_params["region"]))
        return await page(
            visit,
            templates,
            "orgs.html",
            region,
            tab="orgs",
            groups=await governance.organization_list(visit.session, region),
            org_categories=CATEGORY_LABELS,
            tiers=TIER_LABELS,
            filings=FILING_LABELS,
            incubations=INCUBATION_LABELS,
        )

    return [
        Route("/region/{region:int}/handoffs", handoff_page),
        Route("/region/{region:int}/units", unit_page),
        Route("/region/{region:int}/orgs", org_page),
        Route("/api/regions/{region:int}/handoffs", handoff_json),
        Route("/reports/{report:int}/handoff", hand_report, methods=["POST"]),
    ]
