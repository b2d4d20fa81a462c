"""The reporter's verdict on a resolved report: a rating (1–5) or a dispute.

A rating of 2 or less, or a dispute, reopens the report once (new deadlines, the grid worker is
told). After that a second one is recorded, the report closes, and the street is told instead.
"""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step, begin, optional_text_step
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Message, Reply
from handlers.core.notify import Sink
from handlers.core.ratings import STARS
from handlers.reports.common import (
    UNHAPPY,
    deadlines,
    grid_of,
    load,
    responders,
    street_staff,
    tell,
)
from storage.models import GridReport
from storage.repos import audit
from storage.repos import reports as reports_repo

TEXT_LIMIT = 1000
MAX_REOPEN = 1


async def _own_resolved(ctx: Ctx, raw: str) -> GridReport:
    await require_registered(ctx)
    report = await load(ctx, raw)
    if report.reporter_id != ctx.person.id:
        raise NotAllowed()
    if report.status == "closed":
        raise Conflict("reports.already_rated", id=report.id)
    if report.status != "resolved":
        raise Conflict("reports.not_resolved", id=report.id)
    return report


async def _verdict(
    ctx: Ctx, report: GridReport, *, stars: int | None, reason: str | None
) -> tuple[bool, list[int]]:
    """Reopen an unhappy report once, else close it; returns (reopened, who to tell)."""
    unhappy = reason is not None or (stars is not None and stars <= UNHAPPY)
    rating = {"rating": stars} if stars is not None else {}
    grid = await grid_of(ctx.session, report)
    if unhappy and report.reopened_count < MAX_REOPEN:
        respond, resolve = deadlines(ctx.deps.config, report.category)
        changed = await reports_repo.transition(
            ctx.session,
            report.id,
            ("resolved",),
            ctx.now,
            status="reopened",
            reopened_count=report.reopened_count + 1,
            acknowledged_at=None,
            resolved_at=None,
            escalation_level=0,  # new deadlines, escalated afresh if missed again
            respond_due=ctx.now + respond,
            resolve_due=ctx.now + resolve,
            **rating,
        )
        people: list[int | None] = [report.assignee_id, *await responders(ctx.session, grid)]
    else:
        changed = await reports_repo.transition(
            ctx.session, report.id, ("resolved",), ctx.now, status="closed", **rating
        )
        people = list(await street_staff(ctx.session, grid)) if unhappy else []
    if not changed:
        raise Conflict("reports.changed", id=report.id)
    await ctx.session.refresh(report)
    reopened = report.status == "reopened"
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="report.dispute" if reason is not None else "report.rate",
        target=f"report:{report.id}",
        now=ctx.now,
        stars=stars,
        note=reason or "",
        reopened=reopened,
    )
    if reopened:
        audit.record(
            ctx.session,
            actor_id=ctx.person.id,
            action="report.reopen",
            target=f"report:{report.id}",
            now=ctx.now,
            note=reason or STARS[(stars or 1) - 1],
        )
    return reopened, [p for p in people if p is not None]


async def _tell_verdict(
    ctx: Ctx, report: GridReport, reopened: bool, people: list[int], why: str
) -> None:
    key = N_("reports.reopened_notice") if reopened else N_("reports.unhappy_street")
    grid = await grid_of(ctx.session, report)
    await tell(Sink.of(ctx), people, key, report, skip=ctx.person.id, why=why, grid=grid.name)


# -- rating --------------------------------------------------------------------------------------


async def rate(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "rrate:ID:STARS" from the reporter."""
    report = await _own_resolved(ctx, args[0] if args else "")
    stars = int(args[1]) if len(args) > 1 and args[1] in ("1", "2", "3", "4", "5") else 0
    if not stars:
        raise Conflict("reports.changed", id=report.id)
    reopened, people = await _verdict(ctx, report, stars=stars, reason=None)
    if people:
        await _tell_verdict(ctx, report, reopened, people, STARS[stars - 1])
    if reopened:
        key = N_("reports.rated_reopened")
    elif stars <= UNHAPPY:
        key = N_("reports.rated_to_street")
    else:
        key = N_("reports.rated")
    thanks = ctx.reply(key, id=report.id, stars=STARS[stars - 1])
    return [thanks, *await begin(ctx, COMMENT, {"report": report.id})]


async def _finish_comment(ctx: Ctx) -> list[Reply]:
    comment = ctx.data.get("comment")
    if not comment:
        return [ctx.reply("reports.comment_skipped")]
    report = await reports_repo.get(ctx.session, ctx.data["report"])
    if report is None or report.reporter_id != ctx.person.id:
        raise NotAllowed()
    report.rating_comment = comment  # the comment on the latest rating
    report.updated_at = ctx.now
    return [ctx.reply("reports.comment_saved")]


COMMENT = Flow(
    name="report_comment",
    steps=(
        optional_text_step(
            "comment",
            N_("reports.ask_comment"),
            "comment",
            limit=TEXT_LIMIT,
            empty=N_("reports.note_empty"),
            too_long=N_("reports.text_too_long"),
            then=DONE,
        ),
    ),
    finish=_finish_comment,
)


# -- dispute -------------------------------------------------------------------------------------


async def dispute(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "rdispute:ID": the reporter says the problem is not solved; asks why."""
    report = await _own_resolved(ctx, args[0] if args else "")
    return await begin(ctx, DISPUTE, {"report": report.id})


async def _guard_dispute(ctx: Ctx) -> None:
    await _own_resolved(ctx, str(ctx.data["report"]))


async def _ask_reason(ctx: Ctx) -> Reply:
    return ctx.reply("reports.ask_dispute", id=ctx.data["report"])


async def _take_reason(ctx: Ctx, message: Message) -> str | None:
    text = "" if message.payload is not None else message.text.strip()
    if not text:
        raise InvalidInput("reports.note_empty")
    if len(text) > TEXT_LIMIT:
        raise InvalidInput("reports.text_too_long", limit=TEXT_LIMIT)
    ctx.data["reason"] = text
    return DONE


async def _finish_dispute(ctx: Ctx) -> list[Reply]:
    try:  # nothing is written before these checks: a changed report just ends the flow
        report = await _own_resolved(ctx, str(ctx.data["report"]))
        reason = ctx.data["reason"]
        reopened, people = await _verdict(ctx, report, stars=None, reason=reason)
    except UserError as exc:
        return [ctx.reply(exc.key, **exc.params)]
    if people:
        await _tell_verdict(ctx, report, reopened, people, reason)
    key = N_("reports.disputed_reopened") if reopened else N_("reports.disputed_to_street")
    return [ctx.reply(key, id=report.id)]


DISPUTE = Flow(
    name="report_dispute",
    guard=_guard_dispute,
    steps=(Step("reason", _ask_reason, _take_reason),),
    finish=_finish_dispute,
)
