"""/meeting_decide: the organizer records an agenda item's outcome with the votes cast.

A proposal passed becomes a practical project (owner, owner unit, funding source, target date);
rejected, it is closed with the reason; deferred, it waits for the next meeting. Followers hear
"经社区联席会议研究" — this is the one path that may say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, choice_step, skipped
from handlers.core.errors import Conflict, InvalidInput, UserError
from handlers.core.messages import Choice, Message, Reply
from handlers.meetings.common import (
    OUTCOME_LABELS,
    TEXT_MAX,
    load,
    parse_meeting_id,
    require_open,
    require_organizer,
)
from handlers.meetings.votes import record_votes
from handlers.proposals import decide as proposal_decisions
from handlers.proposals.common import FUNDING_MAX, OWNER_MAX, local_today, status_label
from handlers.proposals.common import load as load_proposal
from matching.understand import when
from storage.models import MeetingItem
from storage.repos import audit
from storage.repos import meetings as repo
from storage.repos import proposals as proposals_repo


async def _prepare(ctx: Ctx) -> None:
    meeting = await load(ctx, ctx.data.get("meeting") or parse_meeting_id(ctx.args))
    await require_organizer(ctx, meeting)
    require_open(meeting)
    if not [i for i in await repo.items(ctx.session, meeting.id) if not i.outcome]:
        raise UserError("meetings.all_decided", id=meeting.id)
    ctx.data["meeting"] = meeting.id


async def _item(ctx: Ctx, meeting_id: int, item_id: int) -> MeetingItem:
    item = await ctx.session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise InvalidInput("common.pick_from_list")
    return item


def tally_text(ctx: Ctx, counts: dict[str, int]) -> str:
    """ "赞成 3｜反对 1｜弃权 0"."""
    return ctx.t(
        "meetings.tally", yes=counts["for"], no=counts["against"], abstain=counts["abstain"]
    )


async def _ask_item(ctx: Ctx) -> Reply:
    items = await repo.items(ctx.session, ctx.data["meeting"])
    counts = await repo.tally(ctx.session, [i.id for i in items])
    lines, choices = [], []
    for number, item in enumerate(items, start=1):
        if item.outcome:
            continue
        lines.append(f"{number}. {item.title}（{tally_text(ctx, counts[item.id])}）")
        choices.append(
            Choice(ctx.t("meetings.item_choice", n=number, title=item.title[:18]), f"i{item.id}")
        )
    return ctx.reply("meetings.ask_item", items="\n".join(lines), choices=choices)


async def _take_item(ctx: Ctx, message: Message) -> str | None:
    items = {f"i{i.id}": i for i in await repo.items(ctx.session, ctx.data["meeting"])}
    item = items.get(message.value)
    if item is None or item.outcome:
        raise InvalidInput("common.pick_from_list")
    ctx.data["item"] = item.id
    ctx.data["proposal"] = item.proposal_id
    return NEXT


OUTCOME = choice_step(
    "outcome",
    "meetings.ask_outcome",
    tuple((label, code) for code, label in OUTCOME_LABELS.items()),
    store="outcome",
)


def _project(ctx: Ctx) -> bool:
    return bool(ctx.data.get("proposal")) and ctx.data.get("outcome") == "passed"


def _unless(test: Callable[[Ctx], bool]) -> Callable[[Ctx], bool]:
    return lambda ctx: not test(ctx)


async def _ask_note(ctx: Ctx) -> Reply:
    key = "meetings.ask_reason" if ctx.data.get("outcome") == "rejected" else "meetings.ask_note"
    choices = (
        [] if ctx.data.get("outcome") == "rejected" else [Choice(ctx.t("common.skip"), "skip")]
    )
    return ctx.reply(key, limit=TEXT_MAX, choices=choices)


async def _take_note(ctx: Ctx, message: Message) -> str | None:
    rejected = ctx.data.get("outcome") == "rejected"
    note = "" if skipped(message) else message.text.strip()
    if rejected and not note:  # a rejection always carries its reason
        raise InvalidInput("meetings.note_invalid", limit=TEXT_MAX)
    if len(note) > TEXT_MAX:
        raise InvalidInput("meetings.note_invalid", limit=TEXT_MAX)
    ctx.data["note"] = note
    return NEXT


async def _finish(ctx: Ctx) -> list[Reply]:
    try:  # the item or the proposal may have been decided meanwhile
        async with ctx.session.begin_nested():
            return await record(ctx, dict(ctx.data))
    except Conflict as exc:
        return [ctx.reply(exc.key, **exc.params)]


async def record(ctx: Ctx, answers: dict, votes: dict[int, str] | None = None) -> list[Reply]:
    """Record one item's outcome once; apply it to the item's proposal.

    `answers`: meeting, item, outcome, note and, for a proposal passed, owner, owner_unit,
    funding and target (ISO date). `votes` (participant id → for/against/abstain) are votes
    cast in the room that the organizer records with the outcome (the office form); the chat's
    participants vote themselves with the ballot buttons.
    """
    meeting = await load(ctx, answers["meeting"], lock=True)
    await require_organizer(ctx, meeting)
    require_open(meeting)
    if votes:
        await record_votes(ctx, meeting, answers["item"], votes)
    item = await _item(ctx, meeting.id, answers["item"])
    if item.outcome:
        raise Conflict("meetings.item_decided", n=item.position)
    outcome, note = answers["outcome"], answers.get("note") or None
    counts = (await repo.tally(ctx.session, [item.id]))[item.id]
    replies: list[Reply] = []
    if item.proposal_id:
        proposal = await load_proposal(ctx, item.proposal_id, lock=True)
        if proposal.status not in proposals_repo.OPEN_STATES:
            raise Conflict(
                "proposals.already_decided", id=proposal.id, status=status_label(ctx, proposal)
            )
        if outcome == "passed":
            replies += await proposal_decisions.accept(
                ctx, proposal, answers, meeting_id=meeting.id
            )
        elif outcome == "rejected":
            replies += await proposal_decisions.reject(
                ctx, proposal, note or "", meeting_id=meeting.id
            )
        else:
            proposal.status = "seconded"  # waits for the next meeting's agenda
    item.outcome, item.outcome_note, item.decided_at = outcome, note, ctx.now
    meeting.status = "held"
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="meeting.outcome",
        target=f"meeting:{meeting.id}",
        now=ctx.now,
        item=item.id,
        outcome=outcome,
        votes=counts,
    )
    more = Choice(ctx.t("meetings.btn.decide_more"), f"/meeting_decide {meeting.id}")
    minutes = Choice(ctx.t("meetings.btn.minutes"), f"/meeting_minutes {meeting.id}")
    replies.insert(
        0,
        ctx.reply(
            "meetings.outcome_ok",
            title=item.title,
            outcome=ctx.t(OUTCOME_LABELS[outcome]),
            tally=tally_text(ctx, counts),
            choices=[more, minutes],
        ),
    )
    return replies


def form_answers(ctx: Ctx, meeting_id: int, item: MeetingItem, fields: dict[str, str]) -> dict:
    """The answers the chat flow's steps collect, from one form's fields (the office page):
    outcome, note (a rejection's reason is required) and, for a proposal passed, owner,
    owner_unit, funding and target date — refused with the same messages as in chat."""
    outcome = fields.get("outcome", "")
    if outcome not in OUTCOME_LABELS:
        raise InvalidInput("common.pick_from_list")
    note = fields.get("note", "").strip()
    if len(note) > TEXT_MAX or (outcome == "rejected" and not note):
        raise InvalidInput("meetings.note_invalid", limit=TEXT_MAX)
    answers: dict = {"meeting": meeting_id, "item": item.id, "outcome": outcome, "note": note}
    if item.proposal_id and outcome == "passed":
        owner = " ".join(fields.get("owner", "").split())
        unit = " ".join(fields.get("owner_unit", "").split())
        if not owner or len(owner) > OWNER_MAX or len(unit) > OWNER_MAX:
            raise InvalidInput("proposals.owner_invalid", limit=OWNER_MAX)
        funding = " ".join(fields.get("funding", "").split())
        if len(funding) > FUNDING_MAX:
            raise InvalidInput("proposals.funding_invalid", limit=FUNDING_MAX)
        today = local_today(ctx)
        target = when.day(fields.get("target", ""), today)
        if target is None:
            raise InvalidInput("proposals.date_invalid")
        if target < today:
            raise InvalidInput("proposals.date_past", date=target.isoformat())
        answers |= {"owner": owner, "owner_unit": unit, "funding": funding}
        answers["target"] = target.isoformat()
    return answers


MEETING_DECIDE = Flow(
    name="meeting_decide",
    guard=_prepare,
    steps=(
        Step("item", _ask_item, _take_item),
        OUTCOME,
        Step(
            "owner",
            proposal_decisions.ask_owner,
            proposal_decisions.take_owner,
            skip=_unless(_project),
        ),
        replace(proposal_decisions.OWNER_UNIT, skip=_unless(_project)),
        replace(proposal_decisions.FUNDING, skip=_unless(_project)),
        Step(
            "target",
            proposal_decisions.ask_target,
            proposal_decisions.take_target,
            skip=_unless(_project),
        ),
        Step("note", _ask_note, _take_note),
    ),
    finish=_finish,
)
