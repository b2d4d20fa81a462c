"""A broadcast's progress (/broadcast_status, `linli admin broadcast status`) and cancellation."""

from __future__ import annotations

from sqlalchemy import update

from handlers.broadcasts.answers import answer_count
from handlers.broadcasts.compose import ALLOWED
from handlers.core.auth import require_role
from handlers.core.context import Ctx, Deps
from handlers.core.errors import UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.numbers import parse_id
from storage.models import Broadcast
from storage.repos import audit, jobs, regions, roles
from storage.repos import broadcasts as repo

STATE_LABELS = {
    "scheduled": N_("broadcasts.state.scheduled"),
    "sending": N_("broadcasts.state.sending"),
    "done": N_("broadcasts.state.done"),
    "cancelled": N_("broadcasts.state.cancelled"),
}


async def _own(ctx: Ctx) -> Broadcast:
    """The broadcast named in the arguments, if this person may see and stop it."""
    await require_role(ctx, ALLOWED)
    arg = ctx.args.strip()
    broadcast_id = parse_id(arg)
    if broadcast_id is None:
        raise UserError("broadcasts.which")
    broadcast = await repo.get(ctx.session, broadcast_id)
    if broadcast is None:
        raise UserError("broadcasts.not_found", id=arg)
    if broadcast.author_id != ctx.person.id:
        region = await regions.by_id(ctx.session, broadcast.region_id)
        await require_role(ctx, ALLOWED, region)
    return broadcast


def state_of(broadcast: Broadcast, counts: dict[str, int]) -> str:
    """scheduled / sending / done / cancelled."""
    if broadcast.status in ("scheduled", "cancelled"):
        return broadcast.status
    return "sending" if repo.unfinished(counts) else "done"


def describe(deps: Deps, lang: str, broadcast: Broadcast, counts: dict[str, int]) -> str:
    """A broadcast's progress in a language: sent, blocked, failed, held, pending, cancelled."""
    state = state_of(broadcast, counts)
    label = deps.i18n.translate(lang, STATE_LABELS[state])
    if state == "scheduled" and broadcast.scheduled_at is not None:
        label += " " + deps.i18n.datetime(lang, broadcast.scheduled_at)
    return deps.i18n.translate(
        lang,
        "broadcasts.status",
        id=broadcast.id,
        state=label,
        total=sum(counts.values()),
        sent=counts.get("sent", 0),
        blocked=counts.get("blocked", 0),
        failed=counts.get("failed", 0),
        held=counts.get("held", 0),
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        cancelled=counts.get("cancelled", 0),
        text=broadcast.text[:40] + ("…" if len(broadcast.text) > 40 else ""),
    )


async def show_status(ctx: Ctx) -> list[Reply]:
    """`/broadcast_status [ID]`: one broadcast's progress, or the latest ones."""
    if not ctx.args.strip():
        await require_role(ctx, ALLOWED)
        grants = await roles.active_grants(ctx.session, ctx.person.id)
        scopes = [g.region.path for g in grants if g.role in ALLOWED]
        latest = await repo.recent(ctx.session, ctx.person.id, scopes)
        if not latest:
            return [ctx.reply("broadcasts.none_yet")]
        lines = [
            describe(ctx.deps, ctx.lang, b, await repo.progress(ctx.session, b.id)) for b in latest
        ]
        return [Reply("\n\n".join(lines))]
    broadcast = await _own(ctx)
    counts = await repo.progress(ctx.session, broadcast.id)
    choices = [Choice(ctx.t("broadcasts.btn_refresh"), f"/broadcast_status {broadcast.id}")]
    if state_of(broadcast, counts) in ("scheduled", "sending"):
        choices.append(Choice(ctx.t("broadcasts.btn_cancel"), f"/broadcast_cancel {broadcast.id}"))
    text = describe(ctx.deps, ctx.lang, broadcast, counts)
    answers = await answer_count(ctx, broadcast.id)
    if answers:
        text += "\n" + ctx.t("broadcasts.answers_count", n=answers)
    return [Reply(text, tuple(choices))]


async def cancel_broadcast(ctx: Ctx) -> list[Reply]:
    """`/broadcast_cancel ID`: rows not yet sent are cancelled; a scheduled one never starts."""
    broadcast = await _own(ctx)
    if broadcast.status == "queued" and not repo.unfinished(
        await repo.progress(ctx.session, broadcast.id)
    ):
        raise UserError("broadcasts.already_cancelled", id=broadcast.id)  # all gone out
    moved = await ctx.session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status.in_(("scheduled", "queued")))
        .values(status="cancelled", cancelled_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(moved, "rowcount", 0):
        raise UserError("broadcasts.already_cancelled", id=broadcast.id)
    await jobs.cancel(ctx.session, "broadcast_start", str(broadcast.id))
    stopped = await repo.cancel_waiting(ctx.session, broadcast.id, ctx.now)
    counts = await repo.progress(ctx.session, broadcast.id)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="broadcast.cancel",
        target=f"broadcast:{broadcast.id}",
        now=ctx.now,
        stopped=stopped,
    )
    return [
        ctx.reply(
            "broadcasts.cancelled", id=broadcast.id, stopped=stopped, sent=counts.get("sent", 0)
        )
    ]
