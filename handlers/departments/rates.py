"""The three rates per department (响应率、解决率、满意率): a chat command and an export."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import require_role
from handlers.core.context import Ctx
from handlers.core.messages import Reply
from handlers.departments.common import STREET_ROLES
from storage.models import Region
from storage.repos import agencies, roles


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


async def show_rates(ctx: Ctx) -> list[Reply]:
    """/dept_stats: hand-offs and the three rates per department, over the person's scope."""
    await require_role(ctx, STREET_ROLES)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    scopes = [g.region for g in grants if g.role in STREET_ROLES]
    scope = min(scopes, key=lambda r: len(r.path))  # the widest region held
    lines = []
    for dept, handed, on_time, answered, rated, happy in await agencies.rate_counts(
        ctx.session, scope
    ):
        lines.append(
            ctx.t(
                "departments.rate_line",
                name=dept.name,
                handed=handed,
                response=_percent(on_time, handed),
                resolution=_percent(answered, handed),
                satisfaction=_percent(happy, rated),
            )
        )
    if not lines:
        return [ctx.reply("departments.rates_none")]
    return [ctx.reply("departments.rates", region=scope.name, lines="\n".join(lines))]


def _ratio(part: int, whole: int) -> Any:
    return round(part / whole, 3) if whole else ""


async def export_rates(session: AsyncSession, region: Region | None) -> list[dict[str, Any]]:
    """One row per department: hand-offs and the three rates (Chinese headers)."""
    return [
        {
            "部门编码": dept.code,
            "部门": dept.name,
            "类型": dept.kind,
            "吹哨数": handed,
            "按时响应": on_time,
            "已报到": answered,
            "评价数": rated,
            "满意数": happy,
            "响应率": _ratio(on_time, handed),
            "解决率": _ratio(answered, handed),
            "满意率": _ratio(happy, rated),
        }
        for dept, handed, on_time, answered, rated, happy in await agencies.rate_counts(
            session, region
        )
    ]


async def export_handoffs(session: AsyncSession, region: Region | None) -> list[dict[str, Any]]:
    """One row per hand-off (the reporter left out), oldest first, with Chinese headers."""
    rows = []
    for handoff, dept, report, grid in await agencies.export(session, region):
        rows.append(
            {
                "编号": handoff.id,
                "报事编号": report.id,
                "部门": dept.name,
                "网格": grid.name,
                "状态": handoff.status,
                "说明": handoff.note,
                "期限": handoff.due_at,
                "首次响应": handoff.responded_at or "",
                "报到时间": handoff.answered_at or "",
                "答复": handoff.answer or "",
                "已督办": handoff.escalation_level,
                "创建时间": handoff.created_at,
            }
        )
    return rows
