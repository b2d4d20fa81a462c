"""Mobilization (社会化动员): ask matching volunteers to join an under-filled activity."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from handlers.activities.common import Env, find, manage
from handlers.core.context import Ctx, Deps
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.messages import Reply
from handlers.core.notify import Sink, Span
from handlers.core.numbers import parse_id
from matching import taxonomy
from storage.models import Activity, DueJob
from storage.repos import activities as repo
from storage.repos import audit, regions

# Why a volunteer in the audience region was not asked (reason → catalog key for the summary).
REASONS = {
    "paused": N_("activities.why_paused"),
    "signed_up": N_("activities.why_signed_up"),
    "pushed": N_("activities.why_pushed"),
    "organizer": N_("activities.why_organizer"),
    "skills": N_("activities.why_skills"),
    "availability": N_("activities.why_availability"),
    "limit": N_("activities.why_limit"),
}


@dataclass
class Mobilized:
    """Who was asked, and why each other volunteer of the audience region was not."""

    asked: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    missing: int = 0


def activity_slots(start: datetime, end: datetime, tz: ZoneInfo) -> set[str]:
    """The weekly availability slots (taxonomy.slot_of) an activity overlaps, in local time."""
    found: set[str] = set()
    hour = start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    last = end.astimezone(tz)
    for _ in range(7 * 24):  # a week covers every slot there is
        if hour >= last:
            break
        slot = taxonomy.slot_of(hour.weekday(), hour.hour)
        if slot is not None:
            found.add(slot)
        hour += timedelta(hours=1)
    return found


def exclusion(
    *,
    person_id: int,
    skills: Collection[str],
    availability: Collection[str],
    paused: bool,
    wanted: Collection[str],
    slots: Collection[str],
    signed_up: Collection[int],
    pushed: Collection[int],
    organizer_id: int | None,
) -> str | None:
    """Why a volunteer is not asked (a key of REASONS), or None if they match (pure).

    They match when they are not paused, not signed up, not asked before, have one of the wanted
    skills (any, if none are wanted) and are available in every slot the activity overlaps.
    """
    if paused:
        return "paused"
    if person_id in signed_up:
        return "signed_up"
    if person_id in pushed:
        return "pushed"
    if person_id == organizer_id:
        return "organizer"
    if wanted and not set(wanted) & set(skills):
        return "skills"
    if not set(slots) <= set(availability):
        return "availability"
    return None


async def mobilize(
    session: AsyncSession,
    activity_id: int,
    now: datetime,
    limit: int | None = None,
    *,
    deps: Deps,
) -> Mobilized:
    """Push a join button to matching volunteers of the audience region who were not asked yet.

    Called by organizers (/mobilize) and by the scheduler for activities still under-filled 48 h
    before the start. Asks at most `limit` people (default: the rules' mobilize_limit); each person
    is asked once per activity (recorded in Activity.audience["pushed"]). A full, closed or started
    activity asks nobody.
    """
    env = Env.bare(session, deps, now)
    result = Mobilized()
    activity = await repo.lock(session, activity_id)
    if activity is None or activity.status != "open" or now >= activity.starts_at:
        return result
    result.missing = activity.slots - await repo.taken(session, activity.id)
    region = await regions.by_id(session, activity.region_id)
    if result.missing <= 0 or region is None:
        return result
    cap = env.rules.mobilize_limit if limit is None else limit
    pushed = set(_pushed(activity))
    signed = await repo.signed_up_people(session, activity.id)
    slots = activity_slots(activity.starts_at, activity.ends_at, env.tz)
    for profile, _person in await repo.volunteers_in(session, region):
        why = exclusion(
            person_id=profile.person_id,
            skills=profile.skills or [],
            availability=profile.availability or [],
            paused=profile.paused,
            wanted=activity.skills or [],
            slots=slots,
            signed_up=signed,
            pushed=pushed,
            organizer_id=activity.organizer_id,
        )
        if why is None and len(result.asked) >= cap:
            why = "limit"
        if why is not None:
            result.skipped[profile.person_id] = why
            continue
        result.asked.append(profile.person_id)
        await env.tell(
            profile.person_id,
            N_("activities.call"),
            choices=[(N_("activities.btn_join"), f"act:{activity.id}:join")],
            id=activity.id,
            title=activity.title,
            when=Span(activity.starts_at, activity.ends_at),
            place=activity.place,
            missing=result.missing,
        )
    if result.asked:
        activity.audience = {
            **(activity.audience or {}),
            "pushed": [*_pushed(activity), *result.asked],
        }
        flag_modified(activity, "audience")
    return result


def _pushed(activity: Activity) -> Sequence[int]:
    return [int(pid) for pid in (activity.audience or {}).get("pushed", [])]


async def mobilize_due(sink: Sink, job: DueJob) -> Mobilized:
    """The scheduler's use case for a due "activity_mobilize" job (ref = the activity id).

    Written when the activity is created, due 48 h (configurable) before the start; asks
    volunteers only if the activity is still under-filled then.
    """
    deps, session, now = sink.deps, sink.session, sink.now
    activity_id = int(job.payload.get("activity_id") or job.ref)
    return await mobilize(session, activity_id, now, deps=deps)


async def mobilize_command(ctx: Ctx) -> list[Reply]:
    """/mobilize ID: an organizer asks matching volunteers to join now."""
    activity = await find(ctx, parse_id(ctx.args))
    await manage(ctx, activity)
    if activity.status != "open" or ctx.now >= activity.starts_at:
        raise UserError("activities.already_started", title=activity.title)
    result = await mobilize(ctx.session, activity.id, ctx.now, deps=ctx.deps)
    if result.missing <= 0:
        return [ctx.reply("activities.mobilize_full", title=activity.title)]
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="activity.mobilize",
        target=f"activity:{activity.id}",
        now=ctx.now,
        asked=len(result.asked),
    )
    tally: dict[str, int] = {}
    for why in result.skipped.values():
        tally[why] = tally.get(why, 0) + 1
    skipped = ctx.join(ctx.t(REASONS[why], n=n) for why, n in tally.items()) or "—"
    return [
        ctx.reply(
            "activities.mobilized",
            title=activity.title,
            asked=len(result.asked),
            missing=result.missing,
            skipped=skipped,
        )
    ]
