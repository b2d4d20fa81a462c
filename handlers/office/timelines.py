"""An item's whole history for the office: a need's and a proposal's timeline, a report's photo.

Each timeline is a list of events, oldest first: `at`, `kind`, `actor` (a display name or ""),
`note`, and for status changes `old`/`new`. Kinds are the audit log's actions (`need.status`,
`report.note` …), the proposal's own events (`proposal.accepted` …) and a few of ours
(`offer`, `assignment`, `confirmed`, `service`, `rating`); a report's photos ride on its filing
and closing events, a department's answer photo is a `photo` event of its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Assignment,
    AuditEntry,
    Need,
    Person,
    Photo,
    Proposal,
    ProposalCosign,
    ProposalEvent,
    ServiceRecord,
    TaskOffer,
)

PHOTO_CHANNELS = ("telegram", "wechat")


def photo_of(ref: str | None, fetched: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """What the office shows of a photo kept as a chat file id, never the id: its channel, and
    once the worker fetched it (bot/photos.py) its `url` on the console; else its `state`
    (`pending`, `failed`, or `none` for a photo never queued)."""
    if not ref:
        return None
    channel = ref.split(":", 1)[0] if ":" in ref else ""
    shown: dict[str, Any] = {"channel": channel if channel in PHOTO_CHANNELS else "other"}
    if fetched is None:
        return shown | {"state": "none"}
    if fetched["status"] == "ready":
        return shown | {"state": "ready", "url": f"/office/photos/{fetched['id']}"}
    return shown | {"state": fetched["status"]}


async def report_photos(session: AsyncSession, report_id: int) -> dict[tuple[str, str], Any]:
    """A report's queued photos by (role, ref): id, status and when (their bytes not read)."""
    rows = await session.execute(
        select(Photo.id, Photo.role, Photo.ref, Photo.status, Photo.created_at)
        .where(Photo.report_id == report_id)
        .order_by(Photo.id)
    )
    return {
        (role, ref): {"id": pid, "status": status, "at": at} for pid, role, ref, status, at in rows
    }


async def _names(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Person.id, Person.display_name).where(Person.id.in_(wanted))
    )
    return {pid: name or "" for pid, name in rows}


async def audit_events(session: AsyncSession, target: str) -> list[dict[str, Any]]:
    """The audit log's entries about one item (`need:7`), as timeline events."""
    rows = await session.execute(
        select(AuditEntry, Person.display_name)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(AuditEntry.target == target)
        .order_by(AuditEntry.id)
    )
    events = []
    for entry, actor in rows:
        details = entry.details or {}
        event = {
            "at": entry.at,
            "kind": entry.action,
            "actor": actor or "",
            "note": str(details.get("note") or details.get("reason") or details.get("stars") or ""),
        }
        if "old" in details or "new" in details:
            event |= {"old": str(details.get("old") or ""), "new": str(details.get("new") or "")}
        events.append(event)
    return events


async def need_timeline(session: AsyncSession, need: Need) -> list[dict[str, Any]]:
    """A need from its request to its rating: status changes, offers, who served, hours."""
    offers = list(
        (await session.execute(select(TaskOffer).where(TaskOffer.need_id == need.id))).scalars()
    )
    jobs = list(
        (await session.execute(select(Assignment).where(Assignment.need_id == need.id))).scalars()
    )
    records = list(
        (
            await session.execute(
                select(ServiceRecord).where(
                    ServiceRecord.assignment_id.in_([a.id for a in jobs] or [-1])
                )
            )
        ).scalars()
    )
    names = await _names(
        session,
        {need.person_id, need.entered_by_id}
        | {o.person_id for o in offers}
        | {a.person_id for a in jobs}
        | {a.confirmed_by_id for a in jobs},
    )
    events: list[dict[str, Any]] = []
    for o in offers:
        events.append(
            {
                "at": o.offered_at,
                "kind": "offer",
                "actor": names.get(o.person_id or 0, ""),
                "note": o.status,
            }
        )
    for a in jobs:
        events.append(
            {
                "at": a.accepted_at,
                "kind": "assignment",
                "actor": names.get(a.person_id or 0, ""),
                "note": a.cancel_reason or "",
            }
        )
        if a.confirmed_at is not None:
            events.append(
                {
                    "at": a.confirmed_at,
                    "kind": "confirmed",
                    "actor": names.get(a.confirmed_by_id or 0, ""),
                    "note": str(a.hours or ""),
                }
            )
    for r in records:
        events.append(
            {"at": r.created_at, "kind": "service", "actor": "", "note": f"{r.hours} · {r.content}"}
        )
    audited = await audit_events(session, f"need:{need.id}")
    entered = next((e for e in audited if e["kind"] == "need.create"), None)
    if entered is None:  # entered before the audit named it, or by an import
        audited.insert(0, {"at": need.created_at, "kind": "need.create", "actor": "", "note": ""})
        entered = audited[0]
    entered["actor"] = entered["actor"] or names.get(need.entered_by_id or need.person_id or 0, "")
    entered["note"] = entered["note"] or need.notes
    events += audited
    if need.rating is not None and not any(e["kind"] == "need.rate" for e in events):
        events.append(
            {
                "at": need.updated_at,
                "kind": "rating",
                "actor": "",
                "note": f"{need.rating} {need.rating_comment or ''}".strip(),
            }
        )
    elif need.rating_comment:
        events.append(
            {"at": need.updated_at, "kind": "rating", "actor": "", "note": need.rating_comment}
        )
    return sorted(events, key=lambda e: e["at"])


async def proposal_timeline(
    session: AsyncSession, proposal: Proposal
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A proposal's events (submitted, seconded, decided, progress, done …) and its co-signers."""
    rows = await session.execute(
        select(ProposalEvent, Person.display_name)
        .outerjoin(Person, Person.id == ProposalEvent.actor_id)
        .where(ProposalEvent.proposal_id == proposal.id)
        .order_by(ProposalEvent.id)
    )
    events: list[dict[str, Any]] = [
        {"at": e.at, "kind": f"proposal.{e.kind}", "actor": actor or "", "note": e.note or ""}
        for e, actor in rows
    ]
    if not any(e["kind"] == "proposal.submitted" for e in events):
        events.insert(
            0,
            {"at": proposal.created_at, "kind": "proposal.submitted", "actor": "", "note": ""},
        )
    signed = await session.execute(
        select(ProposalCosign.created_at, Person.display_name)
        .outerjoin(Person, Person.id == ProposalCosign.person_id)
        .where(ProposalCosign.proposal_id == proposal.id)
        .order_by(ProposalCosign.id)
    )
    cosigners = [{"at": at, "name": name or ""} for at, name in signed]
    return sorted(events, key=lambda e: e["at"]), cosigners
