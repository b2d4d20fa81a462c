"""What the report view (handlers/reports/views.py) shows of hand-offs, and who may see it."""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.messages import Choice
from handlers.departments.common import ACTIVE, STATUS_LABELS, department
from handlers.reports.common import ACTIVE as REPORT_ACTIVE
from storage.models import GridReport
from storage.repos import agencies


async def handed_to_me(ctx: Ctx, report: GridReport) -> bool:
    """Whether the report was handed to a department the person works for."""
    mine = set(await agencies.department_ids_of(ctx.session, ctx.person.id))
    if not mine:
        return False
    return any(
        h.department_id in mine for h in await agencies.handoffs_of_report(ctx.session, report.id)
    )


async def report_extras(
    ctx: Ctx, report: GridReport, staff: bool
) -> tuple[list[str], list[Choice]]:
    """Lines about the report's hand-offs, and the "吹哨" button for grid staff."""
    lines, choices = [], []
    active = False
    for handoff in await agencies.handoffs_of_report(ctx.session, report.id):
        dept = await department(ctx.session, handoff)
        active = active or handoff.status in ACTIVE
        lines.append(
            ctx.t(
                "departments.report_line",
                id=handoff.id,
                department=dept.name,
                status=ctx.t(STATUS_LABELS[handoff.status]),
                due=ctx.when(handoff.due_at),
            )
        )
        if staff or await agencies.is_member(
            ctx.session, ctx.person.id, department_id=handoff.department_id
        ):
            choices.append(
                Choice(ctx.t("departments.view_one", id=handoff.id), f"/handoff {handoff.id}")
            )
    if staff and not active and report.status in REPORT_ACTIVE:
        choices.append(Choice(ctx.t("departments.whistle_button"), f"/whistle {report.id}"))
    return lines, choices
