"""Governance in the office: joint meetings, hand-offs (吹哨报到), units and organizations.

Plain data for the pages and JSON of bot/office/meetings.py and bot/office/agencies.py, read
with the chat features' own repositories and labels; times stay datetimes (the pages format them,
the JSON endpoints stamp them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Ctx
from handlers.departments.common import ACTIVE as HANDOFF_ACTIVE
from handlers.departments.common import KINDS as DEPARTMENT_KINDS
from handlers.departments.common import STATUS_LABELS as HANDOFF_STATES
from handlers.departments.whistle import DAY_CHOICES, MAX_DAYS, NOTE_LIMIT
from handlers.meetings import hot_issue
from handlers.meetings.minutes import notice_text
from handlers.organizations import CATEGORY_LABELS
from storage.models import (
    Department,
    GridReport,
    Handoff,
    Meeting,
    Region,
    ResourceBooking,
)
from storage.repos import agencies, regions
from storage.repos import meetings as meetings_repo
from storage.repos import organizations as orgs_repo
from storage.repos import proposals as proposals_repo
from storage.repos import units as units_repo

LIST_LIMIT = 200


async def meeting_list(session: AsyncSession, root: Region) -> list[dict[str, Any]]:
    """The joint meetings of the communities in a region, newest first."""
    rows = await session.execute(
        select(Meeting, Region.name)
        .join(Region, Region.id == Meeting.community_id)
        .where(Region.path.startswith(root.path))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(LIST_LIMIT)
    )
    return [meetings_repo.as_row(meeting) | {"community": community} for meeting, community in rows]


async def meeting_detail(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    """A meeting in full: participants and answers, agenda with the hot issue, per-item
    outcome, tally and votes by name, minutes, and the public notice (公示) once published."""
    session = ctx.session
    participants = await meetings_repo.participants(session, meeting.id)
    names = await proposals_repo.names(session, [p.person_id for p in participants if p.person_id])
    items = await meetings_repo.items(session, meeting.id)
    counts = await meetings_repo.tally(session, [i.id for i in items])
    agenda = []
    for number, item in enumerate(items, start=1):
        agenda.append(
            {
                "n": number,
                "id": item.id,
                "kind": item.kind,
                "proposal_id": item.proposal_id,
                "title": item.title,
                "outcome": item.outcome,
                "note": item.outcome_note or "",
                "decided_at": item.decided_at,
                "tally": counts[item.id],
                "votes": [
                    {"name": name, "choice": choice}
                    for name, choice in await meetings_repo.votes_by_name(session, item.id)
                ],
                "hot_issue": hot_issue.describe(ctx, meeting.hot_issue)
                if item.kind == "hot_issue"
                else "",
            }
        )
    published = meeting.status == "published"
    return meetings_repo.as_row(meeting) | {
        "participants": [
            {
                "id": p.id,
                "name": names.get(p.person_id or 0, "—"),
                "capacity": p.capacity,
                "affiliation": p.affiliation or "",
                "answer": p.answer,
                "answered_at": p.answered_at,
            }
            for p in participants
        ],
        "agenda": agenda,
        "hot_issue_title": hot_issue.title(ctx, meeting.hot_issue),
        "minutes": meeting.minutes or "",
        "notice": await notice_text(ctx, meeting, ctx.lang) if published else "",
    }


async def handoff_list(
    session: AsyncSession, root: Region, now: datetime, status: str = "all"
) -> list[dict[str, Any]]:
    """Hand-offs of reports in a region's grids: live ones first, then the newest."""
    query = (
        select(Handoff, Department.name, Department.kind, GridReport, Region.name)
        .join(Department, Department.id == Handoff.department_id)
        .join(GridReport, GridReport.id == Handoff.report_id)
        .join(Region, Region.id == GridReport.grid_id)
        .where(Region.path.startswith(root.path))
    )
    if status == "open":
        query = query.where(Handoff.status.in_(HANDOFF_ACTIVE))
    elif status == "overdue":
        query = query.where(Handoff.status.in_(HANDOFF_ACTIVE), Handoff.due_at < now)
    elif status == "closed":
        query = query.where(Handoff.status.notin_(HANDOFF_ACTIVE))
    live_first = func.coalesce(Handoff.status.in_(HANDOFF_ACTIVE), False).desc()
    rows = await session.execute(query.order_by(live_first, Handoff.id.desc()).limit(LIST_LIMIT))
    return [
        {
            "id": h.id,
            "report_id": report.id,
            "report_text": report.text[:80],
            "grid": grid,
            "department": dept,
            "department_kind": kind,
            "status": h.status,
            "note": h.note or "",
            "due_at": h.due_at,
            "responded_at": h.responded_at,
            "answered_at": h.answered_at,
            "answer": h.answer or "",
            "escalated": bool(h.escalation_level),
            "overdue": h.status in HANDOFF_ACTIVE and h.due_at < now,
            "created_at": h.created_at,
        }
        for h, dept, kind, report, grid in rows.all()
    ]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


