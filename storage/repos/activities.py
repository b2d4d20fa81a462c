"""Activities (活动): lookups, sign-ups and waitlist, check-in codes, mobilization candidates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Activity,
    ActivitySignup,
    CheckinAttempt,
    DueJob,
    Person,
    Region,
    UnitSignup,
    VolunteerProfile,
)

# Sign-ups that hold a place: confirmed, or offered to someone from the waitlist who may confirm.
HOLDING = ("confirmed", "promoted")
# Sign-ups still in play before the activity is closed.
ACTIVE = ("confirmed", "promoted", "waitlisted")
# DueJob kinds this feature writes (the scheduler's sweep runs them).
REMINDER_KIND = "activity_reminder"
TIMEOUT_KIND = "waitlist_timeout"
MOBILIZE_KIND = "activity_mobilize"


async def get(session: AsyncSession, activity_id: int) -> Activity | None:
    """An activity by id."""
    return await session.get(Activity, activity_id)


async def lock(session: AsyncSession, activity_id: int) -> Activity | None:
    """An activity by id, freshly read and locked for the rest of the transaction.

    Every change to its sign-ups takes this lock first, so two people never get the last place
    (PostgreSQL: FOR UPDATE; SQLite: the transaction already began with BEGIN IMMEDIATE).
    """
    rows = await session.execute(
        select(Activity)
        .where(Activity.id == activity_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return rows.scalar_one_or_none()


async def signup(session: AsyncSession, signup_id: int) -> ActivitySignup | None:
    """A sign-up by id, freshly read."""
    rows = await session.execute(
        select(ActivitySignup)
        .where(ActivitySignup.id == signup_id)
        .execution_options(populate_existing=True)
    )
    return rows.scalar_one_or_none()


async def signup_of(
    session: AsyncSession, activity_id: int, person_id: int
) -> ActivitySignup | None:
    """A person's sign-up row on an activity (in any state), freshly read."""
    rows = await session.execute(
        select(ActivitySignup)
        .where(ActivitySignup.activity_id == activity_id, ActivitySignup.person_id == person_id)
        .execution_options(populate_existing=True)
    )
    return rows.scalar_one_or_none()


async def signups(
    session: AsyncSession, activity_id: int, statuses: Sequence[str] | None = None
) -> list[ActivitySignup]:
    """An activity's sign-ups in queue order (position, then id), optionally of some statuses."""
    query = select(ActivitySignup).where(ActivitySignup.activity_id == activity_id)
    if statuses is not None:
        query = query.where(ActivitySignup.status.in_(statuses))
    rows = await session.execute(
        query.order_by(ActivitySignup.position, ActivitySignup.id).execution_options(
            populate_existing=True
        )
    )
    return list(rows.scalars())


