"""Social organizations (社会组织): lookups, scopes, and counts per community by tier."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Activity, Organization, OrganizationMember, Person, Region


async def by_name(session: AsyncSession, name: str) -> Organization | None:
    """The organization with exactly this name."""
    rows = await session.execute(select(Organization).where(Organization.name == name))
    return rows.scalar_one_or_none()


async def in_scopes(
    session: AsyncSession, scopes: Sequence[Region]
) -> list[tuple[Organization, Region]]:
    """Organizations whose region lies in any of the subtrees, with that region, by path then id."""
    if not scopes:
        return []
    rows = await session.execute(
        select(Organization, Region)
        .join(Region, Region.id == Organization.region_id)
        .where(or_(*(Region.path.startswith(scope.path) for scope in scopes)))
        .order_by(Region.path, Organization.id)
    )
    return [(org, region) for org, region in rows.all()]


async def tiers_per_community(
    session: AsyncSession, within: Region | None = None
) -> list[tuple[Region, dict[str, int]]]:
    """Every community (in a subtree, if given) with its organizations counted by tier.

    An organization counts for a community when its region is the community or lies inside it;
    organizations registered at street or district level serve several communities and count
    for none of them here.
    """
    community, area = aliased(Region), aliased(Region)
    query = select(community).where(community.level == "community").order_by(community.code)
    if within is not None:
        query = query.where(community.path.startswith(within.path))
    communities = list((await session.execute(query)).scalars())
    counts: dict[int, dict[str, int]] = {c.id: {} for c in communities}
    if communities:
        rows = await session.execute(
            select(community.id, Organization.tier, func.count(Organization.id))
            .join(area, area.path.startswith(community.path))
            .join(Organization, Organization.region_id == area.id)
            .where(community.id.in_(list(counts)))
            .group_by(community.id, Organization.tier)
        )
        for community_id, tier, count in rows.all():
            counts[community_id][tier] = int(count)
    return [(c, counts[c.id]) for c in communities]


# -- residents finding organizations, and memberships ----------------------------------------------


async def get(session: AsyncSession, org_id: int) -> Organization | None:
    """An organization by id."""
    return await session.get(Organization, org_id)


async def serving(
    session: AsyncSession, community: Region, category: str | None = None
) -> list[tuple[Organization, Region]]:
    """Organizations a resident of `community` can join: those inside it, and those registered
    above it (street, district) that serve several communities; by tier, then name."""
    query = (
        select(Organization, Region)
        .join(Region, Region.id == Organization.region_id)
        .where(
            or_(
                Region.path.startswith(community.path),
                Region.id.in_(list(community.path_ids())),
            )
        )
        .order_by(Organization.tier, Organization.name)
    )
    if category is not None:
        query = query.where(Organization.category == category)
    return [(org, region) for org, region in (await session.execute(query)).all()]


async def membership(
    session: AsyncSession, org_id: int, person_id: int
) -> OrganizationMember | None:
    """The person's membership row of the organization (any status)."""
    return await session.scalar(
        select(OrganizationMember).where(
            OrganizationMember.organization_id == org_id,
            OrganizationMember.person_id == person_id,
        )
    )


async def member(session: AsyncSession, member_id: int) -> OrganizationMember | None:
    """A membership row by id."""
    return await session.get(OrganizationMember, member_id)


async def active_counts(session: AsyncSession, org_ids: Sequence[int]) -> dict[int, int]:
    """Active members per organization."""
    if not org_ids:
        return {}
    rows = await session.execute(
        select(OrganizationMember.organization_id, func.count())
        .where(
            OrganizationMember.organization_id.in_(list(org_ids)),
            OrganizationMember.status == "active",
        )
        .group_by(OrganizationMember.organization_id)
    )
    return {org_id: int(count) for org_id, count in rows.all()}


async def memberships_of(
    session: AsyncSession, person_id: int
) -> list[tuple[OrganizationMember, Organization]]:
    """The person's memberships that are active or asked, with their organizations."""
    rows = await session.execute(
        select(OrganizationMember, Organization)
        .join(Organization, Organization.id == OrganizationMember.organization_id)
        .where(
            OrganizationMember.person_id == person_id,
            OrganizationMember.status.in_(("active", "pending")),
        )
        .order_by(Organization.name)
    )
    return [(m, org) for m, org in rows.all()]


async def pending(
    session: AsyncSession, scopes: Sequence[Region], contact_id: int
) -> list[tuple[OrganizationMember, Organization, Person]]:
    """Requests to join waiting: of organizations in the scopes, or whose contact is the person."""
    where = [Organization.contact_person_id == contact_id]
    where += [Region.path.startswith(scope.path) for scope in scopes]
    rows = await session.execute(
        select(OrganizationMember, Organization, Person)
        .join(Organization, Organization.id == OrganizationMember.organization_id)
        .join(Region, Region.id == Organization.region_id)
        .join(Person, Person.id == OrganizationMember.person_id)
        .where(OrganizationMember.status == "pending", or_(*where))
        .order_by(OrganizationMember.id)
    )
    return [(m, org, person) for m, org, person in rows.all()]


async def upcoming_activities(
    session: AsyncSession, org_id: int, now: datetime, limit: int = 5
) -> list[Activity]:
    """The organization's activities that have not ended, soonest first."""
    rows = await session.execute(
        select(Activity)
        .where(
            Activity.organization_id == org_id,
            Activity.ends_at > now,
            Activity.status == "open",
        )
        .order_by(Activity.starts_at)
        .limit(limit)
    )
    return list(rows.scalars())


async def in_progress(session: AsyncSession, community: Region) -> list[Organization]:
    """Organizations of the community being incubated or whose filing (备案) is under way."""
    rows = await session.execute(
        select(Organization)
        .join(Region, Region.id == Organization.region_id)
        .where(
            Region.path.startswith(community.path),
            or_(Organization.incubation == "incubating", Organization.filing == "applied"),
        )
        .order_by(Organization.name)
    )
    return list(rows.scalars())
