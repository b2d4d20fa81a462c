"""Answers to notices: "我能来" / "报名" / "I can come" from someone who received a broadcast.

The answer reaches the notice's author as a message (and is audited, so /broadcast_status can
count it); when the notice is for an activity (`/activity_broadcast ID`), the person is signed
up for it as if they had pressed "join". Only a short yes within `LINLI_BROADCAST_ANSWER_DAYS`
days of the notice is taken: anything else goes to the general reading of free text.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from handlers.activities import views as activity_views
from handlers.activities.common import find, manage
from handlers.core import dialogs
from handlers.core.context import Ctx
from handlers.core.messages import Reply
from handlers.core.notify import Sink, notify
from handlers.core.numbers import parse_id
from matching.understand.answers import means_yes
from storage.models import AuditEntry, Broadcast
from storage.repos import audit
from storage.repos import broadcasts as repo

ANSWERED = "broadcast.answer"


def _days(ctx: Ctx) -> int:
    return ctx.deps.config.broadcast_answer_days


async def answer(ctx: Ctx, text: str) -> list[Reply] | None:
    """Route a "yes, I can come" to the notice it answers; None if it answers none."""
    if not means_yes(text):
        return None
    since = ctx.now - timedelta(days=_days(ctx))
    broadcast = await repo.latest_received(ctx.session, ctx.person.id, since)
    if broadcast is None or broadcast.author_id == ctx.person.id:
        return None
    activity_id = (broadcast.audience or {}).get("activity")
    if await answered(ctx, broadcast) and not activity_id:
        return [ctx.reply("broadcasts.answer_again", id=broadcast.id)]
    replies = await activity_views.join(ctx, int(activity_id)) if activity_id else []
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action=ANSWERED,
        target=f"broadcast:{broadcast.id}",
        now=ctx.now,
        text=text[:100],
        activity=activity_id,
    )
    await notify(
        Sink.of(ctx),
        broadcast.author_id,
        "broadcasts.answer_notice_activity" if activity_id else "broadcasts.answer_notice",
        name=ctx.person.display_name,
        id=broadcast.id,
        said=text[:100],
        excerpt=_excerpt(broadcast),
    )
    return replies or [ctx.reply("broadcasts.answer_sent", id=broadcast.id)]


def _excerpt(broadcast: Broadcast) -> str:
    text = " ".join(broadcast.text.split())
    return text if len(text) <= 20 else text[:20] + "…"


async def answered(ctx: Ctx, broadcast: Broadcast) -> bool:
    """Whether the person has already answered this notice."""
    found = await ctx.session.scalar(
        select(func.count()).where(
            AuditEntry.action == ANSWERED,
            AuditEntry.actor_id == ctx.person.id,
            AuditEntry.target == f"broadcast:{broadcast.id}",
        )
    )
    return bool(found)


async def answer_count(ctx: Ctx, broadcast_id: int) -> int:
    """How many people answered a notice "yes"."""
    found = await ctx.session.scalar(
        select(func.count(func.distinct(AuditEntry.actor_id))).where(
            AuditEntry.action == ANSWERED, AuditEntry.target == f"broadcast:{broadcast_id}"
        )
    )
    return int(found or 0)


async def activity_broadcast(ctx: Ctx) -> list[Reply]:
    """/activity_broadcast ID: a notice about an activity; answering "报名" signs people up."""
    from handlers.broadcasts.compose import BROADCAST  # the dialog this starts

    if not ctx.args:
        return [ctx.reply("broadcasts.activity_usage")]
    activity = await find(ctx, parse_id(ctx.args))
    await manage(ctx, activity)
    if activity.status != "open" or activity.starts_at <= ctx.now:
        return [ctx.reply("broadcasts.activity_not_open", title=activity.title)]
    return await dialogs.begin(ctx, BROADCAST, {"activity": activity.id, "title": activity.title})