async def department_rates(session: AsyncSession, root: Region) -> list[dict[str, Any]]:
    """Per department serving or handed reports in a region: hand-offs and the three rates."""
    return [
        {
            "id": dept.id,
            "code": dept.code,
            "name": dept.name,
            "kind": dept.kind,
            "handed": handed,
            "response": _ratio(on_time, handed),
            "resolution": _ratio(answered, handed),
            "satisfaction": _ratio(happy, rated),
            "rated": rated,
        }
        for dept, handed, on_time, answered, rated, happy in await agencies.rate_counts(
            session, root
        )
        if handed
    ]


async def unit_list(session: AsyncSession, root: Region) -> list[dict[str, Any]]:
    """Units in a region with their resources (offers and needs) and live bookings."""
    units = await units_repo.in_scopes(session, [root])
    communities = {u.region_id for u in units}
    names = {r.id: r.name for r in [await regions.by_id(session, i) for i in communities] if r}
    resources = await units_repo.resources(session, [u.id for u in units])
    bookings = await units_repo.bookings_of(session, [r.id for r in resources])
    bookers = await proposals_repo.names(
        session, [b.booked_by_id for b in bookings if b.booked_by_id]
    )
    by_resource: dict[int, list[ResourceBooking]] = {}
    for booking in bookings:
        by_resource.setdefault(booking.resource_id, []).append(booking)
    by_unit: dict[int, list[dict[str, Any]]] = {}
    for resource in resources:
        by_unit.setdefault(resource.unit_id, []).append(
            {
                "id": resource.id,
                "direction": resource.direction,
                "kind": resource.kind,
                "name": resource.name,
                "quantity": resource.quantity,
                "availability": resource.availability,
                "bookings": [
                    {
                        "id": b.id,
                        "starts_at": b.starts_at,
                        "ends_at": b.ends_at,
                        "quantity": b.quantity,
                        "activity_id": b.activity_id,
                        "proposal_id": b.proposal_id,
                        "booked_by": bookers.get(b.booked_by_id or 0, "—"),
                    }
                    for b in by_resource.get(resource.id, [])
                ],
            }
        )
    staff = {u.id: len(await agencies.staff_of(session, unit_id=u.id)) for u in units}
    return [
        {
            "id": unit.id,
            "name": unit.name,
            "community": names.get(unit.region_id, ""),
            "status": unit.status,
            "staff": staff[unit.id],
            "resources": by_unit.get(unit.id, []),
        }
        for unit in units
    ]


async def organization_list(session: AsyncSession, root: Region) -> list[dict[str, Any]]:
    """Social organizations in a region by category: tier (1710), incubation, 备案, members."""
    found = await orgs_repo.in_scopes(session, [root])
    members = await orgs_repo.active_counts(session, [org.id for org, _ in found])
    contacts = await proposals_repo.names(
        session, [org.contact_person_id for org, _ in found if org.contact_person_id]
    )
    categories: dict[str, list[dict[str, Any]]] = {code: [] for code in CATEGORY_LABELS}
    for org, region in found:
        categories.setdefault(org.category, []).append(
            {
                "id": org.id,
                "name": org.name,
                "region": region.name,
                "tier": org.tier,
                "incubation": org.incubation,
                "filing": org.filing,
                "members": members.get(org.id, 0),
                "open_join": org.open_join,
                "contact": contacts.get(org.contact_person_id or 0, ""),
            }
        )
    return [{"category": code, "orgs": orgs} for code, orgs in categories.items() if orgs]


async def handoff_form(session: AsyncSession, report: GridReport, grid: Region) -> dict[str, Any]:
    """What the report page's 吹哨 form needs: the departments serving the grid, live hand-offs."""
    handoffs = await agencies.handoffs_of_report(session, report.id)
    return {
        "departments": await agencies.serving(session, grid),
        "live_handoff": next((h for h in handoffs if h.status in agencies.ACTIVE), None),
        "day_choices": DAY_CHOICES,
        "max_days": MAX_DAYS,
        "note_limit": NOTE_LIMIT,
        "department_kinds": DEPARTMENT_KINDS,
        "handoff_states": HANDOFF_STATES,
    }
