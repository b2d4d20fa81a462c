"""Items in the office: filtered lists, a report's whole timeline, and the actions staff have.

Each action runs the chat's own use case in an office context (handlers/office/context.py):
the same role checks, the same notices, the same audit entries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import hours, reports, tasks
from handlers.broadcasts.compose import send_now
from handlers.core.context import Ctx
from handlers.core.errors import InvalidInput
from handlers.core.messages import Reply
from handlers.office.figures import NEED_CLOSED, NEED_OPEN, REPORT_CLOSED, REPORT_OPEN
from handlers.office.scope import Staff
from handlers.office.timelines import photo_of, report_photos
from handlers.proposals.decide import decide
from storage.models import (
    AuditEntry,
    GridReport,
    Need,
    Person,
    Proposal,
    Region,
    ReportMeToo,
    ServiceItem,
    ServiceRecord,
)
from storage.repos import proposals as proposal_repo
from storage.repos import service_records as records_repo

LIST_LIMIT = 200


@dataclass(frozen=True)
class ItemFilter:
    """A list's filters: status (open, closed, overdue, all), category, search words."""

    status: str = "all"
    category: str = ""
    q: str = ""


def _within(column: Any, root: Region) -> Any:
    return column.in_(select(Region.id).where(Region.path.startswith(root.path)))


async def report_list(
    session: AsyncSession, root: Region, f: ItemFilter, now: datetime
) -> list[dict[str, Any]]:
    """Reports in a region, newest first."""
    query = (
        select(GridReport, Region.name, Person.display_name)
        .join(Region, Region.id == GridReport.grid_id)
        .outerjoin(Person, Person.id == GridReport.assignee_id)
        .where(Region.path.startswith(root.path))
    )
    if f.status == "open":
        query = query.where(GridReport.status.in_(REPORT_OPEN))
    elif f.status == "closed":
        query = query.where(GridReport.status.in_(REPORT_CLOSED))
    elif f.status == "overdue":
        query = query.where(GridReport.status.in_(REPORT_OPEN), GridReport.resolve_due < now)
    if f.category:
        query = query.where(GridReport.category == f.category)
    if f.q:
        query = query.where(GridReport.text.contains(f.q, autoescape=True))
    rows = await session.execute(query.order_by(GridReport.id.desc()).limit(LIST_LIMIT))
    return [
        {
            "id": r.id,
            "category": r.category,
            "status": r.status,
            "text": r.text[:80],
            "grid": grid,
            "assignee": assignee or "",
            "created_at": r.created_at.isoformat(),
            "overdue": r.status in REPORT_OPEN
            and r.resolve_due is not None
            and r.resolve_due < now,
        }
        for r, grid, assignee in rows
    ]


async def need_list(session: AsyncSession, root: Region, f: ItemFilter) -> list[dict[str, Any]]:
    """Service needs in a region, newest first."""
    query = (
        select(Need, ServiceItem.name_zh, ServiceItem.name_en)
        .join(ServiceItem, ServiceItem.id == Need.service_item_id)
        .where(_within(Need.region_id, root))
    )
    if f.status in ("open", "overdue"):
        query = query.where(Need.status.in_(NEED_OPEN))
    elif f.status == "closed":
        query = query.where(Need.status.in_(NEED_CLOSED))
    if f.category:
        query = query.where(ServiceItem.department == f.category)
    if f.q:
        words = f.q
        query = query.where(
            or_(Need.notes.contains(words, autoescape=True), ServiceItem.name_zh.contains(words))
        )
    rows = await session.execute(query.order_by(Need.id.desc()).limit(LIST_LIMIT))
    return [
        {
            "id": n.id,
            "item_zh": zh,
            "item_en": en,
            "status": n.status,
            "place": n.place,
            "created_at": n.created_at.isoformat(),
        }
        for n, zh, en in rows
    ]


async def proposal_list(session: AsyncSession, root: Region, f: ItemFilter) -> list[dict[str, Any]]:
    """Proposals in a region, newest first."""
    query = select(Proposal).where(_within(Proposal.region_id, root))
    if f.status in ("open", "overdue"):
        query = query.where(Proposal.status.in_(proposal_repo.OPEN_STATES))
    elif f.status == "closed":
        query = query.where(Proposal.status.notin_(proposal_repo.OPEN_STATES))
    if f.q:
        query = query.where(
            or_(Proposal.title.contains(f.q, autoescape=True), Proposal.body.contains(f.q))
        )
    rows = await session.execute(query.order_by(Proposal.id.desc()).limit(LIST_LIMIT))
    return [
        {
            "id": p.id,
            "title": p.title,
            "status": p.status,
            "cosigns": p.cosign_count,
            "created_at": p.created_at.isoformat(),
        }
        for p in rows.scalars()
    ]


