"""Social organizations (社会组织): lookups, scopes, and counts per community by tier."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Organization, Region


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
