"""Task offers and assignments: candidates' load, offers per need, atomic acceptance."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Assignment,
    DueJob,
    Need,
    Organization,
    Person,
    Region,
    ServiceRecord,
    TaskOffer,
    VolunteerProfile,
)


async def volunteer_rows(session: AsyncSession, scope: Region) -> list[Row[Any]]:
    """Volunteers whose home grid lies in `scope`: the profile's columns the matching reads, the
    home grid's path and place, and the path of the person's own home address (`home_path`).

    Columns, not entities: a street has thousands of volunteers and a sweep reads them per chunk.
    """
    home = aliased(Region)
    p = VolunteerProfile
    rows = await session.execute(
        select(
            p.person_id,
            p.skills,
            p.free_skills,
            p.availability,
            p.certifications,
            p.reach,
            p.paused,
            p.max_tasks_week,
            p.offers,
            p.accepts,
            p.completions,
            p.no_shows,
            p.last_task_at,
            Region.path.label("grid_path"),
            Region.lat,
            Region.lon,
            home.path.label("home_path"),
        )
        .join(Person, Person.id == p.person_id)
        .join(Region, Region.id == p.home_grid_id)
        .outerjoin(home, home.id == Person.home_region_id)
        .where(Person.erased_at.is_(None), Region.path.startswith(scope.path))
    )
    return list(rows.all())


async def organization_rows(
    session: AsyncSession, scope: Region
) -> list[tuple[Organization, Region]]:
    """Organizations serving a region inside `scope` or one of its ancestors."""
    ancestors = scope.path_ids()
    rows = await session.execute(
        select(Organization, Region)
        .join(Region, Region.id == Organization.region_id)
        .where(Organization.contact_person_id.is_not(None))
        .where(Region.path.startswith(scope.path) | Region.id.in_(ancestors))
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def load_since(session: AsyncSession, since: datetime) -> dict[int, int]:
    """Assignments accepted since `since`, per person (their load this week)."""
    rows = await session.execute(
        select(Assignment.person_id, func.count())
        .where(Assignment.accepted_at >= since, Assignment.status != "cancelled")
        .group_by(Assignment.person_id)
    )
    return {pid: int(n) for pid, n in rows.all() if pid is not None}


async def offers_since(session: AsyncSession, since: datetime) -> dict[int, int]:
    """Offers made since `since`, per person (the fairness cap)."""
    rows = await session.execute(
        select(TaskOffer.person_id, func.count())
        .where(TaskOffer.offered_at >= since)
        .group_by(TaskOffer.person_id)
    )
    return {pid: int(n) for pid, n in rows.all() if pid is not None}


async def offers_for(session: AsyncSession, need_id: int) -> list[TaskOffer]:
    """Every offer made for a need."""
    rows = await session.execute(select(TaskOffer).where(TaskOffer.need_id == need_id))
    return list(rows.scalars())


async def lock_need(session: AsyncSession, need_id: int) -> Need | None:
    """The need, locked until commit (PostgreSQL; SQLite transactions are already exclusive)."""
    rows = await session.execute(
        select(Need)
        .where(Need.id == need_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return rows.scalar_one_or_none()


async def respond(session: AsyncSession, offer_id: int, status: str, now: datetime) -> bool:
    """Move a pending offer to `status`; False if it was no longer pending."""
    result = await session.execute(
        update(TaskOffer)
        .where(TaskOffer.id == offer_id, TaskOffer.status == "pending")
        .values(status=status, responded_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def withdraw_pending(session: AsyncSession, need_id: int, now: datetime) -> list[TaskOffer]:
    """Withdraw the need's still-pending offers (someone accepted); returns them."""
    pending = (
        (
            await session.execute(
                select(TaskOffer).where(TaskOffer.need_id == need_id, TaskOffer.status == "pending")
            )
        )
        .scalars()
        .all()
    )
    for offer in pending:
        offer.status, offer.responded_at = "withdrawn", now
    await cancel_timeouts(session, [o.id for o in pending])
    return list(pending)


async def cancel_timeouts(session: AsyncSession, offer_ids: list[int]) -> None:
    """Cancel the time-out jobs of offers that were answered."""
    if offer_ids:
        await session.execute(
            update(DueJob)
            .where(
                DueJob.kind == "offer_timeout",
                DueJob.ref.in_([str(i) for i in offer_ids]),
                DueJob.status == "pending",
            )
            .values(status="cancelled")
        )


