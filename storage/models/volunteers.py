"""Volunteer profiles and social organizations (the "1710" plan)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

REACHES = ("building", "grid", "community", "street")
ORG_TIERS = ("professional", "registered", "grassroots")
ORG_CATEGORIES = ("life_service", "charity", "culture_sports", "mediation", "association", "other")
# Incubation (孵化) of community organizations and their filing (备案) with the street.
ORG_INCUBATION = ("none", "incubating", "graduated")
ORG_FILING = ("none", "applied", "filed")
# A membership: asked (waiting for the organization or an organizer), active, declined, left.
MEMBER_STATUSES = ("pending", "active", "declined", "left")


class VolunteerProfile(Base):
    """A person's volunteer sign-up: skills, availability, home grid, load and history."""

    __tablename__ = "volunteer_profiles"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    free_skills: Mapped[str] = mapped_column(String(500), default="")
    availability: Mapped[list[Any]] = mapped_column(default=list)
    home_grid_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    reach: Mapped[str] = mapped_column(String(16), default="community")
    max_tasks_week: Mapped[int] = mapped_column(default=3)
    certifications: Mapped[list[Any]] = mapped_column(default=list)
    paused: Mapped[bool] = mapped_column(default=False)
    show_name: Mapped[bool] = mapped_column(default=False)
    offers: Mapped[int] = mapped_column(default=0)
    accepts: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    last_task_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Organization(Base):
    """A social organization: tier, category, region served, capacity."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    tier: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    capacity: Mapped[int] = mapped_column(default=1)
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    intro: Mapped[str] = mapped_column(String(500), default="")
    incubation: Mapped[str] = mapped_column(String(16), default="none")
    filing: Mapped[str] = mapped_column(String(16), default="none")
    open_join: Mapped[bool] = mapped_column(default=False)  # join at once, or ask first


class OrganizationMember(Base):
    """A person's membership of an organization."""

    __tablename__ = "organization_members"
    __table_args__ = (UniqueConstraint("organization_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
