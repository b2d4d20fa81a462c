"""Service needs (服务需求): the catalog, residents to enter needs for, needs and their states."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Need, Person, Region, ServiceItem, TargetGroup


async def service_items(session: AsyncSession) -> list[ServiceItem]:
    """The whole service catalog, by department and code."""
    rows = await session.execute(
        select(ServiceItem).order_by(ServiceItem.department, ServiceItem.code)
    )
    return list(rows.scalars())


async def target_groups(session: AsyncSession) -> list[TargetGroup]:
    """Every target group (独居老人, 残疾人 …), by code."""
    return list((await session.execute(select(TargetGroup).order_by(TargetGroup.code))).scalars())


async def residents_named(
    session: AsyncSession, scope: Region, name: str, limit: int = 8
) -> list[Person]:
    """People living in a region subtree whose name contains `name` (not erased)."""
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await session.execute(
        select(Person)
        .join(Region, Region.id == Person.home_region_id)
        .where(
            Region.path.startswith(scope.path),
            Person.erased_at.is_(None),
            Person.display_name.like(pattern, escape="\\"),
        )
        .order_by(Person.display_name, Person.id)
        .limit(limit)
    )
    return list(rows.unique().scalars())


async def has_channel(session: AsyncSession, person_id: int) -> bool:
    """Whether a person can be reached on some channel (else they were entered door to door)."""
    row = await session.execute(
        select(Identity.id).where(
            Identity.person_id == person_id, Identity.unreachable_at.is_(None)
        )
    )
    return row.first() is not None


async def get(session: AsyncSession, need_id: int) -> Need | None:
    """A need by id."""
    return await session.get(Need, need_id)


async def of_person(session: AsyncSession, person_id: int, limit: int = 10) -> list[Need]:
    """A person's own needs, newest first."""
    rows = await session.execute(
        select(Need).where(Need.person_id == person_id).order_by(Need.id.desc()).limit(limit)
    )
    return list(rows.scalars())


async def in_scopes(
    session: AsyncSession,
    scopes: Sequence[Region],
    statuses: Sequence[str],
    limit: int = 50,
) -> list[Need]:
    """Needs in any of the region subtrees with one of the statuses, oldest first."""
    if not scopes:
        return []
    rows = await session.execute(
        select(Need)
        .join(Region, Region.id == Need.region_id)
        .where(
            Need.status.in_(statuses),
            or_(*(Region.path.startswith(scope.path) for scope in scopes)),
        )
        .order_by(Need.created_at, Need.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def transition(
    session: AsyncSession, need_id: int, seen: str, to: str, now: datetime, **values: Any
) -> bool:
    """Move a need from the status the caller saw to `to`; False if it changed meanwhile."""
    result = await session.execute(
        update(Need)
        .where(Need.id == need_id, Need.status == seen)
        .values(status=to, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def rate(session: AsyncSession, need_id: int, stars: int, now: datetime) -> bool:
    """Record the satisfaction rating of a done need, once; False if done-and-unrated no more."""
    result = await session.execute(
        update(Need)
        .where(Need.id == need_id, Need.status == "done", Need.rating.is_(None))
        .values(rating=stars, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def export(
    session: AsyncSession, scope: Region | None
) -> list[tuple[Need, ServiceItem, Region]]:
    """Every need (in a region subtree, if given) with its service item and region, oldest first."""
    rows = await session.execute(
        select(Need, ServiceItem, Region)
        .join(ServiceItem, ServiceItem.id == Need.service_item_id)
        .join(Region, Region.id == Need.region_id)
        .where(Region.path.startswith(scope.path) if scope is not None else true())
        .order_by(Need.id)
    )
    return [(need, item, region) for need, item, region in rows.all()]


async def names(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, str]:
    """Display names by person id."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.display_name).where(Person.id.in_(set(person_ids)))
    )
    return {pid: name for pid, name in rows.all()}
