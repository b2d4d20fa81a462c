"""Grid workers handle reports: list (/reports_grid), acknowledge, add a note, close, and flag
a demand as beyond the community's authority (reviewed by the street, /reports_street).

Every step tells the reporter and the neighbours who said "me too".
"""

from __future__ import annotations

from handlers.core.auth import STAFF_ROLES, require_not_subject, require_registered, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step, begin, skipped
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink
from handlers.core.ratings import RATING_CHOICES
from handlers.reports.common import (
    ACTIVE,
    STREET_ROLES,
    UNANSWERED,
    followers,
    grid_of,
    is_staff_for,
    load,
    street_staff,
    tell,
)
from handlers.reports.views import actions, line, view_choices
from storage.models import GridReport, Region
from storage.repos import audit, photos, roles
from storage.repos import reports as reports_repo

NOTE_LIMIT = 1000
PHOTO_REF_LIMIT = 255
LIST_LIMIT = 30
ASKS = {
    "note": N_("reports.ask_note"),
    "close": N_("reports.ask_resolution"),
    "beyond": N_("reports.ask_beyond"),
}


async def _staff_report(ctx: Ctx, raw: str) -> GridReport:
    await require_registered(ctx)
    report = await load(ctx, raw)
    if not await is_staff_for(ctx, report):
        raise NotAllowed()
    return report


async def _scopes(ctx: Ctx, wanted: tuple[str, ...]) -> list[Region]:
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    return [g.region for g in grants if g.role in wanted]


# -- lists ---------------------------------------------------------------------------------------


async def list_grid(ctx: Ctx) -> list[Reply]:
    """/reports_grid: reports being handled in the grids where the person is staff."""
    await require_role(ctx, STAFF_ROLES)
    found = await reports_repo.in_scopes(
        ctx.session, await _scopes(ctx, STAFF_ROLES), (*ACTIVE, "resolved"), limit=LIST_LIMIT
    )
    if not found:
        return [ctx.reply("reports.grid_none")]
    text = ctx.t(
        "reports.grid_list", count=len(found), lines="\n".join(line(ctx, r) for r in found)
    )
    return [Reply(text, tuple(view_choices(ctx, found)))]


async def list_street(ctx: Ctx) -> list[Reply]:
    """/reports_street: escalated reports and demands beyond the community's authority."""
    await require_role(ctx, STREET_ROLES)
    found = await reports_repo.in_scopes(
        ctx.session,
        await _scopes(ctx, STREET_ROLES),
        (*ACTIVE, "resolved"),
        for_street=True,
        limit=LIST_LIMIT,
    )
    if not found:
        return [ctx.reply("reports.street_none")]
    text = ctx.t(
        "reports.street_list", count=len(found), lines="\n".join(line(ctx, r) for r in found)
    )
    return [Reply(text, tuple(view_choices(ctx, found)))]


# -- acknowledge ---------------------------------------------------------------------------------


