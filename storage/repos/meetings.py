"""Joint meetings (联席会议): participants, agenda items, votes, the hot issue's counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    GridReport,
    Meeting,
    MeetingItem,
    MeetingParticipant,
    MeetingVote,
    Need,
    Person,
    ProjectMilestone,
    Region,
    ServiceItem,
)


async def get(session: AsyncSession, meeting_id: int, *, lock: bool = False) -> Meeting | None:
    """A meeting by id; `lock` takes a row lock so outcomes and the notice are written once."""
    if lock:
        query = (
            select(Meeting)
            .where(Meeting.id == meeting_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await session.execute(query)).scalar_one_or_none()
    return await session.get(Meeting, meeting_id)


async def of_communities(
    session: AsyncSession, community_ids: list[int], limit: int = 10
) -> list[Meeting]:
    """Meetings of these communities, newest first."""
    rows = await session.execute(
        select(Meeting)
        .where(Meeting.community_id.in_(community_ids))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def of_participant(session: AsyncSession, person_id: int, limit: int = 10) -> list[Meeting]:
    """Meetings a person is invited to, newest first."""
    rows = await session.execute(
        select(Meeting)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .where(MeetingParticipant.person_id == person_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def participants(session: AsyncSession, meeting_id: int) -> list[MeetingParticipant]:
    """A meeting's participants in the order they were invited."""
    rows = await session.execute(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting_id)
        .order_by(MeetingParticipant.id)
    )
    return list(rows.scalars())


async def participant(
    session: AsyncSession, meeting_id: int, person_id: int
) -> MeetingParticipant | None:
    """The person's participation in a meeting, if invited."""
    return await session.scalar(
        select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == meeting_id, MeetingParticipant.person_id == person_id
        )
    )


async def items(session: AsyncSession, meeting_id: int) -> list[MeetingItem]:
    """A meeting's agenda in order."""
    rows = await session.execute(
        select(MeetingItem)
        .where(MeetingItem.meeting_id == meeting_id)
        .order_by(MeetingItem.position, MeetingItem.id)
    )
    return list(rows.scalars())


async def items_of_proposal(session: AsyncSession, proposal_id: int) -> list[MeetingItem]:
    """The agenda items a proposal has been, oldest first."""
    rows = await session.execute(
        select(MeetingItem).where(MeetingItem.proposal_id == proposal_id).order_by(MeetingItem.id)
    )
    return list(rows.scalars())


async def tally(session: AsyncSession, item_ids: list[int]) -> dict[int, dict[str, int]]:
    """Votes per item: {item id: {"for": n, "against": n, "abstain": n}}."""
    found: dict[int, dict[str, int]] = {i: {"for": 0, "against": 0, "abstain": 0} for i in item_ids}
    if not item_ids:
        return found
    rows = await session.execute(
        select(MeetingVote.item_id, MeetingVote.choice, func.count())
        .where(MeetingVote.item_id.in_(item_ids))
        .group_by(MeetingVote.item_id, MeetingVote.choice)
    )
    for item_id, choice, n in rows.all():
        found[item_id][choice] = int(n)
    return found


async def votes_by_name(session: AsyncSession, item_id: int) -> list[tuple[str, str]]:
    """(participant's name, choice) of an item's votes, in the order cast."""
    rows = await session.execute(
        select(Person.display_name, MeetingVote.choice)
        .join(MeetingParticipant, MeetingParticipant.id == MeetingVote.participant_id)
        .join(Person, Person.id == MeetingParticipant.person_id)
        .where(MeetingVote.item_id == item_id)
        .order_by(MeetingVote.id)
    )
    return [(str(name), str(choice)) for name, choice in rows.all()]


async def vote_of(session: AsyncSession, item_id: int, participant_id: int) -> MeetingVote | None:
    """A participant's vote on an item, if cast."""
    return await session.scalar(
        select(MeetingVote).where(
            MeetingVote.item_id == item_id, MeetingVote.participant_id == participant_id
        )
    )


