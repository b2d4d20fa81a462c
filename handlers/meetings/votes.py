"""Votes at the joint meeting: the organizer puts an item to the vote, participants vote."""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.messages import Reply
from handlers.core.notify import notify
from handlers.core.numbers import require_id
from handlers.meetings.common import (
    VOTE_LABELS,
    load,
    parse_meeting_id,
    require_open,
    require_organizer,
    require_participant,
)
from storage.models import Meeting, MeetingItem, MeetingParticipant, MeetingVote
from storage.repos import meetings as repo


async def item_at(ctx: Ctx, meeting_id: int, number: int) -> MeetingItem:
    """The meeting's agenda item by its number on the agenda (1, 2 …)."""
    found = await repo.items(ctx.session, meeting_id)
    if not 1 <= number <= len(found):
        raise UserError("meetings.item_invalid", id=meeting_id, count=len(found))
    return found[number - 1]


async def call_vote(ctx: Ctx) -> list[Reply]:
    """/meeting_vote ID N: send item N's ballot to every participant who has not declined."""
    parts = ctx.args.split()
    if len(parts) != 2:
        raise UserError("meetings.vote_usage")
    meeting = await load(ctx, parse_meeting_id(parts[0]))
    await require_organizer(ctx, meeting)
    require_open(meeting)
    number = require_id(parts[1], "meetings.item_invalid", id=meeting.id, count="?")
    item = await item_at(ctx, meeting.id, number)
    if item.outcome:
        raise Conflict("meetings.item_decided", n=number)
    sent = 0
    for participant in await repo.participants(ctx.session, meeting.id):
        if participant.answer == "decline" or participant.person_id is None:
            continue
        await notify(
            ctx,
            participant.person_id,
            "meetings.push.ballot",
            choices=[
                (VOTE_LABELS[choice], f"mvote:{item.id}:{choice}")
                for choice in ("for", "against", "abstain")
            ],
            id=meeting.id,
            n=number,
            title=item.title,
        )
        sent += 1
    if not sent:
        raise UserError("meetings.nobody_to_vote", id=meeting.id)
    return [ctx.reply("meetings.vote_called", n=number, title=item.title, count=sent)]


async def cast(ctx: Ctx, item_id: int, choice: str) -> list[Reply]:
    """A participant votes on an item of their meeting; changeable until the item is decided."""
    item = await ctx.session.get(MeetingItem, item_id)
    if item is None:
        raise UserError("meetings.item_gone")
    meeting = await load(ctx, item.meeting_id)
    participant = await require_participant(ctx, meeting)
    if participant.answer == "decline":
        raise NotAllowed("meetings.declined_no_vote")
    require_open(meeting)
    if item.outcome:
        raise Conflict("meetings.item_decided_vote", title=item.title)
    await _put(ctx, item, participant, choice)
    await ctx.session.flush()
    return [ctx.reply("meetings.voted", title=item.title, choice=ctx.t(VOTE_LABELS[choice]))]


async def vote_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "mvote:ITEM:for|against|abstain" buttons."""
    if len(args) != 2 or args[1] not in VOTE_LABELS:
        raise UserError("meetings.item_gone")
    return await cast(ctx, require_id(args[0], "meetings.item_gone"), args[1])


async def record_votes(ctx: Ctx, meeting: Meeting, item_id: int, votes: dict[int, str]) -> None:
    """Votes cast in the room, recorded by the organizer (already checked) for participants.

    Each must be a participant of this meeting who has not declined; a vote they cast with the
    ballot buttons is replaced by what was recorded in the room.
    """
    item = await ctx.session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise InvalidInput("common.pick_from_list")
    if item.outcome:
        raise Conflict("meetings.item_decided", n=item.position)
    present = {p.id: p for p in await repo.participants(ctx.session, meeting.id)}
    for participant_id, choice in votes.items():
        participant = present.get(participant_id)
        if participant is None or choice not in VOTE_LABELS:
            raise InvalidInput("common.pick_from_list")
        if participant.answer == "decline":
            raise InvalidInput("gov.vote_declined")
        await _put(ctx, item, participant, choice)
    await ctx.session.flush()


async def _put(ctx: Ctx, item: MeetingItem, participant: MeetingParticipant, choice: str) -> None:
    """A participant's vote on an item, new or changed; voting is attending."""
    vote = await repo.vote_of(ctx.session, item.id, participant.id)
    if vote is None:
        ctx.session.add(
            MeetingVote(item_id=item.id, participant_id=participant.id, choice=choice, at=ctx.now)
        )
    else:
        vote.choice, vote.at = choice, ctx.now
    if participant.answer == "invited":
        participant.answer, participant.answered_at = "attend", ctx.now
