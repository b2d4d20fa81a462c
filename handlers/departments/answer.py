"""报到: a department's staff see what was handed to them and answer, ask for help or hand back."""

from __future__ import annotations

from handlers.core.auth import STAFF_ROLES, require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step, begin
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import Sink
from handlers.core.ratings import RATING_CHOICES
from handlers.departments.common import (
    ACTIVE,
    STATUS_LABELS,
    department,
    for_department,
    is_department_staff,
    is_grid_staff,
    load,
    report_and_grid,
    street_staff,
    tell,
)
from handlers.reports.common import ACTIVE as REPORT_ACTIVE
from handlers.reports.common import followers
from storage.models import Handoff
from storage.repos import agencies, audit, photos, roles
from storage.repos import reports as reports_repo

TEXT_LIMIT = 1000
LIST_LIMIT = 20
BUTTONS = 6
SNIPPET = 24
ASKS = {
    "answer": N_("departments.ask_answer"),
    "help": N_("departments.ask_help"),
    "return": N_("departments.ask_return"),
}
DONE_KEYS = {
    "answer": N_("departments.done_answer"),
    "help": N_("departments.done_help"),
    "return": N_("departments.done_return"),
}


def buttons(ctx: Ctx, handoff: Handoff) -> list[Choice]:
    """What a department's staff may do with a hand-off still open."""
    if handoff.status not in ACTIVE:
        return []
    hid = handoff.id
    return [
        Choice(ctx.t("departments.answer_button"), f"hans:{hid}"),
        Choice(ctx.t("departments.help_button"), f"hhelp:{hid}"),
        Choice(ctx.t("departments.return_button"), f"hback:{hid}"),
    ]


async def list_handoffs(ctx: Ctx) -> list[Reply]:
    """/handoffs: what was handed to the person's departments; for grid workers, organizers and
    admins, the hand-offs of reports in their grids and communities. Open ones first."""
    await require_registered(ctx)
    mine = await agencies.department_ids_of(ctx.session, ctx.person.id)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    scopes = [g.region for g in grants if g.role in STAFF_ROLES]
    if not mine and not scopes:
        raise NotAllowed()
    found = await agencies.handoffs_for(ctx.session, mine, LIST_LIMIT)
    found += [
        h for h in await agencies.handoffs_in(ctx.session, scopes, LIST_LIMIT) if h not in found
    ]
    if not found:
        return [ctx.reply("departments.list_none")]
    lines = []
    for handoff in found:
        report, _ = await report_and_grid(ctx.session, handoff)
        text = report.text if len(report.text) <= SNIPPET else report.text[:SNIPPET] + "…"
        late = handoff.status in ACTIVE and handoff.due_at < ctx.now
        lines.append(
            ctx.t(
                "departments.line",
                id=handoff.id,
                report=report.id,
                status=ctx.t(STATUS_LABELS[handoff.status]),
                due=ctx.when(handoff.due_at),
                text=text,
                flags=ctx.t("departments.flag_overdue") if late else "",
            )
        )
    choices = [
        Choice(ctx.t("departments.view_one", id=h.id), f"/handoff {h.id}") for h in found[:BUTTONS]
    ]
    return [
        Reply(ctx.t("departments.list", count=len(found), lines="\n".join(lines)), tuple(choices))
    ]


async def show_handoff(ctx: Ctx) -> list[Reply]:
    """/handoff ID: one hand-off with its report, for the department's staff and grid staff."""
    await require_registered(ctx)
    if not ctx.args.strip():
        return await list_handoffs(ctx)
    handoff = await load(ctx, ctx.args.split()[0])
    report, grid = await report_and_grid(ctx.session, handoff)
    mine = await is_department_staff(ctx, handoff)
    if not mine and not await is_grid_staff(ctx, report):
        raise NotAllowed()
    dept = await department(ctx.session, handoff)
    parts = [
        ctx.t(
            "departments.detail",
            id=handoff.id,
            report=report.id,
            department=dept.name,
            status=ctx.t(STATUS_LABELS[handoff.status]),
            grid=grid.name,
            text=report.text,
            photo=ctx.t(
                N_("departments.photo_yes") if report.photo_ref else N_("departments.photo_no")
            ),
            note=handoff.note or "—",
            due=ctx.when(handoff.due_at),
        )
    ]
    if handoff.answer:
        parts.append(ctx.t("departments.detail_answer", answer=handoff.answer))
    if handoff.escalation_level:
        parts.append(ctx.t("departments.detail_escalated"))
    return [Reply("\n".join(parts), tuple(buttons(ctx, handoff) if mine else ()))]