async def people_named(session: AsyncSession, names: list[str]) -> dict[str, list[Person]]:
    """Registered, not erased people by display name (a name may be shared)."""
    found: dict[str, list[Person]] = {name: [] for name in names}
    if not names:
        return found
    rows = await session.execute(
        select(Person)
        .where(
            Person.display_name.in_(names),
            Person.erased_at.is_(None),
            Person.consent_version.is_not(None),
        )
        .order_by(Person.id)
    )
    for person in rows.scalars():
        found[person.display_name].append(person)
    return found


async def report_counts(
    session: AsyncSession, path: str, start: datetime, end: datetime
) -> dict[str, int]:
    """Grid reports per category filed in a region subtree between two instants."""
    area = select(Region.id).where(Region.path.startswith(path))
    rows = await session.execute(
        select(GridReport.category, func.count())
        .where(
            GridReport.region_id.in_(area),
            GridReport.created_at >= start,
            GridReport.created_at < end,
        )
        .group_by(GridReport.category)
    )
    return {str(cat): int(n) for cat, n in rows.all()}


async def need_counts(
    session: AsyncSession, path: str, start: datetime, end: datetime
) -> dict[str, int]:
    """Service needs per service item code asked in a region subtree between two instants."""
    area = select(Region.id).where(Region.path.startswith(path))
    rows = await session.execute(
        select(ServiceItem.code, func.count())
        .select_from(Need)
        .join(ServiceItem, ServiceItem.id == Need.service_item_id)
        .where(Need.region_id.in_(area), Need.created_at >= start, Need.created_at < end)
        .group_by(ServiceItem.code)
    )
    return {str(code): int(n) for code, n in rows.all()}


async def report_examples(
    session: AsyncSession, path: str, category: str, start: datetime, end: datetime, limit: int
) -> list[str]:
    """The texts of the latest grid reports of one category in a subtree and period."""
    area = select(Region.id).where(Region.path.startswith(path))
    rows = await session.execute(
        select(GridReport.text)
        .where(
            GridReport.region_id.in_(area),
            GridReport.category == category,
            GridReport.created_at >= start,
            GridReport.created_at < end,
        )
        .order_by(GridReport.id.desc())
        .limit(limit)
    )
    return [str(t) for t in rows.scalars()]


async def need_examples(
    session: AsyncSession, path: str, code: str, start: datetime, end: datetime, limit: int
) -> list[str]:
    """The notes (or places) of the latest needs for one service item in a subtree and period."""
    area = select(Region.id).where(Region.path.startswith(path))
    rows = await session.execute(
        select(Need.notes, Need.place)
        .join(ServiceItem, ServiceItem.id == Need.service_item_id)
        .where(
            Need.region_id.in_(area),
            ServiceItem.code == code,
            Need.created_at >= start,
            Need.created_at < end,
        )
        .order_by(Need.id.desc())
        .limit(limit)
    )
    return [str(notes or place) for notes, place in rows.all() if notes or place]


async def item_names(session: AsyncSession, codes: list[str]) -> dict[str, tuple[str, str]]:
    """Service items' (Chinese, English) names by code."""
    if not codes:
        return {}
    rows = await session.execute(
        select(ServiceItem.code, ServiceItem.name_zh, ServiceItem.name_en).where(
            ServiceItem.code.in_(codes)
        )
    )
    return {str(c): (str(zh), str(en)) for c, zh, en in rows.all()}


async def milestones(session: AsyncSession, proposal_id: int) -> list[ProjectMilestone]:
    """A project's milestones in order of their dates."""
    rows = await session.execute(
        select(ProjectMilestone)
        .where(ProjectMilestone.proposal_id == proposal_id)
        .order_by(ProjectMilestone.due_date, ProjectMilestone.id)
    )
    return list(rows.scalars())


def as_row(meeting: Meeting) -> dict[str, Any]:
    """The fields of a meeting as plain data (for exports and the office pages)."""
    return {
        "id": meeting.id,
        "community_id": meeting.community_id,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "status": meeting.status,
        "published_at": meeting.published_at,
    }
