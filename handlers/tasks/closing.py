"""Closing the loop: done with hours, reminded, confirmed (by words, command, button, an organizer
on the resident's behalf, or by itself after some days), rated.

The volunteer's "done" asks the hours (the task's planned length offered, any number typed),
bounded by the task's time window and the configured cap, and is refused before the task starts.
It plans two sweeps: a reminder to the resident (`closing.reminder_hours` later) and the automatic
confirmation (`closing.auto_confirm_days`); the resident is told and may still dispute for
`closing.dispute_days`. Confirming records the hours and asks for the rating.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from handlers.core.auth import ORGANIZERS, require_not_subject, require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import At, Pair, Sink, notify
from handlers.core.numbers import parse_id
from handlers.core.ratings import RATING_CHOICES
from handlers.hours import record_service
from handlers.hours.records import check_hours
from handlers.hours.rules import rules_of, show
from handlers.needs import set_status
from handlers.needs.common import item_of, rater_id, region_of
from storage.models import Assignment, DueJob, Need, Person, ServiceRecord
from storage.repos import audit, jobs, roles
from storage.repos import tasks as repo

REMINDER, AUTO = "confirm_reminder", "auto_confirm"
CHOICES = (Decimal(1), Decimal(2), Decimal(3))  # offered beside the planned length


# -- done: the hours, bounded by the task's time --------------------------------------------------


def planned(need: Need) -> Decimal | None:
    """The task's planned length in hours (its time window), if it has one."""
    if need.window_start and need.window_end and need.window_end > need.window_start:
        return Decimal((need.window_end - need.window_start).total_seconds()) / 3600
    return None


def hours_cap(sink: Sink, need: Need) -> Decimal:
    """The most hours the task may record: its window's length, at most the configured cap."""
    cap = sink.config.closing.max_task_hours
    span = planned(need)
    return min(span, cap) if span is not None else cap


def parse_hours(text: str, cap: Decimal) -> Decimal:
    """Hours typed as "3.5", "3.5小时", "2h" or "2 hours"; InvalidInput outside (0, cap]."""
    raw = text.strip().lower()
    for unit in ("小时", "个小时", "hours", "hour", "h"):
        raw = raw.removesuffix(unit).strip()
    try:
        hours = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise InvalidInput("closing.bad_hours", limit=show(cap)) from None
    if not hours.is_finite() or not 0 < hours <= cap:
        raise InvalidInput("closing.bad_hours", limit=show(cap))
    return hours


def check_started(ctx: Ctx, need: Need) -> None:
    """A task cannot be done before it starts."""
    if need.window_start is not None and ctx.now < need.window_start:
        raise UserError("closing.too_early", start=ctx.when(need.window_start))


async def finish_done(ctx: Ctx, task: Assignment, need: Need, hours: Decimal) -> list[Reply]:
    """Mark the task done with `hours`: ask the resident to confirm, plan the reminder and the
    automatic confirmation."""
    sink = Sink.of(ctx)
    task.hours = check_hours(hours, rules_of(ctx.deps.config))
    task.status, task.done_at = "done_marked", ctx.now
    item = await item_of(ctx.session, need)
    await notify(
        sink,
        await rater_id(ctx.session, need),
        "closing.confirm_ask",
        id=need.id,
        item=Pair(item.name_zh, item.name_en),
        name=ctx.person.display_name,
        hours=show(task.hours),
        choices=_confirm_choices(task),
    )
    rules = ctx.deps.config.closing
    await jobs.schedule(ctx.session, REMINDER, str(task.id), ctx.now + rules.reminder, ctx.now)
    await jobs.schedule(ctx.session, AUTO, str(task.id), ctx.now + rules.auto_confirm, ctx.now)
    return [ctx.reply("closing.done_marked", id=need.id, hours=show(task.hours))]


def _confirm_choices(task: Assignment) -> list[tuple[str, str]]:
    return [("tasks.confirm", f"taskok:{task.id}"), ("tasks.dispute", f"taskbad:{task.id}")]


async def _load_task(ctx: Ctx) -> tuple[Assignment, Need]:
    task = await ctx.session.get(Assignment, int(ctx.data["task"]))
    need = await ctx.session.get(Need, task.need_id) if task else None
    if task is None or need is None:
        raise Conflict("tasks.no_task")
    return task, need


