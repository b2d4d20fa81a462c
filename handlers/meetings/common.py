"""What every joint-meeting handler shares: labels, loading, who may organize or vote."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.core.auth import require_registered, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT
from handlers.core.errors import InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Message
from handlers.core.numbers import require_id
from matching.understand import when
from storage.models import Meeting, MeetingParticipant, Region
from storage.repos import meetings as repo
from storage.repos import regions, roles

ORGANIZER_ROLES = ("organizer", "admin")
PLACE_MAX = 100
TEXT_MAX = 2000

CAPACITY_LABELS: dict[str, str] = {
    "resident_rep": N_("meetings.cap.resident_rep"),
    "property": N_("meetings.cap.property"),
    "owners_committee": N_("meetings.cap.owners_committee"),
    "social_org": N_("meetings.cap.social_org"),
    "unit": N_("meetings.cap.unit"),
    "staff": N_("meetings.cap.staff"),
}
ANSWER_LABELS: dict[str, str] = {
    "invited": N_("meetings.answer.invited"),
    "attend": N_("meetings.answer.attend"),
    "decline": N_("meetings.answer.decline"),
}
VOTE_LABELS: dict[str, str] = {
    "for": N_("meetings.vote.for"),
    "against": N_("meetings.vote.against"),
    "abstain": N_("meetings.vote.abstain"),
}
OUTCOME_LABELS: dict[str, str] = {
    "passed": N_("meetings.outcome.passed"),
    "rejected": N_("meetings.outcome.rejected"),
    "deferred": N_("meetings.outcome.deferred"),
}
STATUS_LABELS: dict[str, str] = {
    "scheduled": N_("meetings.status.scheduled"),
    "held": N_("meetings.status.held"),
    "published": N_("meetings.status.published"),
    "cancelled": N_("meetings.status.cancelled"),
}


def parse_meeting_id(text: str) -> int:
    """A meeting number from "3", "#3"; UserError otherwise."""
    first = text.split()[0] if text.split() else ""
    if not first:
        raise UserError("meetings.id_missing")
    return require_id(first, "meetings.id_invalid", given=first[:20])


async def load(ctx: Ctx, meeting_id: int, *, lock: bool = False) -> Meeting:
    """The meeting, or a clear "no such meeting"."""
    found = await repo.get(ctx.session, meeting_id, lock=lock)
    if found is None:
        raise UserError("meetings.not_found", id=meeting_id)
    return found


async def community_of(ctx: Ctx, meeting: Meeting) -> Region:
    """The community a meeting is held for."""
    found = await regions.by_id(ctx.session, meeting.community_id)
    assert found is not None  # a foreign key
    return found


async def require_organizer(ctx: Ctx, meeting: Meeting) -> Region:
    """Refuse unless an organizer or admin over the meeting's community; return the community."""
    community = await community_of(ctx, meeting)
    await require_role(ctx, ORGANIZER_ROLES, community)
    return community


async def is_organizer(ctx: Ctx, meeting: Meeting) -> bool:
    """Whether the person organizes the meeting's community."""
    community = await community_of(ctx, meeting)
    return await roles.holds(ctx.session, ctx.person.id, ORGANIZER_ROLES, community)


async def require_participant(ctx: Ctx, meeting: Meeting) -> MeetingParticipant:
    """Refuse unless the person was invited to this meeting; return their participation."""
    await require_registered(ctx)
    found = await repo.participant(ctx.session, meeting.id, ctx.person.id)
    if found is None:
        raise NotAllowed("meetings.not_participant")
    return found


def require_open(meeting: Meeting) -> None:
    """Refuse changes to a meeting whose notice is out or that was cancelled."""
    if meeting.status in ("published", "cancelled"):
        raise UserError("meetings.closed", id=meeting.id)


async def communities_in_scope(ctx: Ctx) -> list[Region]:
    """The communities in the subtrees the person organizes."""
    found: dict[int, Region] = {}
    for grant in await roles.active_grants(ctx.session, ctx.person.id):
        if grant.role in ORGANIZER_ROLES:
            for community in await regions.at_level(ctx.session, "community", within=grant.region):
                found[community.id] = community
    return sorted(found.values(), key=lambda r: r.code)


async def take_when(ctx: Ctx, message: Message) -> str | None:
    """The meeting's time, in words ("下周三下午两点"), not in the past: a step's answer."""
    local_now = ctx.now.astimezone(ZoneInfo(ctx.deps.config.tz))
    meant = when.moment(message.text, local_now)
    if meant is None:
        raise InvalidInput("meetings.when_invalid")
    if meant <= local_now:
        raise InvalidInput("meetings.when_past")
    ctx.data["at"] = meant.isoformat()
    return NEXT
