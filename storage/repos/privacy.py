"""A person's data: everything held about them (export), erasure, and retention anonymization."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    ActivitySignup,
    Assignment,
    AuditEntry,
    CheckinAttempt,
    DialogState,
    Download,
    GridReport,
    Identity,
    MeetingParticipant,
    Need,
    NeedSensitive,
    OfficePassword,
    Organization,
    OrganizationMember,
    OutboxMessage,
    PartyMember,
    Person,
    PersonRequest,
    Photo,
    ProcessedUpdate,
    Proposal,
    ProposalCosign,
    Region,
    RelayMessage,
    ReportMeToo,
    RoleGrant,
    ServiceItem,
    ServiceRecord,
    StaffMember,
    VolunteerProfile,
)
from storage.repos import relay

# Audit actions that make up a person's consent history (/start, sensitive data, a guardian's).
CONSENT_ACTIONS = (
    "consent",
    "consent.sensitive",
    "consent.sensitive_withdrawn",
    "consent.guardian",
)
CLOSED_NEEDS = ("done", "cancelled")
CLOSED_REPORTS = ("closed",)
CLOSED_PROPOSALS = ("done", "rejected", "merged")
FINISHED_OUTBOX = ("sent", "failed", "blocked", "cancelled")


def _plain(value: Any) -> Any:
    """A column value in JSON form."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(obj: Any, columns: Sequence[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


async def _all(session: AsyncSession, query: Select[Any]) -> list[Any]:
    return list((await session.execute(query)).scalars())


def mask_id(value: str) -> str:
    """A channel user id with its middle hidden: "5001234567" → "50******67", "王凤兰" → "王*兰"."""
    if len(value) <= 2:
        return value[:1] + "*"
    if len(value) <= 5:
        return value[0] + "*" * (len(value) - 2) + value[-1]
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


async def collect(session: AsyncSession, person_id: int) -> dict[str, Any]:
    """Everything Linli holds about a person, as JSON-ready sections (for /mydata)."""
    person = await session.get(Person, person_id)
    assert person is not None
    identities = await _all(session, select(Identity).where(Identity.person_id == person_id))
    grants = await _all(session, select(RoleGrant).where(RoleGrant.person_id == person_id))
    profile = await session.get(VolunteerProfile, person_id)
    data: dict[str, Any] = {
        "profile": _row(
            person,
            (
                "id",
                "display_name",
                "lang",
                "home_region_id",
                "phone",
                "address",
                "birth_year",
                "target_groups",
                "consent_version",
                "consent_at",
                "sensitive_consent_at",
                "guardian_consent",
                "registered_at",
                "created_at",
            ),
        ),
        "identities": [
            {"channel": i.channel, "id": mask_id(i.external_id), "since": _plain(i.created_at)}
            for i in identities
        ],
        "roles": [
            {
                "role": g.role,
                "region": g.region.name,
                "granted_at": _plain(g.granted_at),
                "revoked_at": _plain(g.revoked_at),
            }
            for g in grants
        ],
        "volunteer_profile": _row(
            profile,
            (
                "skills",
                "free_skills",
                "availability",
                "home_grid_id",
                "reach",
                "max_tasks_week",
                "certifications",
                "paused",
                "show_name",
                "offers",
                "accepts",
                "completions",
                "no_shows",
                "created_at",
            ),
        )
        if profile is not None
        else None,
    }
    party = await session.get(PartyMember, person_id)
    data["party_member"] = (
        _row(party, ("community_id", "kind", "unit_name", "reported_at", "confirmed_at"))
        if party is not None
        else None
    )
    data["organizations"] = [
        {
            "organization": org.name,
            "status": member.status,
            "since": _plain(member.created_at),
            "decided_at": _plain(member.decided_at),
        }
        for member, org in (
            await session.execute(
                select(OrganizationMember, Organization)
                .join(Organization, Organization.id == OrganizationMember.organization_id)
                .where(OrganizationMember.person_id == person_id)
                .order_by(OrganizationMember.id)
            )
        ).all()
    ]
    data["staff_of"] = [
        {
            "department": member.department_id,
            "unit": member.unit_id,
            "lead": member.lead,
            "joined_at": _plain(member.joined_at),
            "left_at": _plain(member.left_at),
        }
        for member in await _all(
            session, select(StaffMember).where(StaffMember.person_id == person_id)
        )
    ]
    data["meetings"] = [
        {
            "meeting": meeting_id,
            "capacity": capacity,
            "affiliation": affiliation,
            "answer": answer,
            "answered_at": _plain(answered_at),
        }
        for meeting_id, capacity, affiliation, answer, answered_at in (
            await session.execute(
                select(
                    MeetingParticipant.meeting_id,
                    MeetingParticipant.capacity,
                    MeetingParticipant.affiliation,
                    MeetingParticipant.answer,
                    MeetingParticipant.answered_at,
                )
                .where(MeetingParticipant.person_id == person_id)
                .order_by(MeetingParticipant.id)
            )
        ).all()
    ]
    data |= await _items(session, person_id)
    data["messages"] = [
        {
            "item": f"{m.item_kind}:{m.item_id}",
            "direction": "sent" if m.sender_id == person_id else "received",
            "kind": m.kind,
            "text": m.text,
            "at": _plain(m.created_at),
        }
        for m in await relay.of_person(session, person_id)
    ]
    data["consent_history"] = [
        {"action": e.action, "at": _plain(e.at), **e.details}
        for e in await _all(
            session,
            select(AuditEntry)
            .where(AuditEntry.actor_id == person_id, AuditEntry.action.in_(CONSENT_ACTIONS))
            .order_by(AuditEntry.id),
        )
    ]
    return data


