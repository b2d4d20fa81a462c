"""The service catalog, needs, task offers, assignments and recorded service hours."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

# Who takes an item on: volunteers, a social-organization category ("org:mediation"), or the
# community service station's staff (一窗受理: government items never go to volunteers).
HANDLERS = ("volunteers", "station")
NEED_STATES = ("open", "matching", "assigned", "done", "cancelled")
OFFER_STATES = ("pending", "accepted", "declined", "timed_out", "withdrawn")


class ServiceItem(Base):
    """One item of the "one window" service catalog, owned by a department."""

    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    department: Mapped[str] = mapped_column(String(32), index=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))
    skills: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    handler: Mapped[str] = mapped_column(
        String(32), default="volunteers", server_default="volunteers"
    )

    def name(self, lang: str) -> str:
        """The item's name in a language."""
        return self.name_zh if lang.startswith("zh") else self.name_en


class TargetGroup(Base):
    """A group served with priority (独居老人, 残疾人, 困难家庭 …); seen by organizers only."""

    __tablename__ = "target_groups"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(80))


class NeedSeries(Base):
    """A recurring need: its first need (the lowest id) is the template; each occurrence is a need
    of its own (needs.series_id), offered, done, confirmed and counted like any other."""

    __tablename__ = "need_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    rule: Mapped[str] = mapped_column(String(16))  # "daily", "weekly"
    status: Mapped[str] = mapped_column(String(16), default="active")  # paused, ended
    next_start: Mapped[datetime]  # the window start of the next occurrence to create
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Need(Base):
    """A request for a service item for a person, entered by them or by a grid worker."""

    __tablename__ = "needs"
    __table_args__ = (
        Index("ix_needs_status_region", "status", "region_id"),
        Index("ix_needs_status_considered", "status", "considered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    service_item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    place: Mapped[str] = mapped_column(String(200), default="")
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    # Asked on the served person's behalf (a family member): the asker's relation to them and
    # when the asker confirmed the person agreed (handlers/needs/behalf.py).
    relation: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None]
    # One occurrence of a recurring need (weekly visit, daily meals): handlers/needs/series.py.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("need_series.id"), index=True)
    volunteers_needed: Mapped[int] = mapped_column(default=1)
    notes: Mapped[str] = mapped_column(Text, default="")
    target_groups: Mapped[list[Any]] = mapped_column(default=list)
    # What the resident said named these skills, and these words decided the item: dispatch
    # asks for the item's skills and these, and the volunteer's offer shows the words.
    skills: Mapped[list[Any]] = mapped_column(default=list)
    words: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # When the dispatch sweep last ranked this need and what came of it ("offered", "waiting",
    # "nobody_left", "oversupply"): the sweep ranks it again only when something relevant changed.
    considered_at: Mapped[datetime | None]
    considered: Mapped[str | None] = mapped_column(String(16))


class TaskOffer(Base):
    """A need offered to one candidate; first acceptance wins, declines move on."""

    __tablename__ = "task_offers"
    __table_args__ = (
        UniqueConstraint("need_id", "person_id"),
        Index("ix_task_offers_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    rank: Mapped[int] = mapped_column(default=0)
    score: Mapped[float] = mapped_column(default=0.0)
    explanation: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]


class Assignment(Base):
    """An accepted task: who serves which need, and how it ended."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))


class ServiceRecord(Base):
    """Recorded volunteer service: who, what, where, when, hours, confirmed by whom."""

    __tablename__ = "service_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    content: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    served_at: Mapped[datetime]
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    evaluation: Mapped[str | None] = mapped_column(Text)
    correction_requested: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
