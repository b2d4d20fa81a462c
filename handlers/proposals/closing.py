"""Closing a practical project (README "Closing a practical project").

When an organizer marks a project done, its followers (proposer and co-signers) have
`confirm_days` days (LINLI_PROJECT_CONFIRM_DAYS) to confirm it or dispute it with a reason, once
each. The project is closed when the confirmations are a majority of the followers who answered
(or nobody answered) by the end of the window — earlier once no later answer can change that —
and goes back to the organizers when the disputes are at least as many. An organizer may also
close it with a written answer to the disputes. A closed project takes no more disputes: no one
co-signer closes it for everyone, and no follower reopens it forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.core.auth import require_not_subject
from handlers.core.context import CoreConfig, Ctx
from handlers.core.dialogs import NEXT, Flow, Step, begin
from handlers.core.errors import Conflict, InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Message, Reply
from handlers.core.notify import Sink, notify
from handlers.proposals.common import (
    BODY_MAX,
    load,
    parse_id,
    require_follower,
    require_organizer,
    status_label,
    tell_organizers,
)
from storage.models import DueJob, Proposal
from storage.repos import audit
from storage.repos import proposals as repo


def confirm_days(config: CoreConfig) -> int:
    """Days followers have to confirm or dispute a project marked done."""
    return max(1, config.proposals.confirm_days)


def open_window(proposal: Proposal, config: CoreConfig, now: datetime) -> None:
    """Start the confirmation window of a project just marked done."""
    proposal.confirm_due = now + timedelta(days=confirm_days(config))
    proposal.closed_at = None


async def _awaiting(ctx: Ctx, proposal: Proposal) -> None:
    """Refuse unless the project is done, not closed, and its window is still open."""
    if proposal.closed_at is not None:
        raise Conflict("proposals.already_closed", id=proposal.id)
    if proposal.status != "done" or proposal.done_at is None:
        raise Conflict("proposals.not_done", id=proposal.id, status=status_label(ctx, proposal))
    if proposal.confirm_due is not None and ctx.now > proposal.confirm_due:
        raise Conflict("proposals.window_over", id=proposal.id)


async def _may_answer(ctx: Ctx, proposal: Proposal) -> None:
    await require_follower(ctx, proposal)
    await _awaiting(ctx, proposal)
    require_not_subject(ctx, await repo.marked_done_by(ctx.session, proposal))
    assert proposal.done_at is not None
    answers = await repo.answers_since(ctx.session, proposal.id, proposal.done_at)
    if ctx.person.id in answers:
        raise UserError("proposals.already_answered", id=proposal.id)


# -- confirm ---------------------------------------------------------------------------------------


async def confirm(ctx: Ctx, proposal_id: int) -> list[Reply]:
    """A follower confirms the project is done (once per round); it may close the project."""
    proposal = await load(ctx, proposal_id, lock=True)
    await _may_answer(ctx, proposal)
    repo.add_event(ctx.session, proposal, "confirmed", ctx.now, ctx.person.id)
    replies = [ctx.reply("proposals.confirmed_ok", id=proposal.id, title=proposal.title)]
    if await settle(Sink.of(ctx), proposal, final=False, actor=ctx.person.id) == "closed":
        replies.append(ctx.reply("proposals.closed_now", id=proposal.id))
    return replies


async def confirm_command(ctx: Ctx) -> list[Reply]:
    """/confirm ID."""
    return await confirm(ctx, parse_id(ctx.args))


async def confirm_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "confirm:ID" button."""
    return await confirm(ctx, parse_id(args[0] if args else ""))


# -- dispute, with a reason ----------------------------------------------------------------------


async def _prepare_dispute(ctx: Ctx) -> None:
    proposal = await load(ctx, ctx.data.get("id") or parse_id(ctx.args))
    await _may_answer(ctx, proposal)
    ctx.data["id"] = proposal.id


async def _ask_reason(ctx: Ctx) -> Reply:
    proposal = await load(ctx, ctx.data["id"])
    return ctx.reply("proposals.ask_dispute_reason", id=proposal.id, title=proposal.title)


async def _take_reason(ctx: Ctx, message: Message) -> str | None:
    reason = message.text.strip()
    if not reason or len(reason) > BODY_MAX:
        raise InvalidInput("proposals.reason_invalid", limit=BODY_MAX)
    ctx.data["reason"] = reason
    return NEXT


async def _finish_dispute(ctx: Ctx) -> list[Reply]:
    try:  # the project may have closed meanwhile
        async with ctx.session.begin_nested():
            return await dispute(ctx, ctx.data["id"], ctx.data["reason"])
    except Conflict as exc:
        return [ctx.reply(exc.key, **exc.params)]


DISPUTE = Flow(
    name="proposal_dispute",
    guard=_prepare_dispute,
    steps=(Step("reason", _ask_reason, _take_reason),),
    finish=_finish_dispute,
)


async def dispute(ctx: Ctx, proposal_id: int, reason: str) -> list[Reply]:
    """Record a follower's dispute and its reason; organizers hear it; it may reopen the project."""
    proposal = await load(ctx, proposal_id, lock=True)
    await _may_answer(ctx, proposal)
    repo.add_event(ctx.session, proposal, "disputed", ctx.now, ctx.person.id, reason)
    await tell_organizers(
        ctx,
        proposal,
        N_("proposals.org.disputed"),
        choices=[
            (N_("proposals.btn.close"), f"/close_project {proposal.id}"),
            (N_("proposals.btn.view"), f"/proposal {proposal.id}"),
        ],
        reason=reason,
    )
    replies = [ctx.reply("proposals.disputed_ok", id=proposal.id)]
    if await settle(Sink.of(ctx), proposal, final=False, actor=ctx.person.id) == "reopened":
        replies.append(ctx.reply("proposals.reopened_now", id=proposal.id))
    return replies


