"""/meeting_new: an organizer schedules a joint meeting; its agenda is built at once.

The agenda: every proposal of the community that reached its co-sign threshold (status
"seconded"; they move to "on_agenda"), then the month's hot issue (每月一题).
"""

from __future__ import annotations

from datetime import datetime

from handlers.core.auth import require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step
from handlers.core.errors import InvalidInput, NotAllowed
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.meetings import hot_issue
from handlers.meetings.common import (
    ORGANIZER_ROLES,
    PLACE_MAX,
    communities_in_scope,
    take_when,
)
from handlers.proposals.common import push
from storage.models import Meeting, MeetingItem, Region
from storage.repos import audit, regions
from storage.repos import meetings as repo
from storage.repos import proposals as proposals_repo


async def _prepare(ctx: Ctx) -> None:
    await require_role(ctx, ORGANIZER_ROLES)
    communities = await communities_in_scope(ctx)
    if not communities:
        raise NotAllowed()
    ctx.data["communities"] = [(c.id, c.name) for c in communities[:20]]
    if len(communities) == 1:
        ctx.data["community"] = communities[0].id


async def _ask_community(ctx: Ctx) -> Reply:
    choices = [Choice(name, f"c{cid}") for cid, name in ctx.data["communities"]]
    return ctx.reply("meetings.ask_community", choices=choices)


async def _take_community(ctx: Ctx, message: Message) -> str | None:
    allowed = {f"c{cid}": cid for cid, _ in ctx.data["communities"]}
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    ctx.data["community"] = allowed[message.value]
    return NEXT


async def _ask_when(ctx: Ctx) -> Reply:
    return ctx.reply("meetings.ask_when")


async def _ask_place(ctx: Ctx) -> Reply:
    return ctx.reply("meetings.ask_place", limit=PLACE_MAX)


async def _take_place(ctx: Ctx, message: Message) -> str | None:
    place = " ".join(message.text.split())
    if not place or len(place) > PLACE_MAX:
        raise InvalidInput("meetings.place_invalid", limit=PLACE_MAX)
    ctx.data["place"] = place
    return NEXT


async def _finish(ctx: Ctx) -> list[Reply]:
    community = await regions.by_id(ctx.session, ctx.data["community"])
    assert community is not None
    await require_role(ctx, ORGANIZER_ROLES, community)  # the role may have been revoked meanwhile
    starts = datetime.fromisoformat(ctx.data["at"])
    meeting = await schedule(ctx, community, starts, ctx.data["place"])
    agenda = await agenda_text(ctx, meeting)
    return [
        ctx.reply(
            "meetings.created",
            id=meeting.id,
            community=community.name,
            when=ctx.when(meeting.starts_at),
            place=meeting.place,
            agenda=agenda,
            choices=[
                Choice(ctx.t("meetings.btn.invite"), f"/meeting_invite {meeting.id}"),
                Choice(ctx.t("meetings.btn.view"), f"/meeting {meeting.id}"),
            ],
        )
    ]


async def schedule(ctx: Ctx, community: Region, starts: datetime, place: str) -> Meeting:
    """Create the meeting and its agenda; tell each proposal's followers it is on the agenda."""
    meeting = Meeting(
        community_id=community.id,
        organizer_id=ctx.person.id,
        starts_at=starts,
        place=place,
        status="scheduled",
        hot_issue=await hot_issue.compute(ctx.session, community, ctx.now),
        created_at=ctx.now,
    )
    ctx.session.add(meeting)
    await ctx.session.flush()
    position = 0
    for proposal in await proposals_repo.in_community(ctx.session, community.id, ("seconded",)):
        position += 1
        ctx.session.add(
            MeetingItem(
                meeting_id=meeting.id,
                position=position,
                kind="proposal",
                proposal_id=proposal.id,
                title=proposal.title,
            )
        )
        proposal.status = "on_agenda"
        await push(
            ctx,
            proposal,
            N_("meetings.push.on_agenda"),
            meeting=meeting.id,
            when=meeting.starts_at,
            place=place,
        )
    ctx.session.add(
        MeetingItem(
            meeting_id=meeting.id,
            position=position + 1,
            kind="hot_issue",
            title=hot_issue.title(ctx, meeting.hot_issue)[:200],
        )
    )
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="meeting.schedule",
        target=f"meeting:{meeting.id}",
        now=ctx.now,
        community=community.code,
    )
    return meeting


async def agenda_text(ctx: Ctx, meeting: Meeting) -> str:
    """The agenda, numbered, with the hot issue described under its item."""
    lines = []
    for number, item in enumerate(await repo.items(ctx.session, meeting.id), start=1):
        if item.kind == "proposal":
            lines.append(
                ctx.t("meetings.item_proposal", n=number, id=item.proposal_id, title=item.title)
            )
        else:
            lines.append(
                ctx.t("meetings.item_hot", n=number, title=hot_issue.title(ctx, meeting.hot_issue))
            )
            lines.append(hot_issue.describe(ctx, meeting.hot_issue))
    return "\n".join(lines)


MEETING_NEW = Flow(
    name="meeting_new",
    guard=_prepare,
    steps=(
        Step("community", _ask_community, _take_community, skip=lambda c: "community" in c.data),
        Step("when", _ask_when, take_when),
        Step("place", _ask_place, _take_place),
    ),
    finish=_finish,
)
