"""/pause [until a day] and /resume: a volunteer stops receiving offers for a while.

"/pause 12月20日", "/pause 下周一", "/pause dec 20" read the day with the one everyday-time parser
(matching/understand/when.py); offers start again on the morning of that day by themselves: a
DueJob "volunteer_resume" (ref = person id) the scheduler runs then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.messages import Reply
from handlers.core.notify import Day, Sink, notify
from matching.understand import when
from storage.models import DueJob, VolunteerProfile
from storage.repos import jobs

RESUME_KIND = "volunteer_resume"
PAUSE_MAX = timedelta(days=180)
RESUME_AT = time(8, 0)  # local: offers may reach the volunteer again from this hour of the day


async def _profile(ctx: Ctx) -> VolunteerProfile:
    await require_registered(ctx)
    profile = await ctx.session.get(VolunteerProfile, ctx.person.id)
    if profile is None:
        raise UserError("volunteers.not_volunteer")
    return profile


def _until(ctx: Ctx) -> tuple[date, datetime] | None:
    """The day typed after /pause and the moment (UTC) offers start again; None without one."""
    typed = ctx.args.strip()
    if not typed:
        return None
    zone = ZoneInfo(ctx.deps.config.tz)
    today = ctx.now.astimezone(zone).date()
    day = when.day(typed, today)
    if day is None or day <= today or day - today > PAUSE_MAX:
        raise UserError("volunteers.pause_until_invalid", days=PAUSE_MAX.days)
    return day, datetime.combine(day, RESUME_AT, tzinfo=zone).astimezone(UTC)


async def pause(ctx: Ctx) -> list[Reply]:
    """Stop receiving task offers for a while (holidays), or until a day; the profile is kept."""
    profile = await _profile(ctx)
    until = _until(ctx)
    if profile.paused and until is None:
        return [ctx.reply("volunteers.already_paused")]
    profile.paused, profile.updated_at = True, ctx.now
    ref = str(profile.person_id)
    if until is None:
        await jobs.cancel(ctx.session, RESUME_KIND, ref)
        return [ctx.reply("volunteers.paused")]
    day, resume_at = until
    await jobs.schedule(ctx.session, RESUME_KIND, ref, resume_at, ctx.now)
    return [ctx.reply("volunteers.paused_until", day=day.isoformat())]


async def resume(ctx: Ctx) -> list[Reply]:
    """Receive task offers again."""
    profile = await _profile(ctx)
    await jobs.cancel(ctx.session, RESUME_KIND, str(profile.person_id))
    if not profile.paused:
        return [ctx.reply("volunteers.not_paused")]
    profile.paused, profile.updated_at = False, ctx.now
    return [ctx.reply("volunteers.resumed")]


async def resume_due(sink: Sink, job: DueJob) -> None:
    """A due "volunteer_resume" row: the pause ends and the volunteer is told (scheduler)."""
    session, now = sink.session, sink.now
    profile = await session.get(VolunteerProfile, int(job.ref))
    if profile is None or not profile.paused:
        return
    profile.paused, profile.updated_at = False, now
    await notify(sink, profile.person_id, "volunteers.resumed_by_date", day=Day(now))