async def _items(session: AsyncSession, person_id: int) -> dict[str, Any]:
    """What the person made or took part in: proposals, needs, reports, activities, service."""
    proposals = await _all(
        session, select(Proposal).where(Proposal.proposer_id == person_id).order_by(Proposal.id)
    )
    cosigned = (
        await session.execute(
            select(Proposal.id, Proposal.title, ProposalCosign.created_at)
            .join(ProposalCosign, ProposalCosign.proposal_id == Proposal.id)
            .where(ProposalCosign.person_id == person_id)
            .order_by(Proposal.id)
        )
    ).all()
    needs = (
        await session.execute(
            select(Need, ServiceItem.code)
            .join(ServiceItem, ServiceItem.id == Need.service_item_id)
            .where(Need.person_id == person_id)
            .order_by(Need.id)
        )
    ).all()
    reports = await _all(
        session,
        select(GridReport).where(GridReport.reporter_id == person_id).order_by(GridReport.id),
    )
    metoo = await _all(
        session, select(ReportMeToo.report_id).where(ReportMeToo.person_id == person_id)
    )
    signups = (
        await session.execute(
            select(ActivitySignup, Activity.title, Activity.starts_at)
            .join(Activity, Activity.id == ActivitySignup.activity_id)
            .where(ActivitySignup.person_id == person_id)
            .order_by(ActivitySignup.id)
        )
    ).all()
    records = await _all(
        session,
        select(ServiceRecord)
        .where(ServiceRecord.person_id == person_id)
        .order_by(ServiceRecord.id),
    )
    sent_photos = await _all(
        session, select(Photo).where(Photo.person_id == person_id).order_by(Photo.id)
    )
    proposal_cols = ("id", "title", "body", "category", "scope", "status", "created_at")
    need_cols = "id status place notes window_start window_end urgency target_groups rating"
    need_cols += " rating_comment created_at closed_at"
    report_cols = "id category text photo_ref lat lon status rating rating_comment created_at"
    report_cols += " resolved_at"
    record_cols = ("id", "content", "place", "served_at", "hours", "evaluation")
    asked = await _all(
        session,
        select(PersonRequest)
        .where(PersonRequest.person_id == person_id)
        .order_by(PersonRequest.id),
    )
    return {
        "person_requests": [
            _row(r, ("id", "text", "status", "answer", "created_at", "answered_at")) for r in asked
        ],
        "proposals": [_row(p, proposal_cols) for p in proposals],
        "cosigned": [
            {"proposal": pid, "title": title, "at": _plain(at)} for pid, title, at in cosigned
        ],
        "needs": [
            _row(n, need_cols.split())
            | {"service": code, "sensitive_note": await relay.sensitive_note(session, n.id)}
            for n, code in needs
        ],
        "reports": [_row(r, report_cols.split()) for r in reports],
        # Photos they sent with reports (or closing one), as the JPEG the office sees.
        "photos": [
            _row(p, ("report_id", "role", "status", "content_type", "created_at", "fetched_at"))
            | {"jpeg_base64": base64.b64encode(p.data).decode("ascii") if p.data else None}
            for p in sent_photos
        ],
        "reports_me_too": list(metoo),
        "activity_signups": [
            _row(s, ("activity_id", "status", "created_at", "checked_in_at"))
            | {"title": title, "starts_at": _plain(starts)}
            for s, title, starts in signups
        ],
        "service_records": [_row(r, record_cols) for r in records],
        "service_hours_total": float(sum((r.hours for r in records), Decimal(0))),
    }


