"""A scheduled joint meeting cancelled (/meeting_cancel ID REASON) or moved (/meeting_move ID).

Only an organizer of the community, and only while the meeting is still "scheduled" (once held,
its outcomes stand). Every invited participant is told in their own language; a cancelled
meeting's proposals go back to "seconded", so the next meeting's agenda takes them up again.
The office's meeting page runs the same two use cases (`cancel`, `move`).
"""

from __future__ import annotations

from datetime import datetime

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, begin
from handlers.core.errors import InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import notify_each
from handlers.meetings.common import (
    PLACE_MAX,
    load,
    parse_meeting_id,
    require_organizer,
    take_when,
)
from storage.models import Meeting, Proposal
from storage.repos import audit
from storage.repos import meetings as repo

REASON_MAX = 200
KEEP_PLACE = "keep"


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.status != "scheduled":
        raise UserError("meetings.not_changeable", id=meeting.id)


async def _participants(ctx: Ctx, meeting: Meeting) -> list[int | None]:
    return [p.person_id for p in await repo.participants(ctx.session, meeting.id)]


async def cancel(ctx: Ctx, meeting_id: int, reason: str) -> list[Reply]:
    """Cancel a scheduled meeting; tell its participants; its proposals await the next one."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput("meetings.cancel_reason", limit=REASON_MAX)
    meeting = await load(ctx, meeting_id, lock=True)
    community = await require_organizer(ctx, meeting)
    _require_scheduled(meeting)
    meeting.status = "cancelled"
    for item in await repo.items(ctx.session, meeting.id):
        proposal = await ctx.session.get(Proposal, item.proposal_id) if item.proposal_id else None
        if proposal is not None and proposal.status == "on_agenda":
            proposal.status = "seconded"
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="meeting.cancel",
        target=f"meeting:{meeting.id}",
        now=ctx.now,
        reason=reason,
    )
    told = await notify_each(
        ctx,
        await _participants(ctx, meeting),
        N_("meetings.push.cancelled"),
        skip=ctx.person.id,
        id=meeting.id,
        community=community.name,
        when=meeting.starts_at,
        place=meeting.place,
        reason=reason,
    )
    return [ctx.reply("meetings.cancelled", id=meeting.id, told=told)]


async def move(ctx: Ctx, meeting_id: int, starts: datetime, place: str) -> list[Reply]:
    """Move a scheduled meeting to another time (and place); tell its participants."""
    place = " ".join(place.split())
    if not place or len(place) > PLACE_MAX:
        raise InvalidInput("meetings.place_invalid", limit=PLACE_MAX)
    if starts <= ctx.now:
        raise InvalidInput("meetings.when_past")
    meeting = await load(ctx, meeting_id, lock=True)
    community = await require_organizer(ctx, meeting)
    _require_scheduled(meeting)
    before, before_place = meeting.starts_at, meeting.place
    meeting.starts_at, meeting.place = starts, place
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="meeting.move",
        target=f"meeting:{meeting.id}",
        now=ctx.now,
        old=before.isoformat(),
        new=starts.isoformat(),
        place=place,
    )
    told = await notify_each(
        ctx,
        await _participants(ctx, meeting),
        N_("meetings.push.moved"),
        skip=ctx.person.id,
        choices=[
            (N_("meetings.btn.attend"), f"mtg:{meeting.id}:attend"),
            (N_("meetings.btn.decline"), f"mtg:{meeting.id}:decline"),
        ],
        id=meeting.id,
        community=community.name,
        old=before,
        old_place=before_place,
        when=starts,
        place=place,
    )
    return [
        ctx.reply("meetings.moved", id=meeting.id, when=ctx.when(starts), place=place, told=told)
    ]


# -- in chat ---------------------------------------------------------------------------------------


async def cancel_command(ctx: Ctx) -> list[Reply]:
    """/meeting_cancel ID REASON."""
    await require_registered(ctx)
    words = ctx.args.split(maxsplit=1)
    if len(words) < 2:
        return [ctx.reply("meetings.cancel_usage")]
    return await cancel(ctx, parse_meeting_id(words[0]), words[1])


async def move_command(ctx: Ctx) -> list[Reply]:
    """/meeting_move ID: ask the new time and place."""
    await require_registered(ctx)
    meeting = await load(ctx, parse_meeting_id(ctx.args))
    return await begin(ctx, MEETING_MOVE, {"id": meeting.id})


async def _guard(ctx: Ctx) -> None:
    meeting = await load(ctx, int(ctx.data["id"]))
    await require_organizer(ctx, meeting)
    _require_scheduled(meeting)


async def _ask_when(ctx: Ctx) -> Reply:
    meeting = await load(ctx, int(ctx.data["id"]))
    return ctx.reply("meetings.ask_move_when", id=meeting.id, when=ctx.when(meeting.starts_at))


async def _ask_place(ctx: Ctx) -> Reply:
    meeting = await load(ctx, int(ctx.data["id"]))
    keep = Choice(ctx.t("meetings.btn.keep_place", place=meeting.place), KEEP_PLACE)
    return ctx.reply("meetings.ask_place", limit=PLACE_MAX, choices=[keep])


async def _take_place(ctx: Ctx, message: Message) -> str | None:
    if message.value == KEEP_PLACE:
        ctx.data["place"] = ""
        return NEXT
    place = " ".join(message.text.split())
    if not place or len(place) > PLACE_MAX:
        raise InvalidInput("meetings.place_invalid", limit=PLACE_MAX)
    ctx.data["place"] = place
    return NEXT


async def _finish(ctx: Ctx) -> list[Reply]:
    meeting = await load(ctx, int(ctx.data["id"]))
    place = ctx.data.get("place") or meeting.place
    return await move(ctx, meeting.id, datetime.fromisoformat(ctx.data["at"]), place)


MEETING_MOVE = Flow(
    name="meeting_move",
    guard=_guard,
    steps=(Step("when", _ask_when, take_when), Step("place", _ask_place, _take_place)),
    finish=_finish,
)