async def _ask_hours(ctx: Ctx) -> Reply:
    _, need = await _load_task(ctx)
    cap = hours_cap(Sink.of(ctx), need)
    offered = [h for h in CHOICES if h <= cap]
    span = planned(need)
    if span is not None and span <= cap and span not in offered:
        offered = sorted({*offered, span})
    return ctx.reply(
        "closing.ask_hours",
        id=need.id,
        limit=show(cap),
        planned=show(span) if span is not None else "—",
        choices=[Choice(ctx.t("closing.hours_choice", hours=show(h)), str(h)) for h in offered],
    )


async def _take_hours(ctx: Ctx, message: Message) -> str | None:
    _, need = await _load_task(ctx)
    said = message.payload if message.payload is not None else message.text
    ctx.data["hours"] = str(parse_hours(said, hours_cap(Sink.of(ctx), need)))
    return DONE


async def _finish_hours(ctx: Ctx) -> list[Reply]:
    task, need = await _load_task(ctx)
    if task.person_id != ctx.person.id:
        raise NotAllowed()
    if task.status != "active":
        raise Conflict("tasks.not_active", id=need.id)
    return await finish_done(ctx, task, need, Decimal(ctx.data["hours"]))


HOURS = Flow(
    name="task_hours",
    steps=(Step("hours", _ask_hours, _take_hours, numbers=True),),
    finish=_finish_hours,
)


# -- confirming ---------------------------------------------------------------------------------


async def may_confirm(ctx: Ctx, need: Need) -> bool:
    """The served person (or whoever asked for them) confirms; organizers on their behalf."""
    if ctx.person.id in (await rater_id(ctx.session, need), need.entered_by_id):
        return True
    return await roles.holds(
        ctx.session, ctx.person.id, ORGANIZERS, await region_of(ctx.session, need)
    )


async def confirm_task(
    sink: Sink, task: Assignment, need: Need, actor_id: int | None
) -> ServiceRecord:
    """Confirm a done task: record its hours, audit who confirmed (None: by itself), close the
    need when no task is left open. Whoever follows the need hears from the caller."""
    item = await item_of(sink.session, need)
    region = await region_of(sink.session, need)
    task.status, task.confirmed_at, task.confirmed_by_id = "confirmed", sink.now, actor_id
    assert task.person_id is not None and task.done_at is not None
    record = await record_service(
        sink,
        person_id=task.person_id,
        content=item.name_zh,
        place=region.name,
        region_id=region.id,
        served_at=task.done_at,
        hours=task.hours or Decimal(1),
        organizer_id=None,
        recorded_by_id=actor_id,
        assignment_id=task.id,
    )
    rater = await rater_id(sink.session, need)
    how = "auto" if actor_id is None else ("self" if actor_id == rater else "on_behalf")
    audit.record(
        sink.session,
        actor_id=actor_id,
        action="task.confirm",
        target=f"task:{task.id}",
        now=sink.now,
        need=need.id,
        how=how,
        hours=str(record.hours),
    )
    left = [t for t in await repo.assignments_for(sink.session, need.id) if t.status != "confirmed"]
    if not left and need.status == "assigned":
        await set_status(sink, need, "done", actor_id, announce=False)
    return record


def rating_choices(need: Need) -> list[tuple[str, str]]:
    """The star buttons of a done, unrated need."""
    if need.status != "done" or need.rating is not None:
        return []
    return [(label, f"needrate:{need.id}:{stars}") for label, stars in RATING_CHOICES]


async def confirmed_reply(ctx: Ctx, task: Assignment, need: Need, hours: Decimal) -> list[Reply]:
    """What the confirmer hears (and, confirmed on their behalf, what the resident is told)."""
    rater = await rater_id(ctx.session, need)
    if ctx.person.id != rater:  # an organizer on the resident's behalf: the resident is told
        item = await item_of(ctx.session, need)
        await notify(
            ctx,
            rater,
            "closing.confirmed_for_you",
            id=need.id,
            item=Pair(item.name_zh, item.name_en),
            name=ctx.person.display_name,
            hours=show(hours),
            choices=rating_choices(need),
        )
        return [ctx.reply("closing.confirmed_on_behalf", id=need.id, hours=show(hours))]
    choices = [Choice(ctx.t(label), payload) for label, payload in rating_choices(need)]
    key = "closing.confirmed_rate" if choices else "closing.confirmed"
    return [ctx.reply(key, id=need.id, hours=show(hours), choices=choices)]


async def awaiting(ctx: Ctx) -> list[tuple[Assignment, Need]]:
    """Tasks marked done that wait for this person's confirmation (served or asked for)."""
    found = []
    for task in await repo.done_marked_for(ctx.session, ctx.person.id):
        need = await ctx.session.get(Need, task.need_id)
        if need is not None and ctx.person.id in (
            await rater_id(ctx.session, need),
            need.entered_by_id,
        ):
            found.append((task, need))
    return found


