"""/activity_close ID: the organizer confirms attendance and hours in one go after the activity.

The checked-in list comes first (everyone checked in counts as present, the rest as absent); the
organizer toggles people by number, adds attendees who never signed up (by name or phone), sets
the hours (default: the activity's length) and confirms.
Attendees get a service record through the hours module; no-shows count on volunteer profiles.
"""

from __future__ import annotations

import re
from decimal import Decimal

from handlers.activities import walkins
from handlers.activities.common import MANAGERS, Env, find, manage
from handlers.core import dialogs
from handlers.core.auth import require_not_subject, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step
from handlers.core.errors import Conflict, InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink
from handlers.core.numbers import fold, parse_id
from handlers.hours import record_service, rules_of
from matching.understand import numerals
from storage.models import Activity, ActivitySignup, Region
from storage.repos import activities as repo
from storage.repos import audit, jobs, roles

HOUR_BUTTONS = 8  # choice N means N hours, so typing "3" means three hours on every channel
HOURS_MAX = Decimal(24)
_NUMBERS = re.compile(r"\d{1,3}")


async def close_command(ctx: Ctx) -> list[Reply]:
    """/activity_close [ID]: start closing an activity; without an id, list the ones to close."""
    if not ctx.args:
        return await _pick(ctx)
    activity = await find(ctx, parse_id(ctx.args))
    await manage(ctx, activity)
    _check_closable(ctx, activity)
    await _not_a_participant(ctx, activity)
    return await dialogs.begin(ctx, CLOSE, {"activity": activity.id, "flip": []})


def _check_closable(ctx: Ctx, activity: Activity) -> None:
    if activity.status != "open":
        raise UserError("activities.already_closed", title=activity.title)
    if ctx.now < activity.starts_at:
        raise UserError(
            "activities.close_too_early", title=activity.title, at=ctx.when(activity.starts_at)
        )


async def _not_a_participant(ctx: Ctx, activity: Activity) -> None:
    """Who confirms attendance and hours must not be among those who took part."""
    entry = await repo.signup_of(ctx.session, activity.id, ctx.person.id)
    require_not_subject(ctx, entry.person_id if entry and entry.status != "cancelled" else None)


async def _pick(ctx: Ctx) -> list[Reply]:
    """Open activities that have started, in the regions the person manages."""
    await require_role(ctx, MANAGERS)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    scopes = [g.region for g in grants if g.role in MANAGERS]
    found = await repo.in_scopes(ctx.session, scopes, ("open",), started_before=ctx.now)
    if not found:
        return [ctx.reply("activities.nothing_to_close")]
    return [
        ctx.reply(
            "activities.pick_close",
            choices=[Choice(f"#{a.id} {a.title}"[:60], f"/activity_close {a.id}") for a in found],
        )
    ]


async def _activity(ctx: Ctx) -> Activity:
    activity = await repo.get(ctx.session, ctx.data["activity"])
    if activity is None:
        raise UserError("activities.not_found")
    return activity


async def _roster(ctx: Ctx) -> list[ActivitySignup]:
    """The confirmed sign-ups, in queue order."""
    return await repo.signups(ctx.session, ctx.data["activity"], ("confirmed",))


def _present(ctx: Ctx, entry: ActivitySignup) -> bool:
    """Checked in, unless the organizer flipped it (and the other way round)."""
    return (entry.checked_in_at is not None) != (entry.id in ctx.data.get("flip", []))


# -- who came ------------------------------------------------------------------------------------


async def _ask_roster(ctx: Ctx) -> Reply:
    activity = await _activity(ctx)
    roster = await _roster(ctx)
    names = await repo.names(ctx.session, [s.person_id for s in roster])
    choices = []
    for entry in roster:
        mark = ctx.t(
            N_("activities.mark_present") if _present(ctx, entry) else N_("activities.mark_absent")
        )
        checked = ctx.t("activities.mark_checked") if entry.checked_in_at else ""
        label = f"{names.get(entry.person_id) or '—'} {mark}{checked}"
        choices.append(Choice(label[:60], f"s{entry.id}"))
    added = await repo.names(ctx.session, ctx.data.get("walkins", []))
    for person_id in ctx.data.get("walkins", []):
        label = f"{added.get(person_id) or '—'} {ctx.t('activities.mark_walkin')}"
        choices.append(Choice(label[:60], f"w{person_id}"))
    choices.append(Choice(ctx.t("activities.roster_ok"), "ok"))
    choices.append(Choice(ctx.t("activities.roster_add"), "add"))
    key = N_("activities.ask_roster") if roster else N_("activities.ask_roster_empty")
    return ctx.reply(key, title=activity.title, choices=choices)


