"""Activities (活动) with sign-ups, a waitlist and check-in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

SIGNUP_STATES = ("confirmed", "waitlisted", "promoted", "cancelled", "attended", "absent")


class Activity(Base):
    """An organizer's activity: time, place, slots, wanted skills, audience."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    slots: Mapped[int] = mapped_column(default=10)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checkin_code: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivitySignup(Base):
    """A volunteer's place on an activity, or on its waitlist."""

    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promote_due_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]


class CheckinAttempt(Base):
    """A check-in code that checked nobody in, counted per person so codes can't be walked."""

    __tablename__ = "checkin_attempts"
    __table_args__ = (Index("ix_checkin_attempts_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
