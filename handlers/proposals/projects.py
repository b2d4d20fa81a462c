"""Practical projects (实事项目): /progress notes and marking done (closing: proposals.closing)."""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step, choice_step
from handlers.core.errors import Conflict, InvalidInput
from handlers.core.i18n import N_
from handlers.core.messages import Message, Reply
from handlers.proposals.closing import confirm_days, open_window
from handlers.proposals.common import (
    BODY_MAX,
    load,
    parse_id,
    push,
    require_organizer,
    status_label,
)
from storage.models import Proposal
from storage.repos import audit
from storage.repos import proposals as repo

# A project takes progress notes while under way, and again after residents dispute "done".
WORKING_STATES = ("accepted", "in_progress", "disputed")


def _not_working(ctx: Ctx, proposal: Proposal) -> Conflict:
    return Conflict("proposals.not_project", id=proposal.id, status=status_label(ctx, proposal))


# -- /progress ID ----------------------------------------------------------------------------------


async def _prepare(ctx: Ctx) -> None:
    proposal = await load(ctx, ctx.data.get("id") or parse_id(ctx.args))
    await require_organizer(ctx, proposal)
    if proposal.status not in WORKING_STATES:
        raise _not_working(ctx, proposal)
    ctx.data["id"] = proposal.id


async def _ask_note(ctx: Ctx) -> Reply:
    proposal = await load(ctx, ctx.data["id"])
    return ctx.reply("proposals.ask_progress", id=proposal.id, title=proposal.title)


async def _take_note(ctx: Ctx, message: Message) -> str | None:
    note = message.text.strip()
    if not note:
        raise InvalidInput("proposals.note_empty")
    if len(note) > BODY_MAX:
        raise InvalidInput("proposals.note_too_long", limit=BODY_MAX, length=len(note))
    ctx.data["note"] = note
    return NEXT


STATE = choice_step(
    "state",
    "proposals.ask_progress_state",
    ((N_("proposals.btn.still_working"), "working"), (N_("proposals.btn.mark_done"), "done")),
    store="state",
    then=lambda _: DONE,
)


async def _finish(ctx: Ctx) -> list[Reply]:
    try:  # the project may have changed meanwhile: then nothing of this note is kept
        async with ctx.session.begin_nested():
            return await record_progress(
                ctx, ctx.data["id"], ctx.data["note"], ctx.data["state"] == "done"
            )
    except Conflict as exc:
        return [ctx.reply(exc.key, **exc.params)]


PROGRESS = Flow(
    name="progress",
    guard=_prepare,
    steps=(Step("note", _ask_note, _take_note), STATE),
    finish=_finish,
)


async def record_progress(ctx: Ctx, proposal_id: int, note: str, done: bool) -> list[Reply]:
    """Post a progress note, or mark the project done and ask its followers to confirm."""
    proposal = await load(ctx, proposal_id, lock=True)
    await require_organizer(ctx, proposal)
    if proposal.status not in WORKING_STATES:
        raise _not_working(ctx, proposal)
    if not done:
        proposal.status = "in_progress"
        repo.add_event(ctx.session, proposal, "progress", ctx.now, ctx.person.id, note)
        await push(ctx, proposal, N_("proposals.push.progress"), note=note)
        return [ctx.reply("proposals.progress_ok", id=proposal.id)]
    proposal.status, proposal.done_at = "done", ctx.now
    open_window(proposal, ctx.deps.config, ctx.now)
    repo.add_event(ctx.session, proposal, "done", ctx.now, ctx.person.id, note)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="proposal.done",
        target=f"proposal:{proposal.id}",
        now=ctx.now,
    )
    await push(
        ctx,
        proposal,
        N_("proposals.push.done"),
        choices=[
            (N_("proposals.btn.confirm"), f"confirm:{proposal.id}"),
            (N_("proposals.btn.dispute"), f"dispute:{proposal.id}"),
        ],
        note=note,
        days=confirm_days(ctx.deps.config),
    )
    return [ctx.reply("proposals.done_ok", id=proposal.id)]