async def _take_roster(ctx: Ctx, message: Message) -> str | None:
    if message.value == "ok":
        return "hours"
    if message.value == "add":
        return "walkin"
    ids = [s.id for s in await _roster(ctx)]
    value = message.value
    if value in {f"w{pid}" for pid in ctx.data.get("walkins", [])}:  # added by mistake
        ctx.data["walkins"] = [p for p in ctx.data["walkins"] if f"w{p}" != value]
        return "roster"
    if re.fullmatch(r"s\d+", value) and int(value[1:]) in ids:
        picked = [int(value[1:])]
    else:  # "1 3" on a text channel: several people at once, by their number in the list
        numbers = [int(n) for n in _NUMBERS.findall(fold(message.text))]
        if not numbers or any(not 1 <= n <= len(ids) for n in numbers):
            raise InvalidInput("activities.roster_pick", n=len(ids))
        picked = [ids[n - 1] for n in numbers]
    flip = set(ctx.data.get("flip", []))
    ctx.data["flip"] = sorted(flip ^ set(picked))
    return "roster"


# -- attendees who never signed up ---------------------------------------------------------------


async def _ask_walkin(ctx: Ctx) -> Reply:
    activity = await _activity(ctx)
    back = Choice(ctx.t("activities.walkin_back"), "roster")
    return ctx.reply("activities.ask_walkin", title=activity.title, choices=[back])


async def _take_walkin(ctx: Ctx, message: Message) -> str | None:
    if message.value == "roster":
        return "roster"
    ctx.data["found"] = await walkins.take_who(ctx, message)
    if len(ctx.data["found"]) > 1:
        return NEXT
    return await _keep_walkin(ctx, ctx.data["found"][0])


async def _take_walkin_pick(ctx: Ctx, message: Message) -> str | None:
    return await _keep_walkin(ctx, walkins.take_pick(ctx, message))


async def _keep_walkin(ctx: Ctx, person_id: int) -> str:
    """Add a walk-in to the list being closed (written at the confirmation, not before)."""
    require_not_subject(ctx, person_id)
    entry = await repo.signup_of(ctx.session, ctx.data["activity"], person_id)
    if entry is not None and entry.status not in walkins.REUSABLE:
        raise InvalidInput("activities.walkin_listed")
    if person_id not in ctx.data.setdefault("walkins", []):
        ctx.data["walkins"].append(person_id)
    return "roster"


# -- hours ---------------------------------------------------------------------------------------


def _length(activity: Activity) -> Decimal:
    """The activity's length in hours, to a tenth."""
    seconds = Decimal(int((activity.ends_at - activity.starts_at).total_seconds()))
    return (seconds / 3600).quantize(Decimal("0.1"))


async def _ask_hours(ctx: Ctx) -> Reply:
    activity = await _activity(ctx)
    length = _length(activity)
    choices = []
    for n in range(1, HOUR_BUTTONS + 1):
        key = N_("activities.n_hours_default") if Decimal(n) == length else N_("activities.n_hours")
        choices.append(Choice(ctx.t(key, n=n), f"h{n}"))
    if length != length.to_integral_value() or not 1 <= length <= HOUR_BUTTONS:
        choices.append(Choice(ctx.t(N_("activities.n_hours_default"), n=length), f"h{length}"))
    return ctx.reply("activities.ask_hours", length=length, choices=choices)