async def busy_with(session: AsyncSession, person_id: int) -> dict[str, list[int]]:
    """Work in progress that others rely on: tasks the person serves, needs someone serves."""
    tasks = await _all(
        session,
        select(Assignment.id).where(
            Assignment.person_id == person_id, Assignment.status.in_(("active", "done_marked"))
        ),
    )
    needs = await _all(
        session, select(Need.id).where(Need.person_id == person_id, Need.status == "assigned")
    )
    return {"tasks": tasks, "needs": needs}


async def erase(
    session: AsyncSession,
    person: Person,
    now: datetime,
    marker: str,
    current: DialogState | None = None,
) -> None:
    """Erase a person's personal data; their items stay, anonymized, so aggregates stay intact.

    The caller has dealt with open work (needs, offers, sign-ups) through the features' own use
    cases. `current` is the dialog state of the message being handled: it is deleted through the
    session, last, so the dispatcher's later changes to it are dropped with it.
    """
    pid = person.id
    identities = await _all(session, select(Identity).where(Identity.person_id == pid))
    addresses = [(i.channel, i.external_id) for i in identities]
    to_them = or_(
        OutboxMessage.person_id == pid,
        *(
            (OutboxMessage.channel == ch) & (OutboxMessage.external_id == ext)
            for ch, ext in addresses
        ),
    )
    await session.execute(
        update(OutboxMessage)
        .where(to_them, OutboxMessage.status.in_(("pending", "held")))
        .values(status="cancelled", error="erased")
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxMessage)
        .where(to_them, OutboxMessage.status != "sending")
        .values(payload={}, external_id="")
        .execution_options(synchronize_session=False)
    )
    skip = (current.channel, current.user_id) if current is not None else None
    # Per chat address: dialog states, the replies kept for redeliveries, files made for them.
    for model in (DialogState, ProcessedUpdate, Download):
        for channel, external_id in addresses:
            if model is DialogState and (channel, external_id) == skip:
                continue  # the current one is deleted through the session, last
            await session.execute(
                delete(model)
                .where(model.channel == channel, model.user_id == external_id)
                .execution_options(synchronize_session=False)
            )
    for ident in identities:
        await session.delete(ident)
    await _anonymize_items(session, pid, now)
    community = await _community_of(session, person)
    person.display_name = marker
    person.phone = None
    person.address = None
    person.birth_year = None
    person.target_groups = []
    person.sensitive_consent_at = None
    person.guardian_consent = False
    person.consent_version = None
    person.consent_at = None
    person.home_region_id = community
    person.erased_at = now
    if current is not None and inspect(current).persistent:
        await session.delete(current)


async def _anonymize_items(session: AsyncSession, pid: int, now: datetime) -> None:
    """Free text and details about the person go; the items and the hours stay."""
    # What they said and were told through the relay, and their items' threads and notes.
    own_needs = await _all(session, select(Need.id).where(Need.person_id == pid))
    own_reports = await _all(session, select(GridReport.id).where(GridReport.reporter_id == pid))
    await relay.erase_person(session, pid)
    await relay.erase_items(session, "need", own_needs)
    await relay.erase_items(session, "report", own_reports)
    await relay.erase_sensitive_notes(session, own_needs)
    statements = [
        update(Need)
        .where(Need.person_id == pid)
        .values(notes="", place="", rating_comment=None, target_groups=[], updated_at=now),
        update(GridReport)
        .where(GridReport.reporter_id == pid)
        .values(rating_comment=None, photo_ref=None),
        # The photos they sent with their reports go; a photo taken at work (closing a report,
        # a department's answer) is the office's record and stays, no longer linked to them.
        delete(Photo).where(Photo.person_id == pid, Photo.role == "before"),
        update(Photo).where(Photo.person_id == pid).values(person_id=None),
        update(Assignment).where(Assignment.person_id == pid).values(cancel_reason=None),
        update(ServiceRecord)
        .where(ServiceRecord.person_id == pid)
        .values(correction_reason=None, evaluation=None),
        update(RoleGrant)
        .where(RoleGrant.person_id == pid, RoleGrant.revoked_at.is_(None))
        .values(revoked_at=now),
        update(Organization)
        .where(Organization.contact_person_id == pid)
        .values(contact_person_id=None),
        delete(OrganizationMember).where(OrganizationMember.person_id == pid),
        delete(PartyMember).where(PartyMember.person_id == pid),
        delete(StaffMember).where(StaffMember.person_id == pid),
        # A meeting's record keeps its seats and votes (the minutes are public); the name goes.
        update(MeetingParticipant)
        .where(MeetingParticipant.person_id == pid)
        .values(person_id=None, affiliation=None),
        delete(VolunteerProfile).where(VolunteerProfile.person_id == pid),
        delete(CheckinAttempt).where(CheckinAttempt.person_id == pid),
        delete(OfficePassword).where(OfficePassword.person_id == pid),  # login name and hash
        update(PersonRequest)
        .where(PersonRequest.person_id == pid)
        .values(person_id=None, text="", answer=None),
    ]
    for statement in statements:
        await session.execute(statement.execution_options(synchronize_session=False))


