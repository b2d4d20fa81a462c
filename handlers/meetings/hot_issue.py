"""The month's hot issue (每月一题): the report and need categories that grew most in a community.

"This month" is the 30 days before the agenda is built, compared with the 30 days before that,
so a meeting early in a calendar month is not compared with a few days. Categories are grid
report categories and service items of needs; the ones with the largest growth (at least one
more than before) are the hot issue, with counts and the latest examples.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Ctx
from handlers.reports.common import CATEGORIES as REPORT_CATEGORIES
from storage.models import Region
from storage.repos import meetings as repo

WINDOW_DAYS = 30
TOP = 3
EXAMPLES = 2
EXAMPLE_CHARS = 40


def _growth(now: dict[str, int], before: dict[str, int]) -> list[tuple[str, int, int]]:
    """(code, now, before) with growth, largest growth first, then largest count, then code."""
    rows = [(code, n, before.get(code, 0)) for code, n in now.items() if n > before.get(code, 0)]
    return sorted(rows, key=lambda r: (-(r[1] - r[2]), -r[1], r[0]))


async def compute(session: AsyncSession, community: Region, now: datetime) -> dict[str, Any]:
    """The hot issue of a community at `now`, as plain data kept with the meeting."""
    start, prev = now - timedelta(days=WINDOW_DAYS), now - timedelta(days=2 * WINDOW_DAYS)
    path = community.path
    rows: list[tuple[str, str, int, int]] = []
    reports_now = await repo.report_counts(session, path, start, now)
    reports_before = await repo.report_counts(session, path, prev, start)
    rows += [("report", c, n, b) for c, n, b in _growth(reports_now, reports_before)]
    needs_now = await repo.need_counts(session, path, start, now)
    needs_before = await repo.need_counts(session, path, prev, start)
    rows += [("need", c, n, b) for c, n, b in _growth(needs_now, needs_before)]
    # Ties go to grid reports: a problem in the community before a service asked of it.
    rows.sort(key=lambda r: (-(r[2] - r[3]), -r[2], r[0] != "report", r[1]))
    names = await repo.item_names(session, [code for kind, code, _, _ in rows if kind == "need"])
    top: list[dict[str, Any]] = []
    for kind, code, n, before in rows[:TOP]:
        if kind == "report":
            examples = await repo.report_examples(session, path, code, start, now, EXAMPLES)
        else:
            examples = await repo.need_examples(session, path, code, start, now, EXAMPLES)
        zh, en = names.get(code, (code, code))
        top.append(
            {
                "kind": kind,
                "code": code,
                "count": n,
                "previous": before,
                "name_zh": zh,
                "name_en": en,
                "examples": [e[:EXAMPLE_CHARS] for e in examples],
            }
        )
    return {"days": WINDOW_DAYS, "top": top}


def label(ctx: Ctx, entry: dict[str, Any]) -> str:
    """A hot-issue category in the user's language."""
    if entry["kind"] == "report":
        key = REPORT_CATEGORIES.get(entry["code"], REPORT_CATEGORIES["other"])
        return ctx.t("meetings.hot.report_kind", name=ctx.t(key))
    name = entry["name_zh"] if ctx.lang.startswith("zh") else entry["name_en"]
    return ctx.t("meetings.hot.need_kind", name=name)


def title(ctx: Ctx, snapshot: dict[str, Any]) -> str:
    """The hot issue's one-line title: its first category, or "nothing grew"."""
    top = snapshot.get("top") or []
    if not top:
        return ctx.t("meetings.hot.title_none")
    return ctx.t("meetings.hot.title", name=label(ctx, top[0]))


def describe(ctx: Ctx, snapshot: dict[str, Any]) -> str:
    """The hot issue with counts and examples, several lines."""
    top = snapshot.get("top") or []
    if not top:
        return ctx.t("meetings.hot.none", days=snapshot.get("days", WINDOW_DAYS))
    lines = [ctx.t("meetings.hot.head", days=snapshot.get("days", WINDOW_DAYS))]
    for entry in top:
        lines.append(
            ctx.t(
                "meetings.hot.line",
                name=label(ctx, entry),
                count=entry["count"],
                previous=entry["previous"],
            )
        )
        lines += [ctx.t("meetings.hot.example", text=e) for e in entry["examples"]]
    return "\n".join(lines)
