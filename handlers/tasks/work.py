"""After acceptance: my tasks, marking done, confirming (hours recorded), disputing, cancelling."""

from __future__ import annotations

from handlers.core.auth import ORGANIZERS, require_not_subject, require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step, begin
from handlers.core.errors import Conflict, InvalidInput, NotAllowed
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink, notify
from handlers.core.numbers import parse_id
from handlers.needs import set_status
from handlers.relay import contact
from handlers.tasks import closing
from handlers.tasks.offers import NeedView, offer_round
from storage.models import Assignment, Need
from storage.repos import regions, roles
from storage.repos import tasks as repo

STATUS_LABELS = {"active": N_("tasks.status_active"), "done_marked": N_("tasks.status_done_marked")}


async def list_tasks(ctx: Ctx) -> list[Reply]:
    """/tasks: offers waiting for my answer and the tasks I have accepted."""
    await require_registered(ctx)
    offers, tasks = await repo.mine(ctx.session, ctx.person.id)
    if not offers and not tasks:
        return [ctx.reply("tasks.none")]
    replies = []
    for offer in offers:
        need = await ctx.session.get(Need, offer.need_id)
        assert need is not None
        view = await NeedView.load(ctx.session, need)
        replies.append(
            ctx.reply(
                "tasks.offer_line",
                id=need.id,  # the need's number: the one everyone uses
                item=view.item.name(ctx.lang),
                place=await contact.offer_place(ctx.session, view.region),
                choices=[
                    Choice(ctx.t("tasks.accept"), f"offer:{offer.id}:accept"),
                    Choice(ctx.t("tasks.decline"), f"offer:{offer.id}:decline"),
                ],
            )
        )
    for task in tasks:  # the full view: the place, how to reach the resident, the buttons
        need = await ctx.session.get(Need, task.need_id)
        assert need is not None
        status = ctx.t(STATUS_LABELS.get(task.status, STATUS_LABELS["done_marked"]))
        replies.append(
            await contact.task_reply(ctx, task, need, head="relay.task_view", status=status)
        )
    return replies


# Which of a need's tasks a typed number means, best first: one still to do, then one done.
PREFERRED = ("active", "done_marked", "disputed", "confirmed", "cancelled")


async def task_of(ctx: Ctx, raw: str) -> tuple[Assignment, Need]:
    """The task a need's number names for the person acting: their own task for that need, or
    (the resident, an organizer) the need's task still open. Everyone types the need's number;
    a task's own id is never shown."""
    await require_registered(ctx)
    need = await ctx.session.get(Need, need_id) if (need_id := parse_id(raw)) else None
    tasks = await repo.assignments_for(ctx.session, need.id, active_only=False) if need else []
    mine = [t for t in tasks if t.person_id == ctx.person.id]
    task = _best(mine or tasks)
    if task is None or need is None:
        raise Conflict("tasks.no_task")
    return task, need


def _best(tasks: list[Assignment]) -> Assignment | None:
    """The task to act on: the least finished one, the newest among equals."""
    ranked = sorted(tasks, key=lambda t: (PREFERRED.index(t.status), -t.id))
    return ranked[0] if ranked else None


async def _task_by_id(ctx: Ctx, raw: str) -> tuple[Assignment, Need]:
    """A button's task (its payload carries the task's internal id)."""
    await require_registered(ctx)
    task = await ctx.session.get(Assignment, task_id) if (task_id := parse_id(raw)) else None
    need = await ctx.session.get(Need, task.need_id) if task else None
    if task is None or need is None:
        raise Conflict("tasks.no_task")
    return task, need


