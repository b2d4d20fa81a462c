"""Residents' proposals (居民提案) and grid reports (报事)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

PROPOSAL_STATES = (
    "submitted",
    "seconded",
    "on_agenda",
    "accepted",
    "merged",
    "rejected",
    "in_progress",
    "done",
    "disputed",
)
REPORT_STATES = ("open", "acknowledged", "resolved", "closed", "reopened")


class Proposal(Base):
    """A resident's proposal, co-signed by neighbours, decided at the joint meeting."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16), default="community")
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    cosign_count: Mapped[int] = mapped_column(default=0)
    owner: Mapped[str | None] = mapped_column(String(100))
    target_date: Mapped[date | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    stale_flagged_at: Mapped[datetime | None]
    # Practical projects: the unit in charge (free text until units have a table of their own),
    # the funding source, and the closing rule's window (README "Closing a practical project").
    owner_unit: Mapped[str | None] = mapped_column(String(150))
    funding_source: Mapped[str | None] = mapped_column(String(100))
    confirm_due: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class ProposalCosign(Base):
    """One neighbour's co-signature (附议), once per person."""

    __tablename__ = "proposal_cosigns"
    __table_args__ = (UniqueConstraint("proposal_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalEvent(Base):
    """A state change or progress note on a proposal, shown to everyone who follows it."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class GridReport(Base):
    """A problem reported in a grid (私搭乱建, 无照经营 …), routed to its grid worker."""

    __tablename__ = "grid_reports"
    __table_args__ = (Index("ix_grid_reports_grid_status", "grid_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    photo_ref: Mapped[str | None] = mapped_column(String(255))
    after_photo_ref: Mapped[str | None] = mapped_column(
        String(255)
    )  # the grid worker's, at closing
    place_text: Mapped[str | None] = mapped_column(
        String(200)
    )  # the place as the reporter typed it
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[int] = mapped_column(default=0)
    metoo_count: Mapped[int] = mapped_column(default=0)
    respond_due: Mapped[datetime | None]
    resolve_due: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)
    beyond_authority: Mapped[bool] = mapped_column(default=False)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    reopened_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportMeToo(Base):
    """A neighbour saying "me too" on a report instead of filing a duplicate."""

    __tablename__ = "report_metoos"
    __table_args__ = (UniqueConstraint("report_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grid_reports.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonRequest(Base):
    """A message a resident asked to put to a person (转人工); organizers answer it in the bot."""

    __tablename__ = "person_requests"
    __table_args__ = (Index("ix_person_requests_region_status", "region_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
