"""The community joint meeting (联席会议): participants, agenda items, votes; project milestones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

MEETING_STATES = ("scheduled", "held", "published", "cancelled")
CAPACITIES = ("resident_rep", "property", "owners_committee", "social_org", "unit", "staff")
ANSWERS = ("invited", "attend", "decline")
VOTES = ("for", "against", "abstain")
OUTCOMES = ("passed", "rejected", "deferred")


class Meeting(Base):
    """One joint meeting of a community: when, where, who called it, its minutes and notice."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # The month's hot issue (每月一题) as computed when the agenda was built: a snapshot, so the
    # minutes show what the meeting saw even after more reports arrive.
    hot_issue: Mapped[dict[str, Any]] = mapped_column(default=dict)
    minutes: Mapped[str | None] = mapped_column(Text)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]


class MeetingParticipant(Base):
    """A person invited to a meeting, in a capacity (居民代表, 物业, 业委会 …), and their answer."""

    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    capacity: Mapped[str] = mapped_column(String(16))
    affiliation: Mapped[str | None] = mapped_column(String(150))
    answer: Mapped[str] = mapped_column(String(16), default="invited")
    answered_at: Mapped[datetime | None]


class MeetingItem(Base):
    """One agenda item: a proposal that reached its threshold, or the month's hot issue."""

    __tablename__ = "meeting_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]


class MeetingVote(Base):
    """A participant's vote on one agenda item (for, against, abstain); one per participant."""

    __tablename__ = "meeting_votes"
    __table_args__ = (UniqueConstraint("item_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_items.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("meeting_participants.id"))
    choice: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectMilestone(Base):
    """A milestone of a practical project (实事项目): what, by when, and when it was reached."""

    __tablename__ = "project_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None]
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
