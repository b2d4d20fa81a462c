"""Which regions a staff member sees in the office: the subtrees of their roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from handlers.core.auth import STAFF_ROLES
from handlers.core.errors import NotAllowed
from storage.models import Person, Region
from storage.repos import roles


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member and the regions they hold roles over."""

    person: Person
    grants: tuple[tuple[str, Region], ...]

    @property
    def roots(self) -> list[Region]:
        """The top regions of their roles (no region twice, none inside another)."""
        regions = {r.id: r for _, r in self.grants}
        return [
            r
            for r in regions.values()
            if not any(o.id != r.id and r.path.startswith(o.path) for o in regions.values())
        ]

    def sees(self, region: Region, allowed: tuple[str, ...] = STAFF_ROLES) -> bool:
        """Whether one of `allowed` roles covers `region` (the chat's roles-over-regions rule)."""
        return any(role in allowed and region.path.startswith(r.path) for role, r in self.grants)

    def require(self, region: Region, allowed: tuple[str, ...] = STAFF_ROLES) -> None:
        """Refuse unless `sees(region, allowed)`."""
        if not self.sees(region, allowed):
            raise NotAllowed()


async def staff_of(session: AsyncSession, person: Person, policy_version: str) -> Staff | None:
    """The person as staff, or None if not registered under the policy or holding no staff role."""
    if person.erased_at is not None or person.consent_version != policy_version:
        return None
    grants = tuple(
        (g.role, g.region)
        for g in await roles.active_grants(session, person.id)
        if g.role in STAFF_ROLES
    )
    return Staff(person, grants) if grants else None


async def subtree(session: AsyncSession, region: Region, down_to: str = "grid") -> list[Region]:
    """A region and everything under it down to a level (buildings left out by default)."""
    levels = ("district", "street", "community", "grid", "building")
    keep = levels[: levels.index(down_to) + 1]
    rows = await session.execute(
        select(Region)
        .where(Region.path.startswith(region.path), Region.level.in_(keep))
        .order_by(Region.path)
    )
    return list(rows.scalars())


async def all_below(
    session: AsyncSession, region: Region, *, outlines: bool = False
) -> list[Region]:
    """A region and every region under it, buildings included (`outlines`: with geometry)."""
    query = select(Region).where(Region.path.startswith(region.path))
    if outlines:
        query = query.options(undefer(Region.geometry))
    rows = await session.execute(query)
    return list(rows.scalars())
