"""吹哨报到: departments and property companies, their staff, invite codes, and hand-offs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

# 城管, 公安, 市场监管, 住建, 消防, and property companies (物业).
DEPARTMENT_KINDS = ("chengguan", "police", "market", "housing", "fire", "property")
HANDOFF_STATES = ("handed", "help", "answered", "returned")


class Department(Base):
    """A government department or property company that takes hand-offs (吹哨) in its regions."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DepartmentRegion(Base):
    """A region (subtree) a department serves."""

    __tablename__ = "department_regions"
    __table_args__ = (UniqueConstraint("department_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)


class StaffMember(Base):
    """A person working for a department or for a unit (exactly one of the two)."""

    __tablename__ = "staff_members"
    __table_args__ = (Index("ix_staff_members_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    lead: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]


class StaffInvite(Base):
    """A single-use code that makes its redeemer staff of a department or unit (/join CODE)."""

    __tablename__ = "staff_invites"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    lead: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))


class Handoff(Base):
    """A grid report handed to one department with a deadline (吹哨), and its answer (报到)."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grid_reports.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    handed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="handed")
    answer: Mapped[str | None] = mapped_column(Text)
    answer_photo: Mapped[str | None] = mapped_column(String(255))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    responded_at: Mapped[datetime | None]  # the department's first answer of any kind
    answered_at: Mapped[datetime | None]  # reported back as done (报到)
    escalation_level: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
