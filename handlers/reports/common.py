"""What the grid-report modules share: categories, deadlines, states, who handles and follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import ORGANIZERS, STAFF_ROLES
from handlers.core.context import CoreConfig, Ctx
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.notify import Key, Sink, notify_each
from handlers.core.numbers import require_id
from storage.models import GridReport, Region
from storage.repos import regions, roles
from storage.repos import reports as reports_repo

# The city-management problems the district targets (疏解整治促提升), plus "other".
CATEGORIES = {
    "illegal_construction": N_("reports.cat_illegal_construction"),  # 私搭乱建
    "wall_opening": N_("reports.cat_wall_opening"),  # 开墙打洞
    "unlicensed_business": N_("reports.cat_unlicensed_business"),  # 无照经营
    "back_alley": N_("reports.cat_back_alley"),  # 背街小巷环境
    "ground_lock": N_("reports.cat_ground_lock"),  # 私装地锁
    "illegal_ads": N_("reports.cat_illegal_ads"),  # 非法小广告
    "other": N_("reports.cat_other"),  # 其它
}
# Hours to respond and to resolve, per category; CoreConfig.report_deadlines (from
# LINLI_REPORT_DEADLINES, e.g. {"ground_lock": [12, 72]}) overrides any of them.
DEADLINES: dict[str, tuple[int, int]] = {
    "illegal_construction": (24, 15 * 24),
    "wall_opening": (24, 15 * 24),
    "unlicensed_business": (24, 7 * 24),
    "back_alley": (24, 3 * 24),
    "ground_lock": (24, 7 * 24),
    "illegal_ads": (24, 2 * 24),
    "other": (24, 7 * 24),
}
STATUS_LABELS = {
    "open": N_("reports.status_open"),
    "acknowledged": N_("reports.status_acknowledged"),
    "resolved": N_("reports.status_resolved"),
    "closed": N_("reports.status_closed"),
    "reopened": N_("reports.status_reopened"),
}
UNANSWERED = ("open", "reopened")  # waiting for the grid worker's first response
ACTIVE = ("open", "acknowledged", "reopened")  # still being handled
STREET_ROLES = ORGANIZERS
UNHAPPY = 2  # a rating at or below this reopens the report (once)


def deadlines(config: CoreConfig, category: str) -> tuple[timedelta, timedelta]:
    """(respond within, resolve within) for a category, with the deployment's overrides."""
    default = DEADLINES.get(category, DEADLINES["other"])
    respond, resolve = config.report_deadlines.get(category, default)
    return timedelta(hours=respond), timedelta(hours=resolve)


def set_deadlines(report: GridReport, config: CoreConfig, now: datetime) -> None:
    """Start the response and resolution clocks now."""
    respond, resolve = deadlines(config, report.category)
    report.respond_due, report.resolve_due = now + respond, now + resolve


PRIORITY_LABELS = (  # by how many neighbours said "me too": none, a few, many
    (3, N_("reports.priority_high")),
    (1, N_("reports.priority_raised")),
    (0, N_("reports.priority_normal")),
)
LEVEL_LABELS = {
    0: N_("reports.level_none"),
    1: N_("reports.level_late_response"),
    2: N_("reports.level_late_resolution"),
}


def priority_label(priority: int) -> str:
    """The catalog key naming a report's priority in words."""
    return next(key for floor, key in PRIORITY_LABELS if priority >= floor)


def level_label(level: int) -> str:
    """The catalog key naming how far a report has been escalated."""
    return LEVEL_LABELS.get(level, LEVEL_LABELS[2])


async def describe_place(
    session: AsyncSession, report: GridReport, t: Callable[..., str] | None = None
) -> str:
    """Where the problem is, in words: building and grid, and the words the reporter typed.

    Without a translator (a notice rendered in someone else's language) the words are quoted.
    """
    grid = await regions.by_id(session, report.grid_id)
    place = await regions.by_id(session, report.region_id)
    shown = grid.name if grid else "—"
    if place is not None and grid is not None and place.id != grid.id:
        shown = f"{place.name}（{grid.name}）"
    if report.place_text:
        typed = report.place_text
        shown += t("reports.place_typed", typed=typed) if t else f" “{typed}”"
    return shown


def parse_id(raw: str) -> int:
    """A report number from "7" or "#7"; UserError otherwise."""
    return require_id(raw, "reports.bad_id")


async def load(ctx: Ctx, raw: str) -> GridReport:
    """The report a command or button names; UserError if there is none."""
    report = await reports_repo.get(ctx.session, parse_id(raw))
    if report is None:
        raise UserError("reports.not_found", id=raw.strip().lstrip("#＃"))
    return report


async def grid_of(session: AsyncSession, report: GridReport) -> Region:
    """The grid a report belongs to."""
    grid = await regions.by_id(session, report.grid_id)
    assert grid is not None  # a foreign key
    return grid


async def is_staff_for(ctx: Ctx, report: GridReport) -> bool:
    """Whether the person is a grid worker, organizer or admin over the report's grid."""
    grid = await grid_of(ctx.session, report)
    return await roles.holds(ctx.session, ctx.person.id, STAFF_ROLES, grid)


async def responders(session: AsyncSession, grid: Region) -> list[int]:
    """Who handles a grid's reports: its grid workers, else the community's organizers."""
    workers = await roles.holders(session, ("grid_worker",), grid)
    if workers:
        return workers
    community = await regions.ancestor_at(session, grid, "community")
    return await roles.holders(session, ("organizer",), community or grid)


async def street_staff(session: AsyncSession, grid: Region) -> list[int]:
    """The street's organizers and admins (who review escalations and matters beyond authority)."""
    street = await regions.ancestor_at(session, grid, "street")
    return await roles.holders(session, STREET_ROLES, street or grid)


async def followers(session: AsyncSession, report: GridReport) -> list[int]:
    """The reporter and every neighbour who said "me too"."""
    people = [report.reporter_id] if report.reporter_id else []
    for person_id in await reports_repo.metoo_people(session, report.id):
        if person_id not in people:
            people.append(person_id)
    return people


# While the report is being handled, its notices to the two sides offer the relay ("发消息"); once
# resolved, the notice's last buttons are the rating (the thread stays open through /msg).
IN_HAND = ("open", "acknowledged", "reopened")


async def tell(
    sink: Sink,
    people: Sequence[int | None],
    key: str,
    report: GridReport,
    *,
    skip: int | None = None,
    choices: Sequence[tuple[str, str]] = (),
    photo: str | None = None,
    **params: Any,
) -> None:
    """Send one notice about a report to several people (not to `skip`, the one acting); the
    reporter and the assigned grid worker also get "发消息" to write to each other (the relay)."""
    buttons = list(choices or [("reports.view", f"/report_status {report.id}")])
    parties: set[int | None] = set()
    if report.assignee_id is not None and report.status in IN_HAND:
        parties = {report.reporter_id, report.assignee_id}
    common = {
        "skip": skip,
        "photo": photo,
        "id": report.id,
        "category": Key(CATEGORIES.get(report.category, CATEGORIES["other"])),
        **params,
    }
    write = ("relay.write", f"relay:report:{report.id}")
    await notify_each(
        sink, [p for p in people if p in parties], key, choices=[*buttons, write], **common
    )
    await notify_each(sink, [p for p in people if p not in parties], key, choices=buttons, **common)