async def report_timeline(session: AsyncSession, report: GridReport) -> list[dict[str, Any]]:
    """Everything that happened to a report, oldest first: filing, me-toos, actions, rating."""
    fetched = await report_photos(session, report.id)
    events: list[dict[str, Any]] = [
        {
            "at": report.created_at,
            "kind": "created",
            "note": report.text,
            "photo": photo_of(report.photo_ref, fetched.get(("before", report.photo_ref or ""))),
        }
    ]
    for (role, ref), row in fetched.items():
        if role == "answer":  # a department's answer (its audit entry is about the hand-off)
            events.append({"at": row["at"], "kind": "photo", "photo": photo_of(ref, row)})
    after = report.after_photo_ref
    metoos = await session.execute(
        select(func.count(), func.min(ReportMeToo.created_at)).where(
            ReportMeToo.report_id == report.id
        )
    )
    count, first = metoos.one()
    if count:
        events.append({"at": first, "kind": "metoo", "note": str(count)})
    audits = await session.execute(
        select(AuditEntry, Person.display_name)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(AuditEntry.target == f"report:{report.id}")
        .order_by(AuditEntry.id)
    )
    for entry, actor in audits:
        event = {
            "at": entry.at,
            "kind": entry.action,
            "actor": actor or "",
            "note": str(entry.details.get("note") or entry.details.get("reason") or ""),
        }
        if entry.action == "report.close" and after:  # the photo after the fix
            event["photo"] = photo_of(after, fetched.get(("after", after)))
            after = None
        events.append(event)
    if report.rating is not None:
        events.append(
            {
                "at": report.updated_at,
                "kind": "rating",
                "note": f"{report.rating} {report.rating_comment or ''}",
            }
        )
    return sorted(events, key=lambda e: e["at"])


# -- actions: each one the chat's use case ---------------------------------------------------------

Action = Callable[[Ctx, int, dict[str, str]], Awaitable[list[Reply]]]


def _text(form: dict[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise InvalidInput("office.field_missing")
    return value


async def _reassign(ctx: Ctx, item: int, form: dict[str, str]) -> list[Reply]:
    worker = form.get("worker", "")
    if not worker.isdigit():
        raise InvalidInput("office.field_missing")
    return await reports.reassign(ctx, item, int(worker))


async def _report_act(action: str, ctx: Ctx, item: int, form: dict[str, str]) -> list[Reply]:
    return await reports.act(ctx, item, action, _text(form, "note"))


async def _dispatch(ctx: Ctx, item: int, form: dict[str, str]) -> list[Reply]:
    ctx.args = str(item)
    return await tasks.dispatch_command(ctx)


async def _decide(ctx: Ctx, item: int, form: dict[str, str]) -> list[Reply]:
    action = form.get("action", "")
    answers: dict[str, Any] = {"id": item, "action": action}
    if action == "accept":
        answers["owner"] = _text(form, "owner")
        try:
            answers["target"] = date.fromisoformat(_text(form, "target")).isoformat()
        except ValueError:
            raise InvalidInput("office.field_missing") from None
    elif action == "reject":
        answers["reason"] = _text(form, "reason")
    else:
        raise InvalidInput("office.field_missing")
    return await decide(ctx, answers)


async def _hours(ctx: Ctx, item: int, form: dict[str, str]) -> list[Reply]:
    if form.get("verdict") == "approve":
        return await hours.approve(ctx, [str(item)])
    return await hours.reject(ctx, [str(item)])


def broadcast_answers(region_id: int, form: dict[str, str]) -> dict[str, object]:
    """The broadcast flow's answers from the console's form."""
    lang = form.get("lang") or None
    return {
        "region": region_id,
        "role": form.get("role", ""),
        "lang": lang,
        "text": form.get("text", ""),
    }


async def _broadcast(ctx: Ctx, item: int, form: dict[str, str]) -> list[Reply]:
    return await send_now(ctx, broadcast_answers(item, form))


async def pending_hours(
    session: AsyncSession, staff: Staff, root: Region
) -> list[tuple[ServiceRecord, str]]:
    """Volunteer hours corrections waiting for a decision in a region."""
    admin = any(role == "admin" and region.id == root.id for role, region in staff.grants)
    return await records_repo.pending_corrections(session, [root], with_unplaced=admin, limit=100)


ACTIONS: dict[tuple[str, str], Action] = {
    ("report", "reassign"): _reassign,
    ("report", "note"): lambda c, i, f: _report_act("note", c, i, f),
    ("report", "close"): lambda c, i, f: _report_act("close", c, i, f),
    ("report", "escalate"): lambda c, i, f: _report_act("beyond", c, i, f),
    ("need", "dispatch"): _dispatch,
    ("proposal", "decide"): _decide,
    ("hours", "review"): _hours,
    ("region", "broadcast"): _broadcast,
}
