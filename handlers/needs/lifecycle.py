"""A need's life: validated state changes (the hand-off to matching), cancelling, rating."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import require_not_subject, require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, begin, optional_text_step
from handlers.core.errors import Conflict, NotAllowed
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.notify import Pair, Sink, notify
from handlers.core.ratings import RATING_CHOICES, STARS
from handlers.needs.common import (
    SELF_CANCELLABLE,
    is_staff_for,
    item_of,
    load,
    rater_id,
)
from storage.models import Need, Region, ServiceItem
from storage.repos import audit
from storage.repos import needs as needs_repo
from storage.repos import tasks as tasks_repo

# Allowed moves. matching → open: no volunteer found yet; assigned → open/matching: the volunteer
# dropped out. done and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"matching", "assigned", "cancelled"}),
    "matching": frozenset({"open", "assigned", "cancelled"}),
    "assigned": frozenset({"open", "matching", "done", "cancelled"}),
    "done": frozenset(),
    "cancelled": frozenset(),
}
NOTICES = {
    "open": N_("needs.notice_open"),
    "matching": N_("needs.notice_matching"),
    "assigned": N_("needs.notice_assigned"),
    "done": N_("needs.notice_done"),
    "cancelled": N_("needs.notice_cancelled"),
}
COMMENT_LIMIT = 500


async def open_needs(session: AsyncSession, region: Region | None = None) -> list[Need]:
    """Needs waiting for a match (status "open"), oldest first, in a region subtree or anywhere.

    Items the community service station handles (一窗受理) are never matched to volunteers.
    """
    query = (
        select(Need)
        .join(ServiceItem, ServiceItem.id == Need.service_item_id)
        .where(Need.status == "open", ServiceItem.handler != "station")
    )
    if region is not None:
        query = query.join(Region, Region.id == Need.region_id).where(
            Region.path.startswith(region.path)
        )
    rows = await session.execute(query.order_by(Need.created_at, Need.id))
    return list(rows.scalars())


async def set_status(
    sink: Sink,
    need: Need,
    status: str,
    actor_id: int | None,
    *,
    announce: bool = True,
) -> Need:
    """Move a need to `status` if that is a valid step from the status the caller saw.

    Raises Conflict when the move is not allowed, or when the need changed meanwhile (the caller's
    copy is stale). Records the change in the audit log and tells the resident (or, for people
    without a channel, whoever entered the need) through the outbox.
    """
    session, now = sink.session, sink.now
    seen = need.status
    if status not in TRANSITIONS.get(seen, frozenset()):
        raise Conflict("needs.bad_transition", id=need.id)
    closing = {"closed_at": now} if status in ("done", "cancelled") else {}
    if not await needs_repo.transition(session, need.id, seen, status, now, **closing):
        await session.refresh(need)
        raise Conflict("needs.changed", id=need.id)
    await session.refresh(need)
    audit.record(
        session,
        actor_id=actor_id,
        action="need.status",
        target=f"need:{need.id}",
        now=now,
        old=seen,
        new=status,
    )
    if announce:  # False when the caller sends a fuller notice of its own
        await _announce(sink, need, actor_id)
    return need


async def _announce(sink: Sink, need: Need, actor_id: int | None) -> None:
    """Tell the person who follows the need about its new status (not whoever changed it)."""
    recipient = await rater_id(sink.session, need)
    if recipient is None or (recipient == actor_id and need.status != "done"):
        return
    item = await item_of(sink.session, need)
    choices = [("needs.view", f"/need_status {need.id}")]
    if need.status == "done" and need.rating is None:
        choices = [(label, f"needrate:{need.id}:{stars}") for label, stars in RATING_CHOICES]
    who = await needs_repo.names(sink.session, [need.person_id] if need.person_id else [])
    await notify(
        sink,
        recipient,
        NOTICES[need.status],
        choices=choices,
        id=need.id,
        item=Pair(item.name_zh, item.name_en),
        name=who.get(need.person_id or 0, ""),
    )


# -- cancelling ----------------------------------------------------------------------------------


async def cancel(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "needcancel:ID:SEEN[:yes]": ask to confirm, then cancel if nothing changed."""
    await require_registered(ctx)
    if len(args) < 2:
        raise Conflict("needs.changed", id="?")
    need = await load(ctx, args[0])
    own = ctx.person.id in (need.person_id, need.entered_by_id)
    staff = await is_staff_for(ctx, need)
    if not (own or staff):
        raise NotAllowed()
    if need.status != args[1]:
        raise Conflict("needs.changed", id=need.id)
    if not staff and need.status not in SELF_CANCELLABLE:
        raise Conflict("needs.cannot_cancel", id=need.id)
    item = await item_of(ctx.session, need)
    if args[2:] != ["yes"]:
        return [
            ctx.reply(
                "needs.confirm_cancel",
                id=need.id,
                item=item.name(ctx.lang),
                choices=[
                    Choice(ctx.t("needs.cancel_yes"), f"needcancel:{need.id}:{need.status}:yes"),
                    Choice(ctx.t("needs.cancel_no"), f"/need_status {need.id}"),
                ],
            )
        ]
    await set_status(Sink.of(ctx), need, "cancelled", ctx.person.id)
    return [ctx.reply("needs.cancelled", id=need.id, item=item.name(ctx.lang))]


# -- rating --------------------------------------------------------------------------------------


async def rate(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "needrate:ID:STARS": the satisfaction rating of a done need, once."""
    await require_registered(ctx)
    need = await load(ctx, args[0] if args else "")
    if ctx.person.id != await rater_id(ctx.session, need):
        raise NotAllowed()
    helpers = await tasks_repo.assignments_for(ctx.session, need.id)
    require_not_subject(ctx, *(task.person_id for task in helpers))
    stars = int(args[1]) if len(args) > 1 and args[1] in ("1", "2", "3", "4", "5") else 0
    if not stars:
        raise Conflict("needs.changed", id=need.id)
    if need.status != "done":
        raise Conflict("needs.not_done", id=need.id)
    if need.rating is not None or not await needs_repo.rate(ctx.session, need.id, stars, ctx.now):
        raise Conflict("needs.already_rated", id=need.id)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="need.rate",
        target=f"need:{need.id}",
        now=ctx.now,
        stars=stars,
    )
    thanks = ctx.reply("needs.rated", id=need.id, stars=STARS[stars - 1])
    return [thanks, *await begin(ctx, COMMENT, {"need": need.id})]


async def _finish_comment(ctx: Ctx) -> list[Reply]:
    comment = ctx.data.get("comment")
    if not comment:
        return [ctx.reply("needs.comment_skipped")]
    # Once: a second comment (a replayed or doubled flow) does not overwrite the first.
    await ctx.session.execute(
        update(Need)
        .where(Need.id == ctx.data["need"], Need.rating_comment.is_(None))
        .values(rating_comment=comment, updated_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    return [ctx.reply("needs.comment_saved")]


COMMENT = Flow(
    name="need_comment",
    steps=(
        optional_text_step(
            "comment",
            N_("needs.ask_comment"),
            "comment",
            limit=COMMENT_LIMIT,
            empty=N_("needs.comment_empty"),
            too_long=N_("needs.comment_too_long"),
            then=DONE,
        ),
    ),
    finish=_finish_comment,
)
