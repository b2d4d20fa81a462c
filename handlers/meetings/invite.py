"""/meeting_invite: invite participants by capacity and name; they answer attend or decline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, choice_step, optional_text_step
from handlers.core.errors import InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Key, notify
from handlers.meetings.common import (
    ANSWER_LABELS,
    CAPACITY_LABELS,
    load,
    parse_meeting_id,
    require_open,
    require_organizer,
    require_participant,
)
from storage.models import MeetingParticipant
from storage.repos import audit
from storage.repos import meetings as repo

NAMES_MAX = 20
AFFILIATION_MAX = 100
_SPLIT = re.compile(r"[\s,，、;；]+")


async def _prepare(ctx: Ctx) -> None:
    meeting = await load(ctx, ctx.data.get("id") or parse_meeting_id(ctx.args))
    await require_organizer(ctx, meeting)
    require_open(meeting)
    ctx.data["id"] = meeting.id


CAPACITY = choice_step(
    "capacity",
    "meetings.ask_capacity",
    tuple((label, code) for code, label in CAPACITY_LABELS.items()),
    store="capacity",
)


async def _ask_names(ctx: Ctx) -> Reply:
    return ctx.reply("meetings.ask_names", limit=NAMES_MAX)


def parse_names(text: str) -> list[str]:
    """Names separated by spaces, commas or 、, each once; InvalidInput if none or too many."""
    names = [n for n in _SPLIT.split(text.strip()) if n]
    if not names:
        raise InvalidInput("meetings.names_empty")
    if len(names) > NAMES_MAX or any(len(n) > 50 for n in names):
        raise InvalidInput("meetings.names_too_many", limit=NAMES_MAX)
    return list(dict.fromkeys(names))


async def _take_names(ctx: Ctx, message: Message) -> str | None:
    ctx.data["names"] = parse_names(message.text)
    return NEXT


AFFILIATION = optional_text_step(
    "affiliation",
    "meetings.ask_affiliation",
    store="affiliation",
    limit=AFFILIATION_MAX,
    empty="meetings.affiliation_empty",
    too_long="meetings.affiliation_too_long",
)


@dataclass
class Invited:
    """What one invitation did, by name."""

    invited: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    def lines(self, ctx: Ctx, meeting_id: int) -> list[str]:
        """The answer, a line per kind of outcome."""
        lines = [ctx.t("meetings.invited", id=meeting_id, names=ctx.join(self.invited) or "—")]
        for key, names in (
            ("meetings.invite_already", self.already),
            ("meetings.invite_missing", self.missing),
            ("meetings.invite_ambiguous", self.ambiguous),
        ):
            if names:
                lines.append(ctx.t(key, names=ctx.join(names)))
        return lines


async def invite(
    ctx: Ctx, meeting_id: int, capacity: str, names: list[str], affiliation: str | None
) -> Invited:
    """Invite registered people by name in one capacity; each gets the attend/decline buttons.

    Shared by the chat flow and the office page: the organizer's role over the community is
    checked again here, and the invitation audited.
    """
    if capacity not in CAPACITY_LABELS:
        raise InvalidInput("common.pick_from_list")
    meeting = await load(ctx, meeting_id, lock=True)
    community = await require_organizer(ctx, meeting)
    require_open(meeting)
    found = await repo.people_named(ctx.session, names)
    done = Invited()
    for name in names:
        people = found.get(name, [])
        if not people:
            done.missing.append(name)
            continue
        if len(people) > 1:
            done.ambiguous.append(name)
            continue
        person = people[0]
        if await repo.participant(ctx.session, meeting.id, person.id) is not None:
            done.already.append(name)
            continue
        ctx.session.add(
            MeetingParticipant(
                meeting_id=meeting.id,
                person_id=person.id,
                capacity=capacity,
                affiliation=affiliation or None,
            )
        )
        await notify(
            ctx,
            person.id,
            "meetings.push.invited",
            choices=[
                (N_("meetings.btn.attend"), f"mtg:{meeting.id}:attend"),
                (N_("meetings.btn.decline"), f"mtg:{meeting.id}:decline"),
            ],
            id=meeting.id,
            community=community.name,
            when=meeting.starts_at,
            place=meeting.place,
            capacity=Key(CAPACITY_LABELS[capacity]),
        )
        done.invited.append(name)
    await ctx.session.flush()
    if done.invited:
        audit.record(
            ctx.session,
            actor_id=ctx.person.id,
            action="meeting.invite",
            target=f"meeting:{meeting.id}",
            now=ctx.now,
            capacity=capacity,
            count=len(done.invited),
        )
    return done


async def _finish(ctx: Ctx) -> list[Reply]:
    meeting_id = ctx.data["id"]
    done = await invite(
        ctx, meeting_id, ctx.data["capacity"], ctx.data["names"], ctx.data.get("affiliation")
    )
    more = Choice(ctx.t("meetings.btn.invite_more"), f"/meeting_invite {meeting_id}")
    return [Reply("\n".join(done.lines(ctx, meeting_id)), (more,))]


MEETING_INVITE = Flow(
    name="meeting_invite",
    guard=_prepare,
    steps=(CAPACITY, Step("names", _ask_names, _take_names), AFFILIATION),
    finish=_finish,
)


# -- answering the invitation -------------------------------------------------------------------


async def answer(ctx: Ctx, meeting_id: int, choice: str) -> list[Reply]:
    """A participant answers attend or decline (and may change it until the notice is out)."""
    meeting = await load(ctx, meeting_id)
    participant = await require_participant(ctx, meeting)
    require_open(meeting)
    participant.answer, participant.answered_at = choice, ctx.now
    if meeting.organizer_id and meeting.organizer_id != ctx.person.id:
        await notify(
            ctx,
            meeting.organizer_id,
            "meetings.push.answered",
            id=meeting.id,
            name=ctx.person.display_name,
            answer=Key(ANSWER_LABELS[choice]),
        )
    key = "meetings.attending" if choice == "attend" else "meetings.declined"
    return [ctx.reply(key, id=meeting.id, when=ctx.when(meeting.starts_at), place=meeting.place)]


async def answer_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "mtg:ID:attend" and "mtg:ID:decline" buttons."""
    if len(args) != 2 or args[1] not in ("attend", "decline"):
        raise UserError("meetings.id_invalid", given=":".join(args)[:20])
    return await answer(ctx, parse_meeting_id(args[0]), args[1])


async def attend_command(ctx: Ctx) -> list[Reply]:
    """/meeting_attend ID."""
    return await answer(ctx, parse_meeting_id(ctx.args), "attend")


async def decline_command(ctx: Ctx) -> list[Reply]:
    """/meeting_decline ID."""
    return await answer(ctx, parse_meeting_id(ctx.args), "decline")