async def _take_hours(ctx: Ctx, message: Message) -> str | None:
    value = message.value
    text = value[1:] if re.fullmatch(r"h\d+(\.\d)?", value) else ""
    typed = numerals.parse_hours(message.text) if not text else Decimal(text)  # "两个半小时"
    if typed is None:
        raise InvalidInput("activities.hours_invalid", max=HOURS_MAX)
    hours = typed
    # Rounded as the hours module will record them, so the summary shows what is recorded.
    hours = rules_of(ctx.deps.config).round(hours) if hours.is_finite() else hours
    if not 0 < hours <= HOURS_MAX:
        raise InvalidInput("activities.hours_invalid", max=HOURS_MAX)
    ctx.data["hours"] = str(hours)
    return NEXT


# -- confirm -------------------------------------------------------------------------------------


async def _ask_confirm(ctx: Ctx) -> Reply:
    activity = await _activity(ctx)
    roster = await _roster(ctx)
    names = await repo.names(ctx.session, [s.person_id for s in roster])
    present = [s for s in roster if _present(ctx, s)]
    absent = [s for s in roster if not _present(ctx, s)]
    # What the organizer sees is what is recorded, even if someone checks in meanwhile.
    ctx.data["present"] = [s.id for s in present]
    came = [names.get(s.person_id) or "—" for s in present]
    added = await repo.names(ctx.session, ctx.data.get("walkins", []))
    came += [added.get(p) or "—" for p in ctx.data.get("walkins", [])]
    return ctx.reply(
        "activities.ask_close",
        title=activity.title,
        present=ctx.join(came) or "—",
        absent=ctx.join(names.get(s.person_id) or "—" for s in absent) or "—",
        n_present=len(came),
        n_absent=len(absent),
        hours=ctx.data["hours"],
        choices=[Choice(ctx.t(N_("activities.close_yes")), "yes")],
    )


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    if message.value != "yes":
        raise InvalidInput("common.pick_from_list")
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    activity = await repo.lock(ctx.session, ctx.data["activity"])
    if activity is None or activity.status != "open":
        raise Conflict("activities.changed")
    region = await manage(ctx, activity)
    await _not_a_participant(ctx, activity)
    hours = Decimal(ctx.data["hours"])
    present = set(ctx.data.get("present", []))
    attended = absent = 0
    for entry in await repo.signups(ctx.session, activity.id, repo.ACTIVE):
        if entry.status != "confirmed":  # an offer never answered, or still waiting: over now
            if entry.status == "promoted":
                entry.status, entry.promote_due_at = "cancelled", None
                await jobs.cancel(ctx.session, repo.TIMEOUT_KIND, str(entry.id))
            continue
        await repo.cancel_reminders(ctx.session, entry.id)
        if entry.id in present:
            entry.status = "attended"
            attended += 1
            await _record(ctx, activity, region, entry.person_id, hours)
        else:
            entry.status = "absent"
            absent += 1
            await repo.count_no_show(ctx.session, entry.person_id)
    env = Env.of(ctx)
    for person_id in ctx.data.get("walkins", []):
        entry = await walkins.add(env, activity, person_id, by=ctx.person.id, checked_in=False)
        entry.status = "attended"
        attended += 1
        await _record(ctx, activity, region, person_id, hours)
    activity.status, activity.hours = "closed", hours
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="activity.close",
        target=f"activity:{activity.id}",
        now=ctx.now,
        attended=attended,
        absent=absent,
        hours=str(hours),
    )
    return [
        ctx.reply(
            "activities.closed",
            title=activity.title,
            attended=attended,
            absent=absent,
            hours=str(hours),
        )
    ]


async def _record(
    ctx: Ctx, activity: Activity, region: Region, person_id: int, hours: Decimal
) -> None:
    await record_service(
        Sink.of(ctx),
        person_id=person_id,
        content=activity.title,
        place=activity.place,
        region_id=region.id,
        served_at=activity.starts_at,
        hours=hours,
        organizer_id=activity.organizer_id,
        recorded_by_id=ctx.person.id,
        activity_id=activity.id,
    )


CLOSE = Flow(
    name="activity_close",
    steps=(
        Step("roster", _ask_roster, _take_roster),
        Step("walkin", _ask_walkin, _take_walkin),
        Step("walkin_pick", walkins.ask_pick, _take_walkin_pick),
        Step("hours", _ask_hours, _take_hours, numbers=True),
        Step("confirm", _ask_confirm, _take_confirm),
    ),
    finish=_finish,
)
