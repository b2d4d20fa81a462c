"""The items a thread hangs off, generic: who its two sides are, and how notices name it.

A need's sides are the resident (or whoever entered the need for someone without a channel) and
the volunteers whose acceptance still stands; a report's are the reporter and the grid worker it
is assigned to. Nobody else — other residents, volunteers who were only offered the need, declined
it or were replaced, staff not assigned — reads or writes a thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.notify import Key, Pair
from handlers.core.numbers import parse_id
from storage.models import Assignment, GridReport, Need, ServiceItem
from storage.repos import needs as needs_repo

# Assignments whose volunteer still takes part (cancelled ones were replaced or withdrew).
STANDING = ("active", "done_marked", "confirmed", "disputed")
# Items whose thread is still open for writing; a closed one can still be read by its sides.
OPEN_NEEDS = ("assigned", "done")
OPEN_REPORTS = ("open", "acknowledged", "resolved", "reopened")
KIND_LABELS = {"need": N_("relay.kind_need"), "report": N_("relay.kind_report")}
# A report's category names its thread (the reports' own catalog keys, "reports.cat_<code>").
REPORT_CATEGORIES = frozenset(
    {"illegal_construction", "wall_opening", "unlicensed_business", "back_alley", "ground_lock"}
    | {"illegal_ads", "other"}
)
# How the item's number is typed in /msg: "12" (a need) or "r7" (a report).
PREFIXES = {"r": "report", "n": "need"}


@dataclass(frozen=True)
class Item:
    """One item with a thread: its kind and number, its two sides, what notices call it."""

    kind: str
    id: int
    asking: tuple[int, ...]  # the resident / the reporter
    serving: tuple[int, ...]  # the accepted volunteers / the assigned grid worker
    title: Pair | Key
    open: bool

    @property
    def code(self) -> str:
        """The number as typed in /msg ("12", "r7")."""
        return str(self.id) if self.kind == "need" else f"r{self.id}"

    @property
    def payload(self) -> str:
        """The button payload that opens this item's thread."""
        return f"relay:{self.kind}:{self.id}"

    def parties(self) -> set[int]:
        """Everyone who may read and write the thread."""
        return set(self.asking) | set(self.serving)

    def others(self, person_id: int) -> tuple[int, ...]:
        """Whom a party's message goes to: the other side."""
        return self.serving if person_id in self.asking else self.asking

    def side(self, person_id: int) -> str:
        """ "asking" or "serving"."""
        return "asking" if person_id in self.asking else "serving"


async def resident_of(session: AsyncSession, need: Need) -> int | None:
    """The need's asking side: the resident, or who entered it for someone without a channel
    (the same person who confirms and rates it)."""
    if need.person_id is not None and await needs_repo.has_channel(session, need.person_id):
        return need.person_id
    return need.entered_by_id


async def _need(session: AsyncSession, item_id: int) -> Item | None:
    need = await session.get(Need, item_id)
    if need is None:
        return None
    rows = await session.execute(
        select(Assignment.person_id).where(
            Assignment.need_id == need.id, Assignment.status.in_(STANDING)
        )
    )
    serving = tuple(pid for pid in rows.scalars() if pid is not None)
    resident = await resident_of(session, need)
    item = await session.get(ServiceItem, need.service_item_id)
    name = Pair(item.name_zh, item.name_en) if item else Pair("", "")
    return Item(
        "need",
        need.id,
        (resident,) if resident is not None else (),
        serving,
        name,
        need.status in OPEN_NEEDS and bool(serving),
    )


async def _report(session: AsyncSession, item_id: int) -> Item | None:
    report = await session.get(GridReport, item_id)
    if report is None:
        return None
    serving = (report.assignee_id,) if report.assignee_id is not None else ()
    return Item(
        "report",
        report.id,
        (report.reporter_id,) if report.reporter_id is not None else (),
        serving,
        Key(f"reports.cat_{report.category if report.category in REPORT_CATEGORIES else 'other'}"),
        report.status in OPEN_REPORTS and bool(serving),
    )


LOADERS: dict[str, Callable[[AsyncSession, int], Awaitable[Item | None]]] = {
    "need": _need,
    "report": _report,
}


def parse_code(raw: str) -> tuple[str, int]:
    """("need", 12) from "12" or "#12"; ("report", 7) from "r7"; UserError otherwise."""
    text = raw.strip().lstrip("#＃")
    kind = "need"
    if text[:1].lower() in PREFIXES:
        kind, text = PREFIXES[text[:1].lower()], text[1:]
    number = parse_id(text)
    if number is None:
        raise UserError("relay.bad_item")
    return kind, number


async def load(session: AsyncSession, kind: str, item_id: int) -> Item | None:
    """The item of that kind and number, or None."""
    loader = LOADERS.get(kind)
    return await loader(session, item_id) if loader is not None else None
