"""The region tree: lookups, children, subtrees."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Region

_PATH_NAMES = (
    select(Region.name)
    .where(Region.id.in_(bindparam("ids", expanding=True)), Region.level != "district")
    .order_by(func.length(Region.path))
)
_PATH_CACHE = "regions.path_names"


async def by_id(session: AsyncSession, region_id: int) -> Region | None:
    """A region by id."""
    return await session.get(Region, region_id)


async def path_names(session: AsyncSession, region: Region) -> list[str]:
    """The names from just below the district (the street) down to the region.

    Kept for the rest of the transaction: several messages handled together often share them.
    """
    cache: dict[int, list[str]] = session.info.setdefault(_PATH_CACHE, {})
    if region.id not in cache:
        rows = await session.execute(_PATH_NAMES, {"ids": region.path_ids()})
        cache[region.id] = list(rows.scalars())
    return cache[region.id]


async def by_code(session: AsyncSession, code: str) -> Region | None:
    """A region by its code."""
    return (await session.execute(select(Region).where(Region.code == code))).scalar_one_or_none()


async def children(
    session: AsyncSession, parent_id: int | None, level: str | None = None
) -> list[Region]:
    """The direct children of a region (or the roots), ordered by code."""
    query = select(Region).where(
        Region.parent_id == parent_id if parent_id else Region.parent_id.is_(None)
    )
    if level:
        query = query.where(Region.level == level)
    return list((await session.execute(query.order_by(Region.code))).scalars())


async def at_level(session: AsyncSession, level: str, within: Region | None = None) -> list[Region]:
    """Every region of a level, optionally inside a subtree."""
    query = select(Region).where(Region.level == level)
    if within is not None:
        query = query.where(Region.path.startswith(within.path))
    return list((await session.execute(query.order_by(Region.code))).scalars())


async def ancestor_at(session: AsyncSession, region: Region, level: str) -> Region | None:
    """The region's ancestor (or itself) at a level."""
    if region.level == level:
        return region
    ids = region.path_ids()
    if not ids:
        return None
    rows = await session.execute(select(Region).where(Region.id.in_(ids), Region.level == level))
    return rows.scalar_one_or_none()


def contains(scope: Region, region: Region) -> bool:
    """Whether `region` lies in the subtree of `scope`."""
    return region.path.startswith(scope.path)


async def add(
    session: AsyncSession,
    *,
    code: str,
    level: str,
    name: str,
    parent: Region | None,
    **fields: object,
) -> Region:
    """Create a region under `parent`, with its materialized path."""
    region = Region(
        code=code, level=level, name=name, parent_id=parent.id if parent else None, **fields
    )
    session.add(region)
    await session.flush()
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    await session.flush()
    return region


async def communities_of(session: AsyncSession, held: Sequence[Region]) -> list[Region]:
    """The communities inside or around the regions someone holds (a street's communities, a
    grid's community), each once, by path."""
    found: dict[int, Region] = {}
    for region in held:
        if region.level in ("district", "street"):
            inside = await at_level(session, "community", within=region)
        elif region.level == "community":
            inside = [region]
        else:
            above = await ancestor_at(session, region, "community")
            inside = [above] if above is not None else []
        found |= {c.id: c for c in inside}
    return sorted(found.values(), key=lambda c: c.path)