async def _community_of(session: AsyncSession, person: Person) -> int | None:
    """The community the person's home lies in (a grid or building is too precise to keep)."""
    home = person.home_region
    if home is None:
        return None
    ids = home.path_ids()
    found = await session.scalar(
        select(Region.id).where(Region.id.in_(ids), Region.level == "community")
    )
    return (
        found if found is not None else (home.id if home.level in ("district", "street") else None)
    )


async def anonymize_expired(session: AsyncSession, now: datetime, days: int) -> dict[str, int]:
    """Anonymize items closed more than `days` ago; returns rows changed per kind.

    Needs lose their free text and the link to the resident; closed reports their photos (the
    references and the fetched bytes), exact location, comments and reporter; finished proposals
    their proposer and co-signers (the text stays: it is the community's record); finished
    outbox rows their content and address.
    Running it again changes nothing more.
    """
    cutoff = now - timedelta(days=days)
    changed: dict[str, int] = {}
    statements = {
        "needs": update(Need)
        .where(
            Need.status.in_(CLOSED_NEEDS),
            Need.closed_at < cutoff,
            or_(Need.person_id.is_not(None), Need.notes != "", Need.place != ""),
        )
        .values(
            person_id=None,
            entered_by_id=None,
            notes="",
            place="",
            rating_comment=None,
            target_groups=[],
        ),
        "reports": update(GridReport)
        .where(
            GridReport.status.in_(CLOSED_REPORTS),
            GridReport.updated_at < cutoff,
            or_(
                GridReport.reporter_id.is_not(None),
                GridReport.photo_ref.is_not(None),
                GridReport.after_photo_ref.is_not(None),
            ),
        )
        .values(
            reporter_id=None,
            photo_ref=None,
            after_photo_ref=None,
            lat=None,
            lon=None,
            rating_comment=None,
        ),
        "proposals": update(Proposal)
        .where(
            Proposal.status.in_(CLOSED_PROPOSALS),
            Proposal.updated_at < cutoff,
            Proposal.proposer_id.is_not(None),
        )
        .values(proposer_id=None),
        "cosigns": update(ProposalCosign)
        .where(
            ProposalCosign.person_id.is_not(None),
            ProposalCosign.proposal_id.in_(
                select(Proposal.id).where(
                    Proposal.status.in_(CLOSED_PROPOSALS), Proposal.updated_at < cutoff
                )
            ),
        )
        .values(person_id=None),
        "metoos": update(ReportMeToo)
        .where(
            ReportMeToo.person_id.is_not(None),
            ReportMeToo.report_id.in_(
                select(GridReport.id).where(
                    GridReport.status.in_(CLOSED_REPORTS), GridReport.updated_at < cutoff
                )
            ),
        )
        .values(person_id=None),
        "outbox": update(OutboxMessage)
        .where(
            OutboxMessage.status.in_(FINISHED_OUTBOX),
            OutboxMessage.created_at < cutoff,
            OutboxMessage.external_id != "",
        )
        .values(payload={}, external_id=""),
    }
    old_needs = select(Need.id).where(Need.status.in_(CLOSED_NEEDS), Need.closed_at < cutoff)
    old_reports = select(GridReport.id).where(
        GridReport.status.in_(CLOSED_REPORTS), GridReport.updated_at < cutoff
    )
    # Threads and sensitive notes go with the items (before the needs lose their resident).
    first: dict[str, Any] = {}
    first["messages"] = delete(RelayMessage).where(
        or_(
            (RelayMessage.item_kind == "need") & RelayMessage.item_id.in_(old_needs),
            (RelayMessage.item_kind == "report") & RelayMessage.item_id.in_(old_reports),
        )
    )
    first["sensitive_notes"] = delete(NeedSensitive).where(NeedSensitive.need_id.in_(old_needs))
    first["photos"] = delete(Photo).where(Photo.report_id.in_(old_reports))  # bytes of places
    for kind, statement in {**first, **statements}.items():
        result = await session.execute(statement.execution_options(synchronize_session=False))
        changed[kind] = int(getattr(result, "rowcount", 0) or 0)
    return changed
