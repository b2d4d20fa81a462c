"""Party members (双报到): their reports to a community, and what they did there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    ActivitySignup,
    PartyMember,
    Person,
    Region,
    ServiceRecord,
    Unit,
    VolunteerProfile,
)


async def get(session: AsyncSession, person_id: int) -> PartyMember | None:
    """The person's report, if any."""
    return await session.get(PartyMember, person_id)


async def of_communities(
    session: AsyncSession, community_ids: Sequence[int]
) -> list[tuple[PartyMember, Person]]:
    """Members reported to any of the communities, unconfirmed first, then by name."""
    if not community_ids:
        return []
    rows = await session.execute(
        select(PartyMember, Person)
        .join(Person, Person.id == PartyMember.person_id)
        .where(PartyMember.community_id.in_(list(community_ids)), Person.erased_at.is_(None))
        .order_by(PartyMember.confirmed_at.is_not(None), Person.display_name, Person.id)
    )
    return [(member, person) for member, person in rows.all()]


@dataclass
class Served:
    """Service in a community over a period: records, hours, distinct people."""

    tasks: int = 0
    activities: int = 0
    hours: Decimal = Decimal(0)
    people: int = 0


@dataclass
class Participation:
    """A community's participation: volunteers and party members, and what each group did."""

    volunteers: int = 0
    party: dict[str, int] = field(default_factory=dict)  # kind → members reported
    party_confirmed: int = 0
    party_volunteers: int = 0  # party members who also signed up as volunteers
    everyone: Served = field(default_factory=Served)
    party_served: Served = field(default_factory=Served)
    checkins: int = 0
    party_checkins: int = 0
    # In-service members per unit: (unit name, registered unit?, members), most members first.
    by_unit: list[tuple[str, bool, int]] = field(default_factory=list)


async def participation(
    session: AsyncSession, community: Region, start: datetime, end: datetime
) -> Participation:
    """Who takes part in a community, and what they did there in [start, end).

    Volunteers and party members are those whose home (report) is the community; service counts
    where it took place (the record's region in the community), whoever did it, so a party member
    of another community helping here counts here; so do activity check-ins.
    """
    found = Participation()
    inside = Region.path.startswith(community.path)
    found.volunteers = int(
        await session.scalar(
            select(func.count(VolunteerProfile.person_id))
            .join(Person, Person.id == VolunteerProfile.person_id)
            .join(Region, Region.id == Person.home_region_id)
            .where(inside, Person.erased_at.is_(None))
        )
        or 0
    )
    members = select(PartyMember.person_id).where(PartyMember.community_id == community.id)
    for kind, count in await session.execute(
        select(PartyMember.kind, func.count())
        .where(PartyMember.community_id == community.id)
        .group_by(PartyMember.kind)
    ):
        found.party[kind] = int(count)
    found.party_confirmed = int(
        await session.scalar(
            select(func.count()).where(
                PartyMember.community_id == community.id, PartyMember.confirmed_at.is_not(None)
            )
        )
        or 0
    )
    found.party_volunteers = int(
        await session.scalar(
            select(func.count(VolunteerProfile.person_id)).where(
                VolunteerProfile.person_id.in_(members)
            )
        )
        or 0
    )
    found.by_unit = await in_service_by_unit(session, community)
    anyone_party = select(PartyMember.person_id)
    for target, only_party in ((found.everyone, False), (found.party_served, True)):
        query = (
            select(
                func.count(ServiceRecord.assignment_id),
                func.count(ServiceRecord.activity_id),
                func.coalesce(func.sum(ServiceRecord.hours), 0),
                func.count(func.distinct(ServiceRecord.person_id)),
            )
            .join(Region, Region.id == ServiceRecord.region_id)
            .where(inside, ServiceRecord.served_at >= start, ServiceRecord.served_at < end)
        )
        if only_party:
            query = query.where(ServiceRecord.person_id.in_(anyone_party))
        tasks, activities, hours, people = (await session.execute(query)).one()
        target.tasks, target.activities = int(tasks), int(activities)
        target.hours, target.people = Decimal(str(hours)), int(people)
    checkins = (
        select(func.count(ActivitySignup.id))
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .join(Region, Region.id == Activity.region_id)
        .where(
            inside,
            ActivitySignup.checked_in_at >= start,
            ActivitySignup.checked_in_at < end,
        )
    )
    found.checkins = int(await session.scalar(checkins) or 0)
    found.party_checkins = int(
        await session.scalar(checkins.where(ActivitySignup.person_id.in_(anyone_party))) or 0
    )
    return found


async def in_service_by_unit(
    session: AsyncSession, community: Region
) -> list[tuple[str, bool, int]]:
    """In-service members of a community per unit: a registered unit by its row (its current
    name), any other by the name typed; (name, registered, members), most members first."""
    rows = await session.execute(
        select(PartyMember.unit_id, Unit.name, PartyMember.unit_name, func.count())
        .outerjoin(Unit, Unit.id == PartyMember.unit_id)
        .where(PartyMember.community_id == community.id, PartyMember.kind == "in_service")
        .group_by(PartyMember.unit_id, Unit.name, PartyMember.unit_name)
    )
    counts: dict[tuple[str, bool], int] = {}
    for unit_id, registered_name, typed, n in rows.all():
        key = (str(registered_name), True) if unit_id is not None else (str(typed or "—"), False)
        counts[key] = counts.get(key, 0) + int(n)
    return sorted(
        ((name, registered, n) for (name, registered), n in counts.items()),
        key=lambda row: (-row[2], row[0]),
    )
