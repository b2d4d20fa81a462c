"""Milestones of a practical project: /milestone ID adds one, /milestone_done N marks it reached."""

from __future__ import annotations

from datetime import date

from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step
from handlers.core.errors import InvalidInput, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Message, Reply
from handlers.core.numbers import require_id
from handlers.proposals.common import (
    TITLE_MAX,
    load,
    local_today,
    parse_id,
    push,
    require_organizer,
    status_label,
)
from matching.understand import when
from storage.models import ProjectMilestone
from storage.repos import proposals as repo

# A project takes milestones from acceptance until it is closed.
PROJECT_STATES = ("accepted", "in_progress", "done", "disputed")


async def _prepare(ctx: Ctx) -> None:
    proposal = await load(ctx, ctx.data.get("id") or parse_id(ctx.args))
    await require_organizer(ctx, proposal)
    if proposal.status not in PROJECT_STATES or proposal.closed_at is not None:
        raise UserError("proposals.not_project", id=proposal.id, status=status_label(ctx, proposal))
    ctx.data["id"] = proposal.id


async def _ask_title(ctx: Ctx) -> Reply:
    return ctx.reply("proposals.ask_milestone", id=ctx.data["id"], limit=TITLE_MAX)


async def _take_title(ctx: Ctx, message: Message) -> str | None:
    title = " ".join(message.text.split())
    if not title or len(title) > TITLE_MAX:
        raise InvalidInput("proposals.milestone_invalid", limit=TITLE_MAX)
    ctx.data["title"] = title
    return NEXT


async def _ask_date(ctx: Ctx) -> Reply:
    return ctx.reply("proposals.ask_milestone_date")


async def _take_date(ctx: Ctx, message: Message) -> str | None:
    meant = when.day(message.text, local_today(ctx))
    if meant is None:
        raise InvalidInput("proposals.date_invalid")
    ctx.data["due"] = meant.isoformat()
    return NEXT


async def _finish(ctx: Ctx) -> list[Reply]:
    proposal = await load(ctx, ctx.data["id"], lock=True)
    await require_organizer(ctx, proposal)
    milestone = ProjectMilestone(
        proposal_id=proposal.id,
        title=ctx.data["title"],
        due_date=date.fromisoformat(ctx.data["due"]),
        created_at=ctx.now,
    )
    ctx.session.add(milestone)
    await ctx.session.flush()
    repo.add_event(
        ctx.session,
        proposal,
        "milestone",
        ctx.now,
        ctx.person.id,
        f"{milestone.title} · {milestone.due_date}",
    )
    return [
        ctx.reply(
            "proposals.milestone_added",
            id=proposal.id,
            n=milestone.id,
            title=milestone.title,
            date=ctx.data["due"],
        )
    ]


MILESTONE = Flow(
    name="milestone",
    guard=_prepare,
    steps=(Step("title", _ask_title, _take_title), Step("due", _ask_date, _take_date)),
    finish=_finish,
)


async def milestone_done(ctx: Ctx) -> list[Reply]:
    """/milestone_done N: the milestone is reached; the project's followers hear it."""
    milestone_id = require_id(ctx.args.strip(), "proposals.milestone_not_found", id=ctx.args[:20])
    milestone = await ctx.session.get(ProjectMilestone, milestone_id)
    if milestone is None:
        raise UserError("proposals.milestone_not_found", id=milestone_id)
    proposal = await load(ctx, milestone.proposal_id, lock=True)
    await require_organizer(ctx, proposal)
    if milestone.done_at is not None:
        raise UserError("proposals.milestone_already", title=milestone.title)
    milestone.done_at = ctx.now
    repo.add_event(ctx.session, proposal, "milestone_done", ctx.now, ctx.person.id, milestone.title)
    await push(ctx, proposal, N_("proposals.push.milestone_done"), milestone=milestone.title)
    return [ctx.reply("proposals.milestone_done_ok", id=proposal.id, title=milestone.title)]