async def counts(session: AsyncSession, activity_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Sign-ups per status for each activity."""
    if not activity_ids:
        return {}
    rows = await session.execute(
        select(ActivitySignup.activity_id, ActivitySignup.status, func.count())
        .where(ActivitySignup.activity_id.in_(list(activity_ids)))
        .group_by(ActivitySignup.activity_id, ActivitySignup.status)
    )
    found: dict[int, dict[str, int]] = {aid: {} for aid in activity_ids}
    for activity_id, status, n in rows.all():
        found[activity_id][status] = int(n)
    return found


async def taken(session: AsyncSession, activity_id: int) -> int:
    """Places held (confirmed, or offered and awaiting an answer), units' groups included."""
    count = await session.scalar(
        select(func.count())
        .select_from(ActivitySignup)
        .where(ActivitySignup.activity_id == activity_id, ActivitySignup.status.in_(HOLDING))
    )
    groups = await session.scalar(
        select(func.coalesce(func.sum(UnitSignup.people), 0)).where(
            UnitSignup.activity_id == activity_id
        )
    )
    return int(count or 0) + int(groups or 0)


async def first_waiting(session: AsyncSession, activity_id: int) -> ActivitySignup | None:
    """The head of the waitlist."""
    waiting = await signups(session, activity_id, ("waitlisted",))
    return waiting[0] if waiting else None


async def waiting_rank(session: AsyncSession, entry: ActivitySignup) -> int:
    """1-based place of a waitlisted sign-up in its activity's waitlist."""
    ahead = await session.scalar(
        select(func.count())
        .select_from(ActivitySignup)
        .where(
            ActivitySignup.activity_id == entry.activity_id,
            ActivitySignup.status == "waitlisted",
            or_(
                ActivitySignup.position < entry.position,
                (ActivitySignup.position == entry.position) & (ActivitySignup.id < entry.id),
            ),
        )
    )
    return int(ahead or 0) + 1


async def next_position(session: AsyncSession, activity_id: int) -> int:
    """A queue position after every sign-up the activity has had."""
    top = await session.scalar(
        select(func.max(ActivitySignup.position)).where(ActivitySignup.activity_id == activity_id)
    )
    return int(top or 0) + 1


async def codes_in_use(session: AsyncSession, now: datetime) -> set[str]:
    """Check-in codes of open activities not yet over (an ended, unclosed one frees its code)."""
    rows = await session.execute(
        select(Activity.checkin_code).where(
            Activity.status == "open", Activity.ends_at > now, Activity.checkin_code.is_not(None)
        )
    )
    return {code for code in rows.scalars() if code}


async def failed_checkins(session: AsyncSession, person_id: int, since: datetime) -> int:
    """Check-in codes the person typed in vain since `since`."""
    found = await session.scalar(
        select(func.count()).where(
            CheckinAttempt.person_id == person_id, CheckinAttempt.at >= since
        )
    )
    return int(found or 0)


async def record_failed_checkin(
    session: AsyncSession, person_id: int, now: datetime, since: datetime
) -> None:
    """Count a code typed in vain; the person's attempts older than `since` go (no sweep needed)."""
    await session.execute(
        delete(CheckinAttempt).where(
            CheckinAttempt.person_id == person_id, CheckinAttempt.at < since
        )
    )
    session.add(CheckinAttempt(person_id=person_id, at=now))


async def by_code(session: AsyncSession, code: str) -> list[Activity]:
    """Open activities with a check-in code (normally one), the latest first."""
    rows = await session.execute(
        select(Activity)
        .where(Activity.status == "open", Activity.checkin_code == code)
        .order_by(Activity.starts_at.desc(), Activity.id.desc())
    )
    return list(rows.scalars())


async def upcoming_for(
    session: AsyncSession, home: Region | None, now: datetime, limit: int = 10
) -> list[Activity]:
    """Open activities not yet over whose audience contains `home` or lies inside it.

    Without a home region, every open activity.
    """
    query = select(Activity).where(Activity.status == "open", Activity.ends_at > now)
    if home is not None:
        query = query.join(Region, Region.id == Activity.region_id).where(
            or_(Activity.region_id.in_(home.path_ids()), Region.path.startswith(home.path))
        )
    rows = await session.execute(query.order_by(Activity.starts_at, Activity.id).limit(limit))
    return list(rows.scalars())


async def of_person(
    session: AsyncSession, person_id: int, statuses: Sequence[str], now: datetime
) -> list[tuple[Activity, ActivitySignup]]:
    """A person's sign-ups in some statuses on open activities not yet over, soonest first."""
    rows = await session.execute(
        select(Activity, ActivitySignup)
        .join(ActivitySignup, ActivitySignup.activity_id == Activity.id)
        .where(
            ActivitySignup.person_id == person_id,
            ActivitySignup.status.in_(statuses),
            Activity.status == "open",
            Activity.ends_at > now,
        )
        .order_by(Activity.starts_at, Activity.id)
    )
    return [(activity, entry) for activity, entry in rows.all()]


async def in_scopes(
    session: AsyncSession,
    scopes: Sequence[Region],
    statuses: Sequence[str],
    started_before: datetime | None = None,
    limit: int = 20,
) -> list[Activity]:
    """Activities whose audience lies in one of the subtrees, by start time."""
    if not scopes:
        return []
    query = (
        select(Activity)
        .join(Region, Region.id == Activity.region_id)
        .where(
            Activity.status.in_(statuses),
            or_(*(Region.path.startswith(scope.path) for scope in scopes)),
        )
    )
    if started_before is not None:
        query = query.where(Activity.starts_at <= started_before)
    rows = await session.execute(query.order_by(Activity.starts_at, Activity.id).limit(limit))
    return list(rows.scalars())


async def volunteers_in(
    session: AsyncSession, region: Region
) -> list[tuple[VolunteerProfile, Person]]:
    """Volunteer profiles of people (not erased) living in a region subtree.

    Home is the person's home region, or the profile's home grid when that is unset. Ordered
    for fairness: fewest no-shows, then longest idle, then id.
    """
    home = aliased(Region)
    rows = await session.execute(
        select(VolunteerProfile, Person)
        .join(Person, Person.id == VolunteerProfile.person_id)
        .join(home, home.id == func.coalesce(Person.home_region_id, VolunteerProfile.home_grid_id))
        .where(home.path.startswith(region.path), Person.erased_at.is_(None))
        .order_by(
            VolunteerProfile.no_shows,
            VolunteerProfile.last_task_at.asc().nulls_first(),
            VolunteerProfile.person_id,
        )
    )
    return [(profile, person) for profile, person in rows.unique().all()]


async def signed_up_people(session: AsyncSession, activity_id: int) -> set[int]:
    """Everyone with a sign-up row on the activity, whatever its state."""
    rows = await session.execute(
        select(ActivitySignup.person_id).where(ActivitySignup.activity_id == activity_id)
    )
    return set(rows.scalars())


async def count_no_show(session: AsyncSession, person_id: int) -> None:
    """One more no-show on the person's volunteer profile (if they have one)."""
    await session.execute(
        update(VolunteerProfile)
        .where(VolunteerProfile.person_id == person_id)
        .values(no_shows=VolunteerProfile.no_shows + 1)
        .execution_options(synchronize_session=False)
    )


async def names(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, str]:
    """Display names by person id."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.display_name).where(Person.id.in_(set(person_ids)))
    )
    return {pid: name for pid, name in rows.all()}


async def cancel_reminders(session: AsyncSession, signup_id: int) -> int:
    """Cancel the pending reminder jobs of a sign-up (refs "<signup id>:<hours>h")."""
    result = await session.execute(
        update(DueJob)
        .where(
            DueJob.kind == REMINDER_KIND,
            DueJob.ref.startswith(f"{signup_id}:"),
            DueJob.status == "pending",
        )
        .values(status="cancelled", lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