async def _start(ctx: Ctx, args: list[str], action: str) -> list[Reply]:
    handoff = await for_department(ctx, args[0] if args else "")
    return await begin(ctx, ANSWER, {"handoff": handoff.id, "action": action})


async def answer(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "hans:ID": report back (报到) with a note and an optional photo."""
    return await _start(ctx, args, "answer")


async def ask_help(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "hhelp:ID": ask the street for help with a reason."""
    return await _start(ctx, args, "help")


async def hand_back(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Button "hback:ID": hand the report back with a reason."""
    return await _start(ctx, args, "return")


async def _guard(ctx: Ctx) -> None:
    handoff = await for_department(ctx, str(ctx.data["handoff"]))
    if handoff.status not in ACTIVE:
        raise Conflict("departments.changed", id=handoff.id)


async def _ask_text(ctx: Ctx) -> Reply:
    return ctx.reply(ASKS[ctx.data["action"]], id=ctx.data["handoff"])


async def _take_text(ctx: Ctx, message: Message) -> str | None:
    text = "" if message.payload is not None else message.text.strip()
    if not text:
        raise InvalidInput("departments.note_empty")
    if len(text) > TEXT_LIMIT:
        raise InvalidInput("departments.text_too_long", limit=TEXT_LIMIT)
    ctx.data["text"] = text
    ctx.data["photo"] = message.photo if ctx.data["action"] == "answer" else None
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    try:
        await _guard(ctx)
    except UserError as exc:  # answered by a colleague meanwhile: say so, end the flow
        return [ctx.reply(exc.key, **exc.params)]
    handoff = await for_department(ctx, str(ctx.data["handoff"]))
    action, text, photo = ctx.data["action"], ctx.data["text"], ctx.data.get("photo")
    status = {"answer": "answered", "help": "help", "return": "returned"}[action]
    values: dict[str, object] = {
        "status": status,
        "answer": text,
        "answered_by_id": ctx.person.id,
        "responded_at": handoff.responded_at or ctx.now,
    }
    if action == "answer":
        values |= {"answered_at": ctx.now, "answer_photo": photo}
    if not await agencies.transition(ctx.session, handoff.id, (handoff.status,), ctx.now, **values):
        raise Conflict("departments.changed", id=handoff.id)
    await ctx.session.refresh(handoff)
    if action == "answer":
        await photos.want(
            ctx.session,
            photo,
            report_id=handoff.report_id,
            role="answer",
            person_id=ctx.person.id,
            now=ctx.now,
        )
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action=f"handoff.{action}",
        target=f"handoff:{handoff.id}",
        now=ctx.now,
        note=text,
    )
    dept = await department(ctx.session, handoff)
    report, grid = await report_and_grid(ctx.session, handoff)
    sink = Sink.of(ctx)
    key = {
        "answer": N_("departments.answered_worker"),
        "help": N_("departments.help_street"),
        "return": N_("departments.returned_worker"),
    }[action]
    staff = [handoff.handed_by_id]
    if action != "answer":
        staff += await street_staff(ctx.session, grid)
    await tell(sink, staff, key, handoff, dept, skip=ctx.person.id, photo=photo, note=text)
    if action == "answer":
        await _resolve_report(ctx, handoff, text, photo)
    return [ctx.reply(DONE_KEYS[action], id=handoff.id, report=report.id)]


async def _resolve_report(ctx: Ctx, handoff: Handoff, text: str, photo: str | None) -> None:
    """The department's answer resolves the report; its reporter is told and asked to rate."""
    report, _ = await report_and_grid(ctx.session, handoff)
    dept = await department(ctx.session, handoff)
    if report.status in REPORT_ACTIVE:
        await reports_repo.transition(
            ctx.session,
            report.id,
            (report.status,),
            ctx.now,
            status="resolved",
            resolution_note=f"{dept.name}：{text}",
            resolved_at=ctx.now,
            acknowledged_at=report.acknowledged_at or ctx.now,
        )
    rate = [(label, f"rrate:{report.id}:{stars}") for label, stars in RATING_CHOICES]
    sink = Sink.of(ctx)
    await tell(
        sink,
        [report.reporter_id],
        N_("departments.answered_reporter"),
        handoff,
        dept,
        skip=ctx.person.id,
        choices=rate,
        photo=photo,
        note=text,
    )
    others = [p for p in await followers(ctx.session, report) if p != report.reporter_id]
    await tell(sink, others, N_("departments.answered_follower"), handoff, dept, note=text)


ANSWER = Flow(
    name="handoff_answer",
    guard=_guard,
    steps=(Step("text", _ask_text, _take_text),),
    finish=_finish,
)
