"""/meeting_minutes: the minutes, then the public notice (公示) broadcast to the whole community."""

from __future__ import annotations

from handlers.broadcasts import queue_broadcast
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step
from handlers.core.errors import InvalidInput, UserError
from handlers.core.i18n import LANGUAGES
from handlers.core.messages import Choice, Message, Reply
from handlers.meetings.common import (
    OUTCOME_LABELS,
    TEXT_MAX,
    load,
    parse_meeting_id,
    require_open,
    require_organizer,
)
from storage.models import Broadcast, Meeting, Region
from storage.repos import audit
from storage.repos import meetings as repo


async def _ready(ctx: Ctx, meeting: Meeting) -> Region:
    """The organizer's community, once every agenda item has its outcome."""
    community = await require_organizer(ctx, meeting)
    require_open(meeting)
    items = await repo.items(ctx.session, meeting.id)
    undecided = [str(n) for n, i in enumerate(items, start=1) if not i.outcome]
    if undecided:
        raise UserError("meetings.undecided_left", id=meeting.id, items=ctx.join(undecided))
    return community


async def _prepare(ctx: Ctx) -> None:
    meeting = await load(ctx, ctx.data.get("meeting") or parse_meeting_id(ctx.args))
    await _ready(ctx, meeting)
    ctx.data["meeting"] = meeting.id


def check_minutes(text: str) -> str:
    """The minutes as typed, or InvalidInput if empty or too long."""
    minutes = text.strip()
    if not minutes or len(minutes) > TEXT_MAX:
        raise InvalidInput("meetings.minutes_invalid", limit=TEXT_MAX)
    return minutes


async def _ask_minutes(ctx: Ctx) -> Reply:
    return ctx.reply("meetings.ask_minutes", limit=TEXT_MAX)


async def _take_minutes(ctx: Ctx, message: Message) -> str | None:
    ctx.data["minutes"] = check_minutes(message.text)
    return NEXT


async def _ask_confirm(ctx: Ctx) -> Reply:
    meeting = await load(ctx, ctx.data["meeting"])
    text = await notice_text(ctx, meeting, ctx.lang, ctx.data["minutes"])
    return ctx.reply(
        "meetings.ask_publish",
        notice=text,
        choices=[
            Choice(ctx.t("meetings.btn.publish"), "publish"),
            Choice(ctx.t("meetings.btn.later"), "later"),
        ],
    )


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    if message.value not in ("publish", "later"):
        raise InvalidInput("common.pick_from_list")
    ctx.data["publish"] = message.value
    return NEXT


async def notice_text(ctx: Ctx, meeting: Meeting, lang: str, minutes: str | None = None) -> str:
    """The public notice in `lang`: each item's outcome and votes, and the minutes (`minutes`
    when previewing ones not yet kept)."""
    i18n = ctx.deps.i18n
    community = await ctx.session.get(Region, meeting.community_id)
    items = await repo.items(ctx.session, meeting.id)
    counts = await repo.tally(ctx.session, [i.id for i in items])
    lines = [
        i18n.translate(
            lang,
            "meetings.notice_head",
            id=meeting.id,
            community=community.name if community else "",
            when=i18n.datetime(lang, meeting.starts_at),
            place=meeting.place,
        )
    ]
    for number, item in enumerate(items, start=1):
        ref = f"#{item.proposal_id} " if item.proposal_id else ""
        lines.append(
            i18n.translate(
                lang,
                "meetings.notice_item",
                n=number,
                ref=ref,
                title=item.title,
                outcome=i18n.translate(lang, OUTCOME_LABELS.get(item.outcome or "", "—"))
                if item.outcome
                else "—",
                yes=counts[item.id]["for"],
                no=counts[item.id]["against"],
                abstain=counts[item.id]["abstain"],
                note=f" — {item.outcome_note}" if item.outcome_note else "",
            ).rstrip()
        )
    minutes = minutes if minutes is not None else meeting.minutes or ""
    lines.append(i18n.translate(lang, "meetings.notice_minutes", minutes=minutes))
    return "\n".join(lines)


async def write_minutes(ctx: Ctx, meeting_id: int, minutes: str) -> Meeting:
    """Keep the minutes (every item decided first); audited. Shared with the office page."""
    meeting = await load(ctx, meeting_id, lock=True)
    await _ready(ctx, meeting)
    meeting.minutes = check_minutes(minutes)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="meeting.minutes",
        target=f"meeting:{meeting.id}",
        now=ctx.now,
    )
    return meeting


async def publish(ctx: Ctx, meeting_id: int) -> tuple[Broadcast, int]:
    """Broadcast the public notice (公示) to the whole community, in each resident's language;
    the meeting is then published and shown with its proposals. Needs the minutes written."""
    meeting = await load(ctx, meeting_id, lock=True)
    community = await _ready(ctx, meeting)
    if not meeting.minutes:
        raise InvalidInput("meetings.minutes_invalid", limit=TEXT_MAX)
    texts = {code: await notice_text(ctx, meeting, code) for code in LANGUAGES}
    broadcast = Broadcast(
        author_id=ctx.person.id,
        region_id=community.id,
        audience={"roles": ["everyone"], "skills": [], "lang": None},
        text=texts[ctx.deps.config.default_lang],
        status="queued",
        created_at=ctx.now,
        recipients=0,
    )
    ctx.session.add(broadcast)
    await ctx.session.flush()
    written = await queue_broadcast(ctx.session, ctx.deps, broadcast, ctx.now, texts=texts)
    meeting.status, meeting.published_at, meeting.broadcast_id = "published", ctx.now, broadcast.id
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="meeting.publish",
        target=f"meeting:{meeting.id}",
        now=ctx.now,
        broadcast=broadcast.id,
        recipients=written,
    )
    return broadcast, written


async def _finish(ctx: Ctx) -> list[Reply]:
    meeting = await write_minutes(ctx, ctx.data["meeting"], ctx.data["minutes"])
    if ctx.data.get("publish") != "publish":
        return [ctx.reply("meetings.minutes_saved", id=meeting.id)]
    broadcast, written = await publish(ctx, meeting.id)
    return [
        ctx.reply(
            "meetings.published",
            id=meeting.id,
            count=written,
            choices=[
                Choice(ctx.t("meetings.btn.broadcast_status"), f"/broadcast_status {broadcast.id}")
            ],
        )
    ]


MEETING_MINUTES = Flow(
    name="meeting_minutes",
    guard=_prepare,
    steps=(
        Step("minutes", _ask_minutes, _take_minutes),
        Step("confirm", _ask_confirm, _take_confirm),
    ),
    finish=_finish,
)