async def acknowledge(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "rack:ID": the grid worker has seen the report and takes it on."""
    report = await _staff_report(ctx, args[0] if args else "")
    seen = report.status
    if seen not in UNANSWERED or not await reports_repo.transition(
        ctx.session,
        report.id,
        (seen,),
        ctx.now,
        status="acknowledged",
        acknowledged_at=ctx.now,
        assignee_id=ctx.person.id,
    ):
        raise Conflict("reports.changed", id=report.id)
    await ctx.session.refresh(report)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="report.acknowledge",
        target=f"report:{report.id}",
        now=ctx.now,
    )
    await tell(
        Sink.of(ctx),
        await followers(ctx.session, report),
        N_("reports.acknowledged_notice"),
        report,
        skip=ctx.person.id,
        worker=ctx.person.display_name,
    )
    return [
        Reply(
            ctx.t("reports.acknowledged", id=report.id),
            tuple(actions(ctx, report, staff=True)),
        )
    ]


# -- note, close, beyond: one text each ----------------------------------------------------------


async def _start(ctx: Ctx, args: list[str], action: str) -> list[Reply]:
    report = await _staff_report(ctx, args[0] if args else "")
    return await begin(ctx, ACTION, {"report": report.id, "action": action})


async def add_note(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "rnote:ID": a progress note for the reporter."""
    return await _start(ctx, args, "note")


async def close(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "rclose:ID": close with a resolution note; the reporter is asked to rate."""
    return await _start(ctx, args, "close")


async def flag_beyond(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "rbeyond:ID": beyond the community's authority, for the street to review."""
    return await _start(ctx, args, "beyond")


async def _guard(ctx: Ctx) -> None:
    report = await _staff_report(ctx, str(ctx.data["report"]))
    if report.status not in ACTIVE:
        raise Conflict("reports.changed", id=report.id)
    if ctx.data["action"] == "beyond" and report.beyond_authority:
        raise UserError("reports.already_beyond", id=report.id)
    if ctx.data["action"] == "close":  # the reporter rates the resolution: not their own
        require_not_subject(ctx, report.reporter_id)


async def _ask_text(ctx: Ctx) -> Reply:
    return ctx.reply(ASKS[ctx.data["action"]], id=ctx.data["report"])


async def _take_text(ctx: Ctx, message: Message) -> str | None:
    text = "" if message.payload is not None else message.text.strip()
    if not text:
        raise InvalidInput("reports.note_empty")
    if len(text) > NOTE_LIMIT:
        raise InvalidInput("reports.text_too_long", limit=NOTE_LIMIT)
    ctx.data["text"] = text
    if ctx.data.get("action") != "close":
        return DONE
    if message.photo:  # a photo with the note as its caption
        _keep_after_photo(ctx, message.photo)
    report = await reports_repo.get(ctx.session, int(ctx.data["report"]))
    if report is None or report.status not in ACTIVE:
        return DONE  # changed while the note was typed: say so now, not after a photo
    return NEXT


def _keep_after_photo(ctx: Ctx, photo: str) -> None:
    if len(photo) > PHOTO_REF_LIMIT:
        raise InvalidInput("reports.photo_bad")
    ctx.data["after_photo"] = photo


def _no_after_photo(ctx: Ctx) -> bool:
    return ctx.data.get("action") != "close" or bool(ctx.data.get("after_photo"))


async def _ask_after_photo(ctx: Ctx) -> Reply:
    skip = Choice(ctx.t("common.skip"), "skip")
    return ctx.reply("reports.ask_after_photo", id=ctx.data["report"], choices=[skip])


async def _take_after_photo(ctx: Ctx, message: Message) -> str | None:
    """Closing: a photo of the place after the fix, or skip (it is optional)."""
    if message.photo:
        _keep_after_photo(ctx, message.photo)
        return DONE
    if skipped(message):
        return DONE
    raise InvalidInput("reports.photo_or_skip")


async def _finish(ctx: Ctx) -> list[Reply]:
    # The report may have changed while the note was typed. Nothing is written before these
    # checks, so answering here ends the flow instead of asking for the note again.
    try:
        return await _perform(ctx)
    except UserError as exc:
        return [ctx.reply(exc.key, **exc.params)]


async def _perform(ctx: Ctx) -> list[Reply]:
    await _guard(ctx)
    report = await _staff_report(ctx, str(ctx.data["report"]))
    action, note = ctx.data["action"], ctx.data["text"]
    if action == "close":
        return await _close(ctx, report, note)
    if action == "beyond":
        return await _beyond(ctx, report, note)
    values: dict[str, object] = {}
    if report.status in UNANSWERED:  # a reply to the reporter is a response
        values = {"status": "acknowledged", "acknowledged_at": ctx.now}
    if not await reports_repo.transition(
        ctx.session, report.id, (report.status,), ctx.now, **values
    ):
        raise Conflict("reports.changed", id=report.id)
    await ctx.session.refresh(report)
    _audit(ctx, report, "report.note", note)
    await tell(
        Sink.of(ctx),
        await followers(ctx.session, report),
        N_("reports.note_notice"),
        report,
        skip=ctx.person.id,
        note=note,
    )
    return [ctx.reply("reports.note_saved", id=report.id)]


def _audit(ctx: Ctx, report: GridReport, action: str, note: str) -> None:
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action=action,
        target=f"report:{report.id}",
        now=ctx.now,
        note=note,
    )


async def _close(ctx: Ctx, report: GridReport, note: str) -> list[Reply]:
    if not await reports_repo.transition(
        ctx.session,
        report.id,
        (report.status,),
        ctx.now,
        status="resolved",
        resolution_note=note,
        after_photo_ref=ctx.data.get("after_photo"),
        resolved_at=ctx.now,
        acknowledged_at=report.acknowledged_at or ctx.now,
    ):
        raise Conflict("reports.changed", id=report.id)
    await ctx.session.refresh(report)
    await photos.want(
        ctx.session,
        report.after_photo_ref,
        report_id=report.id,
        role="after",
        person_id=ctx.person.id,
        now=ctx.now,
    )
    _audit(ctx, report, "report.close", note)
    sink = Sink.of(ctx)
    rate = [(label, f"rrate:{report.id}:{stars}") for label, stars in RATING_CHOICES]
    await tell(
        sink,
        [report.reporter_id],
        N_("reports.resolved_notice"),
        report,
        skip=ctx.person.id,
        choices=[*rate, ("reports.dispute", f"rdispute:{report.id}")],
        photo=report.after_photo_ref,  # how it looks now, beside the note
        note=note,
    )
    others = [p for p in await followers(ctx.session, report) if p != report.reporter_id]
    await tell(
        sink,
        others,
        N_("reports.resolved_follower"),
        report,
        skip=ctx.person.id,
        photo=report.after_photo_ref,
        note=note,
    )
    return [ctx.reply("reports.closed", id=report.id)]


async def _beyond(ctx: Ctx, report: GridReport, note: str) -> list[Reply]:
    if not await reports_repo.transition(
        ctx.session, report.id, (report.status,), ctx.now, beyond_authority=True
    ):
        raise Conflict("reports.changed", id=report.id)
    await ctx.session.refresh(report)
    _audit(ctx, report, "report.beyond", note)
    grid = await grid_of(ctx.session, report)
    sink = Sink.of(ctx)
    await tell(
        sink,
        await street_staff(ctx.session, grid),
        N_("reports.beyond_street"),
        report,
        skip=ctx.person.id,
        grid=grid.name,
        note=note,
        worker=ctx.person.display_name,
    )
    await tell(
        sink, await followers(ctx.session, report), N_("reports.beyond_notice"), report, note=note
    )
    return [ctx.reply("reports.beyond_saved", id=report.id)]


async def act(ctx: Ctx, report_id: int, action: str, text: str) -> list[Reply]:
    """Note, close or flag beyond authority with the text at once (the office console).

    The same checks as the chat flow; a refusal raises instead of being answered.
    """
    if action not in ASKS:
        raise InvalidInput("reports.note_empty")
    ctx.data.update(report=report_id, action=action)
    await _take_text(ctx, Message(channel=ctx.message.channel, user_id="", text=text))
    return await _perform(ctx)


ACTION = Flow(
    name="report_action",
    guard=_guard,
    steps=(
        Step("text", _ask_text, _take_text),
        Step("after_photo", _ask_after_photo, _take_after_photo, skip=_no_after_photo),
    ),
    finish=_finish,
)
