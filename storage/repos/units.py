"""Units in the area (驻区单位): lookups, their resources, bookings and group sign-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Region, ResourceBooking, StaffMember, Unit, UnitResource, UnitSignup


async def of_person(session: AsyncSession, person_id: int) -> list[Unit]:
    """The units a person works for."""
    rows = await session.execute(
        select(Unit)
        .join(StaffMember, StaffMember.unit_id == Unit.id)
        .where(StaffMember.person_id == person_id, StaffMember.left_at.is_(None))
        .order_by(Unit.id)
    )
    return list(rows.scalars().unique())


async def in_scopes(
    session: AsyncSession, scopes: Sequence[Region], statuses: Sequence[str] | None = None
) -> list[Unit]:
    """Units whose community lies in one of the region subtrees."""
    if not scopes:
        return []
    rows = await session.execute(
        select(Unit, Region.path).join(Region, Region.id == Unit.region_id).order_by(Unit.id)
    )
    found = []
    for unit, path in rows.all():
        if any(path.startswith(s.path) for s in scopes) and (
            statuses is None or unit.status in statuses
        ):
            found.append(unit)
    return found


async def resources(
    session: AsyncSession, unit_ids: Sequence[int], direction: str | None = None
) -> list[UnitResource]:
    """The active resources (offers, needs or both) of some units, by unit and id."""
    if not unit_ids:
        return []
    query = select(UnitResource).where(
        UnitResource.unit_id.in_(unit_ids), UnitResource.active.is_(True)
    )
    if direction is not None:
        query = query.where(UnitResource.direction == direction)
    rows = await session.execute(query.order_by(UnitResource.unit_id, UnitResource.id))
    return list(rows.scalars())


async def overlapping(
    session: AsyncSession, resource_id: int, starts_at: datetime, ends_at: datetime
) -> list[ResourceBooking]:
    """Live bookings of a resource that overlap [starts_at, ends_at)."""
    rows = await session.execute(
        select(ResourceBooking).where(
            ResourceBooking.resource_id == resource_id,
            ResourceBooking.status == "booked",
            ResourceBooking.starts_at < ends_at,
            ResourceBooking.ends_at > starts_at,
        )
    )
    return list(rows.scalars())


async def lock_resource(session: AsyncSession, resource_id: int) -> UnitResource | None:
    """A resource, locked for the booking check (PostgreSQL; SQLite has one writer anyway)."""
    return await session.get(UnitResource, resource_id, with_for_update=True)


async def bookings_of(session: AsyncSession, resource_ids: Sequence[int]) -> list[ResourceBooking]:
    """Live bookings of some resources, by start."""
    if not resource_ids:
        return []
    rows = await session.execute(
        select(ResourceBooking)
        .where(ResourceBooking.resource_id.in_(resource_ids), ResourceBooking.status == "booked")
        .order_by(ResourceBooking.starts_at)
    )
    return list(rows.scalars())


async def group_places(session: AsyncSession, activity_id: int) -> int:
    """Places units have taken as groups in an activity."""
    total = await session.execute(
        select(func.coalesce(func.sum(UnitSignup.people), 0)).where(
            UnitSignup.activity_id == activity_id
        )
    )
    return int(total.scalar_one())
