"""Role grants over region subtrees, and invite codes that confer them."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Region, RoleGrant

_ACTIVE_GRANTS = select(RoleGrant).where(
    RoleGrant.person_id == bindparam("person"), RoleGrant.revoked_at.is_(None)
)


async def active_grants(session: AsyncSession, person_id: int) -> list[RoleGrant]:
    """A person's roles that are not revoked."""
    rows = await session.execute(_ACTIVE_GRANTS, {"person": person_id})
    return list(rows.scalars())


async def holds(
    session: AsyncSession, person_id: int, roles: tuple[str, ...], region: Region
) -> bool:
    """Whether the person holds one of `roles` over a subtree that contains `region`."""
    for grant in await active_grants(session, person_id):
        if grant.role in roles and region.path.startswith(grant.region.path):
            return True
    return False


async def holders(session: AsyncSession, roles: tuple[str, ...], region: Region) -> list[int]:
    """Person ids holding one of `roles` over a scope containing `region`, nearest scope first."""
    ids = region.path_ids()
    rows = await session.execute(
        select(RoleGrant.person_id, Region.path)
        .join(Region, Region.id == RoleGrant.region_id)
        .where(
            RoleGrant.role.in_(roles), RoleGrant.revoked_at.is_(None), RoleGrant.region_id.in_(ids)
        )
    )
    ordered = sorted(rows.all(), key=lambda r: -len(r[1]))
    seen: list[int] = []
    for person_id, _ in ordered:
        if person_id not in seen:
            seen.append(person_id)
    return seen