async def dispute_command(ctx: Ctx) -> list[Reply]:
    """/dispute ID: asks the reason."""
    return await begin(ctx, DISPUTE, {"id": parse_id(ctx.args)})


async def dispute_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "dispute:ID" button: asks the reason."""
    return await begin(ctx, DISPUTE, {"id": parse_id(args[0] if args else "")})


# -- the rule --------------------------------------------------------------------------------------


async def settle(
    sink: Sink, proposal: Proposal, *, final: bool, actor: int | None = None
) -> str | None:
    """Apply the closing rule; "closed", "reopened", or None while the outcome is still open."""
    if proposal.status != "done" or proposal.done_at is None or proposal.closed_at is not None:
        return None
    session = sink.session
    marker = await repo.marked_done_by(session, proposal)
    followers = [p for p in await repo.followers(session, proposal) if p != marker]
    answers = await repo.answers_since(session, proposal.id, proposal.done_at)
    yes = sum(1 for pid, (kind, _) in answers.items() if kind == "confirmed" and pid in followers)
    no = sum(1 for pid, (kind, _) in answers.items() if kind == "disputed" and pid in followers)
    left = max(0, len(followers) - yes - no)
    if yes > no + left or (final and (yes > no or yes == no == 0)):
        proposal.closed_at = sink.now
        repo.add_event(session, proposal, "closed", sink.now, None, f"{yes}/{no}")
        await _tell(sink, proposal, followers, actor, N_("proposals.push.closed"), yes=yes, no=no)
        return "closed"
    if no >= yes + left or final:
        proposal.status, proposal.confirm_due = "disputed", None
        repo.add_event(session, proposal, "reopened", sink.now, None, f"{yes}/{no}")
        await _tell(sink, proposal, followers, actor, N_("proposals.push.reopened"), yes=yes, no=no)
        return "reopened"
    return None


async def _tell(
    sink: Sink,
    proposal: Proposal,
    people: list[int],
    actor: int | None,
    key: str,
    **params: Any,
) -> None:
    for person_id in people:
        if person_id != actor:
            await notify(sink, person_id, key, id=proposal.id, title=proposal.title, **params)


async def settle_due(sink: Sink, job: DueJob | None = None) -> int:
    """The sweep: settle every project whose confirmation window ended; how many were settled."""
    session, now = sink.session, sink.now
    settled = 0
    for proposal_id in await repo.confirm_due(session, now):
        proposal = await repo.get(session, proposal_id, lock=True)
        if proposal is not None and await settle(sink, proposal, final=True):
            settled += 1
    return settled


# -- an organizer closes, answering the disputes ---------------------------------------------------


async def _disputes(ctx: Ctx, proposal: Proposal) -> list[str]:
    """The reasons of the disputes of the latest round."""
    if proposal.done_at is None:
        return []
    answers = await repo.answers_since(ctx.session, proposal.id, proposal.done_at)
    return [note or "" for kind, note in answers.values() if kind == "disputed"]


async def _prepare_close(ctx: Ctx) -> None:
    proposal = await load(ctx, ctx.data.get("id") or parse_id(ctx.args))
    await require_organizer(ctx, proposal)
    if proposal.closed_at is not None:
        raise Conflict("proposals.already_closed", id=proposal.id)
    if proposal.status not in ("done", "disputed") or proposal.done_at is None:
        raise Conflict("proposals.not_done", id=proposal.id, status=status_label(ctx, proposal))
    ctx.data["id"] = proposal.id


async def _ask_answer(ctx: Ctx) -> Reply:
    proposal = await load(ctx, ctx.data["id"])
    reasons = await _disputes(ctx, proposal)
    listed = "\n".join(f"- {r}" for r in reasons) or ctx.t("proposals.no_disputes")
    return ctx.reply("proposals.ask_close_answer", id=proposal.id, disputes=listed)


async def _take_answer(ctx: Ctx, message: Message) -> str | None:
    answer = message.text.strip()
    if not answer or len(answer) > BODY_MAX:
        raise InvalidInput("proposals.close_answer_invalid", limit=BODY_MAX)
    ctx.data["answer"] = answer
    return NEXT


async def _finish_close(ctx: Ctx) -> list[Reply]:
    proposal = await load(ctx, ctx.data["id"], lock=True)
    await require_organizer(ctx, proposal)
    if proposal.closed_at is not None:
        return [ctx.reply("proposals.already_closed", id=proposal.id)]
    answer = ctx.data["answer"]
    proposal.status, proposal.closed_at, proposal.confirm_due = "done", ctx.now, None
    repo.add_event(ctx.session, proposal, "closed", ctx.now, ctx.person.id, answer)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="proposal.close",
        target=f"proposal:{proposal.id}",
        now=ctx.now,
    )
    followers = await repo.followers(ctx.session, proposal)
    await _tell(
        Sink.of(ctx),
        proposal,
        followers,
        ctx.person.id,
        N_("proposals.push.closed_by"),
        answer=answer,
    )
    return [ctx.reply("proposals.closed_ok", id=proposal.id, title=proposal.title)]


CLOSE = Flow(
    name="close_project",
    guard=_prepare_close,
    steps=(Step("answer", _ask_answer, _take_answer),),
    finish=_finish_close,
)