async def assignments_for(
    session: AsyncSession, need_id: int, active_only: bool = True
) -> list[Assignment]:
    """Assignments of a need (not cancelled, by default)."""
    query = select(Assignment).where(Assignment.need_id == need_id)
    if active_only:
        query = query.where(Assignment.status != "cancelled")
    return list((await session.execute(query)).scalars())


async def served_recently(session: AsyncSession, beneficiary_id: int, since: datetime) -> int:
    """Distinct helpers assigned to a beneficiary's needs since `since` (the oversupply guard)."""
    rows = await session.execute(
        select(func.count(func.distinct(Assignment.person_id)))
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Need.person_id == beneficiary_id,
            Assignment.accepted_at >= since,
            Assignment.status != "cancelled",
        )
    )
    return int(rows.scalar_one())


async def mine(session: AsyncSession, person_id: int) -> tuple[list[TaskOffer], list[Assignment]]:
    """A volunteer's pending offers and open assignments."""
    offers = (
        (
            await session.execute(
                select(TaskOffer)
                .where(TaskOffer.person_id == person_id, TaskOffer.status == "pending")
                .order_by(TaskOffer.id)
            )
        )
        .scalars()
        .all()
    )
    tasks = (
        (
            await session.execute(
                select(Assignment)
                .where(
                    Assignment.person_id == person_id,
                    Assignment.status.in_(("active", "done_marked")),
                )
                .order_by(Assignment.id)
            )
        )
        .scalars()
        .all()
    )
    return list(offers), list(tasks)


def job(kind: str, ref: int, due_at: datetime, now: datetime, **payload: Any) -> DueJob:
    """A due-work row."""
    return DueJob(
        kind=kind,
        ref=str(ref),
        due_at=due_at,
        payload=payload,
        status="pending",
        attempts=0,
        created_at=now,
    )


async def volunteers_changed(session: AsyncSession) -> list[tuple[str, datetime]]:
    """Per home grid: its path and when a volunteer living there last changed (sign-up, edit,
    pause, resume)."""
    rows = await session.execute(
        select(Region.path, func.max(VolunteerProfile.updated_at))
        .join(Region, Region.id == VolunteerProfile.home_grid_id)
        .group_by(Region.path)
    )
    return [(path, at) for path, at in rows.all() if at is not None]


async def organizations_changed(session: AsyncSession) -> datetime | None:
    """When the newest organization was added (they are matched everywhere they serve)."""
    return (await session.execute(select(func.max(Organization.created_at)))).scalar_one()


async def needs_to_consider(
    session: AsyncSession,
    *,
    stale_before: datetime,
    changed: list[tuple[str, datetime]],
    after_id: int,
    limit: int,
) -> list[Need]:
    """Open needs the dispatch sweep should rank, by id after `after_id`: never ranked, changed
    since, ranked before `stale_before`, or in a region path of `changed` ranked before its time."""
    considered = Need.considered_at
    why = [considered.is_(None), considered < stale_before, Need.updated_at > considered]
    why += [and_(Region.path.startswith(path), considered < at) for path, at in changed]
    rows = await session.execute(
        select(Need)
        .join(Region, Region.id == Need.region_id)
        .where(Need.status == "open", Need.id > after_id, or_(*why))
        .order_by(Need.id)
        .limit(limit)
        # PostgreSQL: sweeps running at once in several processes take disjoint needs, and a
        # need someone is answering for (locked by an accept) is left for the next sweep.
        .with_for_update(of=Need, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def add_offers(session: AsyncSession, made: dict[int, int]) -> None:
    """Add offers made to volunteers' profiles (`made`: person id → offers), in the given order,
    in one statement executed for many rows."""
    if not made:
        return
    table = cast(Table, VolunteerProfile.__table__)
    await session.execute(
        update(table)
        .where(table.c.person_id == bindparam("pid"))
        .values(offers=table.c.offers + bindparam("n")),
        [{"pid": person_id, "n": n} for person_id, n in made.items()],
    )


async def done_marked_for(session: AsyncSession, person_id: int) -> list[Assignment]:
    """Tasks marked done on needs the person is served by or asked for (waiting to confirm)."""
    rows = await session.execute(
        select(Assignment)
        .join(Need, Need.id == Assignment.need_id)
        .where(
            Assignment.status == "done_marked",
            or_(Need.person_id == person_id, Need.entered_by_id == person_id),
        )
        .order_by(Assignment.id)
    )
    return list(rows.scalars())


async def record_of(session: AsyncSession, assignment_id: int) -> ServiceRecord | None:
    """The service record a confirmed task made."""
    rows = await session.execute(
        select(ServiceRecord).where(ServiceRecord.assignment_id == assignment_id).limit(1)
    )
    return rows.scalar_one_or_none()
