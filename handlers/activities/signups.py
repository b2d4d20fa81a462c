"""Sign-ups and the waitlist: join, leave, one promotion at a time, reminders (use cases).

A freed place is offered to the FIRST person waiting only ("promoted"); they confirm, decline or
let the offer lapse (`expire_promotion`, run by the scheduler for "waitlist_timeout" jobs), and
only then is the next person asked. Nobody left waiting: the place simply stays free.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.activities.common import Env
from handlers.core.context import Deps
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.notify import Sink, Span
from storage.models import Activity, ActivitySignup, DueJob, Person
from storage.repos import activities as repo
from storage.repos import jobs

ALREADY = {
    "confirmed": N_("activities.already_confirmed"),
    "promoted": N_("activities.already_promoted"),
    "waitlisted": N_("activities.already_waitlisted"),
}


async def _lock_open(env: Env, activity_id: int) -> Activity:
    """The activity, locked, if people can still sign up or leave."""
    activity = await repo.lock(env.session, activity_id)
    if activity is None:
        raise UserError("activities.not_found")
    if activity.status != "open":
        raise UserError("activities.not_open", title=activity.title)
    if env.now >= activity.starts_at:
        raise UserError("activities.already_started", title=activity.title)
    return activity


async def join(env: Env, activity_id: int, person: Person) -> tuple[Activity, ActivitySignup]:
    """Sign a person up: a place if one is free (and nobody waits), else the end of the waitlist."""
    activity = await _lock_open(env, activity_id)
    entry = await repo.signup_of(env.session, activity.id, person.id)
    if entry is not None and entry.status in repo.ACTIVE:
        rank = await repo.waiting_rank(env.session, entry) if entry.status == "waitlisted" else 0
        raise UserError(ALREADY[entry.status], id=activity.id, title=activity.title, rank=rank)
    free = await repo.taken(env.session, activity.id) < activity.slots
    queue = await repo.first_waiting(env.session, activity.id)
    status = "confirmed" if free and queue is None else "waitlisted"
    position = await repo.next_position(env.session, activity.id)
    if entry is None:
        entry = ActivitySignup(activity_id=activity.id, person_id=person.id)
        env.session.add(entry)
    entry.status, entry.position, entry.created_at = status, position, env.now
    entry.promote_due_at = entry.checked_in_at = None
    await env.session.flush()
    if status == "confirmed":
        await schedule_reminders(env, activity, entry)
    return activity, entry


async def leave(env: Env, activity_id: int, person_id: int) -> tuple[Activity, str]:
    """Cancel a person's sign-up; a place they held goes to the first person waiting."""
    activity = await _lock_open(env, activity_id)
    entry = await repo.signup_of(env.session, activity.id, person_id)
    if entry is None or entry.status not in repo.ACTIVE:
        raise UserError("activities.not_signed_up", title=activity.title)
    previous = entry.status
    await _drop(env, entry)
    if previous in repo.HOLDING:
        await offer_next(env, activity)
    return activity, previous


async def confirm(env: Env, activity_id: int, person_id: int) -> tuple[Activity, bool]:
    """Accept a place offered from the waitlist; False if the offer had already lapsed."""
    activity = await _lock_open(env, activity_id)
    entry = await repo.signup_of(env.session, activity.id, person_id)
    if entry is not None and entry.status == "confirmed":
        raise UserError("activities.already_confirmed", title=activity.title)
    if entry is None or entry.status != "promoted":
        raise UserError("activities.no_offer", title=activity.title)
    if entry.promote_due_at is not None and entry.promote_due_at <= env.now:
        # The sweep has not run yet: move the queue on now, and tell the person in the reply.
        await _lapse(env, activity, entry, tell=False)
        return activity, False
    entry.status, entry.promote_due_at = "confirmed", None
    await jobs.cancel(env.session, repo.TIMEOUT_KIND, str(entry.id))
    await schedule_reminders(env, activity, entry)
    return activity, True


async def decline(env: Env, activity_id: int, person_id: int) -> Activity:
    """Turn down a place offered from the waitlist; the next person waiting is asked."""
    activity = await _lock_open(env, activity_id)
    entry = await repo.signup_of(env.session, activity.id, person_id)
    if entry is None or entry.status != "promoted":
        raise UserError("activities.no_offer", title=activity.title)
    await _drop(env, entry)
    await offer_next(env, activity)
    return activity


async def expire_promotion(
    session: AsyncSession, signup_id: int, now: datetime, *, deps: Deps
) -> bool:
    """The scheduler's use case for a due "waitlist_timeout" job (ref = the sign-up id).

    If the offer is still unanswered and past its deadline, the person loses it (and is told) and
    the next person waiting is asked, or the place stays free. Anything else (confirmed, declined,
    a deadline moved later) changes nothing. True if the offer lapsed now.
    """
    env = Env.bare(session, deps, now)
    entry = await repo.signup(session, signup_id)
    if entry is None:
        return False
    activity = await repo.lock(session, entry.activity_id)
    entry = await repo.signup(session, signup_id)  # as it is now that the activity is locked
    if activity is None or entry is None or entry.status != "promoted":
        return False
    if entry.promote_due_at is not None and entry.promote_due_at > now:
        return False
    await _lapse(env, activity, entry, tell=True)
    return True