async def mark_done(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "taskdone:NEED" (or /task_done NEED [hours]): the volunteer says the task is done;
    the hours are asked unless given, bounded by the task's time (handlers/tasks/closing.py)."""
    task, need = await task_of(ctx, args[0] if args else "")
    if task.person_id != ctx.person.id:
        raise NotAllowed()
    if task.status != "active":
        raise Conflict("tasks.not_active", id=need.id)
    closing.check_started(ctx, need)
    if len(args) > 1:
        hours = closing.parse_hours(args[1], closing.hours_cap(Sink.of(ctx), need))
        return await closing.finish_done(ctx, task, need, hours)
    return await begin(ctx, closing.HOURS, {"task": task.id})


async def task_done_command(ctx: Ctx) -> list[Reply]:
    """/task_done NEED [hours]."""
    return await mark_done(ctx, ctx.args.split())


async def _confirmable(ctx: Ctx, args: list[str], late_ok: bool = False) -> tuple[Assignment, Need]:
    task, need = await _task_by_id(ctx, args[0] if args else "")
    if not await closing.may_confirm(ctx, need):
        raise NotAllowed()
    require_not_subject(ctx, task.person_id)
    late = closing.late_disputable(Sink.of(ctx), task)  # confirmed by itself: still disputable
    if task.status != "done_marked" and not (late and late_ok):
        raise Conflict("tasks.not_done_yet", id=need.id)
    return task, need


async def confirm(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "taskok:ID": the resident (or an organizer, audited) confirms; hours are recorded
    and the rating is asked."""
    task, need = await _confirmable(ctx, args)
    record = await closing.confirm_task(Sink.of(ctx), task, need, ctx.person.id)
    return await closing.confirmed_reply(ctx, task, need, record.hours)


async def dispute(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "taskbad:ID": the resident says it was not done; organizers look into it."""
    task, need = await _confirmable(ctx, args, late_ok=True)
    if task.status == "confirmed":  # after the automatic confirmation: hours under review
        await closing.withdraw_hours(Sink.of(ctx), task)
    task.status = "disputed"
    view = await NeedView.load(ctx.session, need)
    sink = Sink.of(ctx)
    community = await regions.ancestor_at(ctx.session, view.region, "community") or view.region
    for person_id in await roles.holders(ctx.session, ORGANIZERS, community):
        await notify(
            sink,
            person_id,
            "tasks.disputed_alert",
            id=need.id,
            item=view.item_name,
            place=view.region.name,
        )
    await notify(sink, task.person_id, "tasks.disputed_notice", id=need.id, item=view.item_name)
    return [ctx.reply("tasks.disputed", id=need.id)]


# -- cancelling an accepted task, with a reason ---------------------------------------------------


async def _start_cancel(ctx: Ctx) -> None:
    task, need = await task_of(ctx, ctx.args.split()[0] if ctx.args else "")
    if ctx.person.id not in (task.person_id, need.person_id, need.entered_by_id):
        raise NotAllowed()
    if task.status not in ("active", "done_marked"):
        raise Conflict("tasks.not_active", id=need.id)
    ctx.data["task"] = task.id


async def _ask_reason(ctx: Ctx) -> Reply:
    return ctx.reply("tasks.ask_cancel_reason")


async def _take_reason(ctx: Ctx, message: Message) -> str | None:
    reason = message.text.strip()
    if not reason or reason.startswith("/") or len(reason) > 200:
        raise InvalidInput("tasks.bad_reason", limit=200)
    ctx.data["reason"] = reason
    return DONE


async def _finish_cancel(ctx: Ctx) -> list[Reply]:
    task, need = await _task_by_id(ctx, str(ctx.data["task"]))
    if task.status not in ("active", "done_marked"):
        raise Conflict("tasks.not_active", id=need.id)
    task.status, task.cancel_reason = "cancelled", ctx.data["reason"]
    view = await NeedView.load(ctx.session, need)
    by_volunteer = ctx.person.id == task.person_id
    other = (need.person_id or need.entered_by_id) if by_volunteer else task.person_id
    sink = Sink.of(ctx)
    await notify(
        sink,
        other,
        "tasks.cancelled_notice",
        id=need.id,
        item=view.item_name,
        reason=ctx.data["reason"],
    )
    if need.status == "assigned" and by_volunteer:
        await set_status(Sink.of(ctx), need, "matching", ctx.person.id)
        await offer_round(sink, ctx.deps.config, need, ctx.person.id)
    elif need.status == "assigned":
        await set_status(Sink.of(ctx), need, "cancelled", ctx.person.id)
    return [ctx.reply("tasks.cancelled", id=need.id)]


TASK_CANCEL = Flow(
    name="task_cancel",
    guard=_start_cancel,
    steps=(Step("reason", _ask_reason, _take_reason),),
    finish=_finish_cancel,
)