async def confirm_command(ctx: Ctx) -> list[Reply]:
    """/task_confirm [need], "确认完成", "完成了": confirm what waits for me (or, as the volunteer,
    say my task is done)."""
    await require_registered(ctx)
    if ctx.args.strip():
        need_id = parse_id(ctx.args.split()[0])
        need = await ctx.session.get(Need, need_id) if need_id else None
        if need is None:
            raise Conflict("tasks.no_task")
        if not await may_confirm(ctx, need):
            raise NotAllowed()
        tasks = [
            t for t in await repo.assignments_for(ctx.session, need.id) if t.status == "done_marked"
        ]
        if not tasks:
            raise Conflict("tasks.not_done_yet", id=need.id)
        pairs = [(t, need) for t in tasks]
    else:
        pairs = await awaiting(ctx)
    if len(pairs) == 1:
        task, need = pairs[0]
        require_not_subject(ctx, task.person_id)  # nobody confirms their own work
        record = await confirm_task(Sink.of(ctx), task, need, ctx.person.id)
        return await confirmed_reply(ctx, task, need, record.hours)
    if pairs:
        choices = [
            Choice(ctx.t("closing.confirm_one", id=n.id), f"taskok:{t.id}") for t, n in pairs
        ]
        return [ctx.reply("closing.which", choices=choices)]
    mine = [t for t in (await repo.mine(ctx.session, ctx.person.id))[1] if t.status == "active"]
    if len(mine) == 1:  # the volunteer's "完成了": the task is done, ask the hours
        from handlers.tasks.work import mark_done  # here: work imports this module

        return await mark_done(ctx, [str(mine[0].need_id)])
    return [ctx.reply("closing.nothing")]


# -- sweeps: the reminder, the automatic confirmation ----------------------------------------


async def _waiting(sink: Sink, job: DueJob) -> tuple[Assignment, Need] | None:
    task = await sink.session.get(Assignment, int(job.ref))
    if task is None or task.status != "done_marked":
        return None  # confirmed, disputed or cancelled meanwhile
    need = await sink.session.get(Need, task.need_id)
    return (task, need) if need is not None else None


async def remind(sink: Sink, job: DueJob) -> None:
    """Sweep "confirm_reminder": remind the resident that a task waits for confirmation."""
    found = await _waiting(sink, job)
    if found is None:
        return
    task, need = found
    item = await item_of(sink.session, need)
    volunteer = await sink.session.get(Person, task.person_id)
    await notify(
        sink,
        await rater_id(sink.session, need),
        "closing.reminder",
        id=need.id,
        item=Pair(item.name_zh, item.name_en),
        name=volunteer.display_name if volunteer else "",
        hours=show(task.hours or Decimal(1)),
        auto=At(task.done_at + sink.config.closing.auto_confirm) if task.done_at else "",
        choices=_confirm_choices(task),
    )


async def auto_confirm(sink: Sink, job: DueJob) -> None:
    """Sweep "auto_confirm": nobody answered; the task confirms itself, the resident is told and
    may still dispute for `closing.dispute_days`."""
    found = await _waiting(sink, job)
    if found is None:
        return
    task, need = found
    record = await confirm_task(sink, task, need, None)
    item = await item_of(sink.session, need)
    await notify(
        sink,
        await rater_id(sink.session, need),
        "closing.auto_confirmed",
        id=need.id,
        item=Pair(item.name_zh, item.name_en),
        hours=show(record.hours),
        until=At(sink.now + sink.config.closing.dispute_window),
        choices=[("tasks.dispute", f"taskbad:{task.id}"), *rating_choices(need)],
    )


def late_disputable(sink: Sink, task: Assignment) -> bool:
    """Confirmed by itself, and still within the dispute window."""
    return (
        task.status == "confirmed"
        and task.confirmed_by_id is None
        and task.confirmed_at is not None
        and sink.now <= task.confirmed_at + sink.config.closing.dispute_window
    )


async def withdraw_hours(sink: Sink, task: Assignment) -> None:
    """A dispute after the automatic confirmation: the record waits for an organizer's review
    (a correction to 0 hours, answered with /hours like any other correction)."""
    record = await repo.record_of(sink.session, task.id)
    if record is not None and record.correction_requested is None:
        record.correction_requested = Decimal(0)
        record.correction_reason = "异议 / disputed after automatic confirmation"