async def offer_next(env: Env, activity: Activity) -> int:
    """Offer each free place to the head of the waitlist, one person per place; returns offers."""
    if activity.status != "open" or env.now >= activity.starts_at:
        return 0
    offered = 0
    while await repo.taken(env.session, activity.id) < activity.slots:
        head = await repo.first_waiting(env.session, activity.id)
        if head is None:
            break
        await _promote(env, activity, head)
        offered += 1
    return offered


async def _promote(env: Env, activity: Activity, entry: ActivitySignup) -> None:
    """Hold a place for a waiting person until a deadline, and ask them."""
    timeout = env.rules.promote_timeout
    wake = env.wake()
    # An offer written in the quiet hours waits for the morning, and so does its clock; unless
    # waiting would leave no time to answer before the activity starts.
    urgent = wake + timeout > activity.starts_at
    deadline = min((env.now if urgent else wake) + timeout, activity.starts_at)
    entry.status, entry.promote_due_at = "promoted", deadline
    await env.session.flush()
    await jobs.schedule(
        env.session,
        repo.TIMEOUT_KIND,
        str(entry.id),
        deadline,
        env.now,
        {"signup_id": entry.id, "activity_id": activity.id},
    )
    await env.tell(
        entry.person_id,
        N_("activities.promoted"),
        choices=[
            (N_("activities.btn_accept"), f"act:{activity.id}:yes"),
            (N_("activities.btn_decline"), f"act:{activity.id}:no"),
        ],
        urgent=urgent,
        id=activity.id,
        title=activity.title,
        when=Span(activity.starts_at, activity.ends_at),
        place=activity.place,
        deadline=deadline,
    )


async def _lapse(env: Env, activity: Activity, entry: ActivitySignup, *, tell: bool) -> None:
    """An offer not answered in time: the person is off the list, the next one is asked."""
    await _drop(env, entry)
    if tell:
        await env.tell(entry.person_id, N_("activities.offer_lapsed"), title=activity.title)
    await offer_next(env, activity)


async def _drop(env: Env, entry: ActivitySignup) -> None:
    """Cancel a sign-up and the jobs that hang on it."""
    entry.status, entry.promote_due_at = "cancelled", None
    await jobs.cancel(env.session, repo.TIMEOUT_KIND, str(entry.id))
    await repo.cancel_reminders(env.session, entry.id)
    await env.session.flush()


# -- reminders -----------------------------------------------------------------------------------


async def schedule_reminders(env: Env, activity: Activity, entry: ActivitySignup) -> int:
    """Reminder jobs before the start (24 h and 2 h by default) for a confirmed sign-up."""
    written = 0
    for hours in env.rules.reminder_hours:
        due = activity.starts_at - timedelta(hours=hours)
        if due <= env.now:
            continue
        await jobs.schedule(
            env.session,
            repo.REMINDER_KIND,
            f"{entry.id}:{hours}h",
            due,
            env.now,
            {"signup_id": entry.id, "activity_id": activity.id, "hours": hours},
        )
        written += 1
    return written


async def promotion_due(sink: Sink, job: DueJob) -> bool:
    """The scheduler's "waitlist_timeout" job (ref or payload "signup_id": the sign-up)."""
    signup_id = int(job.payload.get("signup_id") or job.ref)
    return await expire_promotion(sink.session, signup_id, sink.now, deps=sink.deps)


async def send_reminder(sink: Sink, job: DueJob) -> bool:
    """The scheduler's use case for a due "activity_reminder" job (ref "<sign-up id>:<hours>h").

    Reminds the person of time and place if they are still confirmed and the activity is still
    ahead; True if a reminder was queued.
    """
    deps, session, now = sink.deps, sink.session, sink.now
    env = Env.bare(session, deps, now)
    signup_id = int(job.payload.get("signup_id") or job.ref.split(":")[0])
    entry = await repo.signup(session, signup_id)
    if entry is None or entry.status != "confirmed":
        return False
    activity = await repo.get(session, entry.activity_id)
    if activity is None or activity.status != "open" or activity.starts_at <= now:
        return False
    sent = await env.tell(
        entry.person_id,
        N_("activities.reminder"),
        choices=[(N_("activities.btn_leave"), f"act:{activity.id}:leave")],
        # A reminder held for the quiet hours must not arrive after the start.
        urgent=env.wake() >= activity.starts_at,
        id=activity.id,
        title=activity.title,
        when=Span(activity.starts_at, activity.ends_at),
        place=activity.place,
    )
    return sent > 0
