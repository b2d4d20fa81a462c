"""Units in the area (驻区单位): what they offer and need, bookings, and group sign-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

UNIT_STATES = ("pending", "approved", "rejected")
RESOURCE_KINDS = ("venue", "equipment", "people", "money")


class Unit(Base):
    """A unit in a community (a company, school, hospital, agency) that serves it both ways."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class UnitResource(Base):
    """Something a unit offers (direction "offer") or needs ("need"): a venue, equipment …"""

    __tablename__ = "unit_resources"
    __table_args__ = (Index("ix_unit_resources_unit_direction", "unit_id", "direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    direction: Mapped[str] = mapped_column(String(8), default="offer")
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=1)  # seats, pieces, people, yuan
    availability: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceBooking(Base):
    """A resource booked for an activity or a practical project (by proposal) for a time."""

    __tablename__ = "resource_bookings"
    __table_args__ = (Index("ix_resource_bookings_resource_start", "resource_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("unit_resources.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    quantity: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked | cancelled
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnitSignup(Base):
    """A unit volunteering as a group for an activity: N of its people."""

    __tablename__ = "unit_signups"
    __table_args__ = (UniqueConstraint("activity_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    people: Mapped[int] = mapped_column(default=1)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
