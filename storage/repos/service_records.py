"""Recorded volunteer service (志愿服务记录): totals, recent records, corrections, export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Activity,
    Assignment,
    Person,
    Region,
    ServiceItem,
    ServiceRecord,
    VolunteerProfile,
)

_ITEM_NAMES = "service_records.item_names"


async def item_names(session: AsyncSession) -> dict[str, str]:
    """The service catalog's Chinese names with their English ones, read once per transaction.

    A task's record holds the Chinese name of its service item as its content (the recording
    rules' language); this is how it is shown to someone who reads English.
    """
    names: dict[str, str] | None = session.info.get(_ITEM_NAMES)
    if names is None:
        rows = await session.execute(select(ServiceItem.name_zh, ServiceItem.name_en))
        names = session.info[_ITEM_NAMES] = {zh: en for zh, en in rows}
    return names


async def get(session: AsyncSession, record_id: int) -> ServiceRecord | None:
    """A record by id."""
    return await session.get(ServiceRecord, record_id)


async def total_hours(
    session: AsyncSession,
    person_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Decimal:
    """The person's recorded hours, optionally only those served in [since, until)."""
    query = select(func.coalesce(func.sum(ServiceRecord.hours), 0)).where(
        ServiceRecord.person_id == person_id
    )
    if since is not None:
        query = query.where(ServiceRecord.served_at >= since)
    if until is not None:
        query = query.where(ServiceRecord.served_at < until)
    value = await session.scalar(query)
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


async def recent(session: AsyncSession, person_id: int, limit: int = 5) -> list[ServiceRecord]:
    """The person's latest records, newest service first."""
    rows = await session.execute(
        select(ServiceRecord)
        .where(ServiceRecord.person_id == person_id)
        .order_by(ServiceRecord.served_at.desc(), ServiceRecord.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def count_service(session: AsyncSession, person_id: int, served_at: datetime) -> None:
    """Count one more completed service on the person's volunteer profile (if they have one)."""
    await session.execute(
        update(VolunteerProfile)
        .where(VolunteerProfile.person_id == person_id)
        .values(completions=VolunteerProfile.completions + 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(VolunteerProfile)
        .where(
            VolunteerProfile.person_id == person_id,
            or_(
                VolunteerProfile.last_task_at.is_(None),
                VolunteerProfile.last_task_at < served_at,
            ),
        )
        .values(last_task_at=served_at)
        .execution_options(synchronize_session=False)
    )


async def request_correction(
    session: AsyncSession, record_id: int, person_id: int, hours: Decimal, reason: str
) -> bool:
    """Ask for new hours on one's own record; False if another request is already pending."""
    result = await session.execute(
        update(ServiceRecord)
        .where(
            ServiceRecord.id == record_id,
            ServiceRecord.person_id == person_id,
            ServiceRecord.correction_requested.is_(None),
        )
        .values(correction_requested=hours, correction_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def decide_correction(
    session: AsyncSession, record_id: int, requested: Decimal, approve: bool
) -> bool:
    """Apply (or drop) the pending request the reviewer saw; False if it was decided meanwhile."""
    values: dict[str, Any] = {"correction_requested": None, "correction_reason": None}
    if approve:
        values["hours"] = requested
    result = await session.execute(
        update(ServiceRecord)
        .where(ServiceRecord.id == record_id, ServiceRecord.correction_requested == requested)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _in_scopes(scopes: Sequence[Region], with_unplaced: bool) -> Any:
    place = aliased(Region)
    inside = [place.path.startswith(scope.path) for scope in scopes]
    subtree = select(place.id).where(or_(*inside)) if inside else select(place.id).where(false())
    conditions = [ServiceRecord.region_id.in_(subtree)]
    if with_unplaced:
        conditions.append(ServiceRecord.region_id.is_(None))
    return or_(*conditions)


async def pending_corrections(
    session: AsyncSession, scopes: Sequence[Region], *, with_unplaced: bool, limit: int = 20
) -> list[tuple[ServiceRecord, str]]:
    """Records with a pending correction in any of the subtrees (and unplaced ones if asked)."""
    rows = await session.execute(
        select(ServiceRecord, Person.display_name)
        .outerjoin(Person, Person.id == ServiceRecord.person_id)
        .where(ServiceRecord.correction_requested.is_not(None), _in_scopes(scopes, with_unplaced))
        .order_by(ServiceRecord.id)
        .limit(limit)
    )
    return [(record, name or "") for record, name in rows.all()]


async def export(session: AsyncSession, scope: Region | None) -> list[dict[str, Any]]:
    """Every record (in a region subtree, if given) with the names it refers to, oldest first:
    the need it came from by the need's number (the one number people use), an activity by its
    title."""
    volunteer, organizer, recorder = aliased(Person), aliased(Person), aliased(Person)
    query = (
        select(
            ServiceRecord,
            volunteer.display_name,
            organizer.display_name,
            recorder.display_name,
            Region.name,
            Assignment.need_id,
            Activity.title,
        )
        .outerjoin(volunteer, volunteer.id == ServiceRecord.person_id)
        .outerjoin(organizer, organizer.id == ServiceRecord.organizer_id)
        .outerjoin(recorder, recorder.id == ServiceRecord.recorded_by_id)
        .outerjoin(Region, Region.id == ServiceRecord.region_id)
        .outerjoin(Assignment, Assignment.id == ServiceRecord.assignment_id)
        .outerjoin(Activity, Activity.id == ServiceRecord.activity_id)
        .order_by(ServiceRecord.id)
    )
    if scope is not None:
        query = query.where(Region.path.startswith(scope.path))
    rows = await session.execute(query)
    return [
        {
            "record": record,
            "volunteer": name or "",
            "organizer": org or "",
            "recorder": rec or "",
            "region": region or "",
            "need_id": need_id,
            "activity": activity or "",
        }
        for record, name, org, rec, region, need_id, activity in rows.all()
    ]
