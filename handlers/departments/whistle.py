"""吹哨: a grid worker or the street hands a report to one department with a deadline."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import NEXT, Flow, Step, begin, optional_text_step
from handlers.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import At, Sink
from handlers.core.numbers import parse_int
from handlers.departments.common import is_grid_staff, kind_label, tell
from handlers.reports.common import ACTIVE as REPORT_ACTIVE
from handlers.reports.common import followers, load
from storage.models import GridReport, Handoff
from storage.repos import agencies, audit, regions

DAY_CHOICES = (1, 3, 7)
MAX_DAYS = 60
NOTE_LIMIT = 500


async def _report(ctx: Ctx) -> GridReport:
    await require_registered(ctx)
    report = await load(ctx, str(ctx.data.get("report", "")))
    if not await is_grid_staff(ctx, report):
        raise NotAllowed()
    return report


async def _guard(ctx: Ctx) -> None:
    report = await _report(ctx)
    if report.status not in REPORT_ACTIVE:
        raise UserError("departments.report_not_active", id=report.id)
    for handoff in await agencies.handoffs_of_report(ctx.session, report.id):
        if handoff.status in agencies.ACTIVE:
            raise UserError("departments.already_handed", id=report.id, handoff=handoff.id)
    grid = await regions.by_id(ctx.session, report.grid_id)
    assert grid is not None
    if not await agencies.serving(ctx.session, grid):
        raise UserError("departments.none_serving", grid=grid.name)


async def whistle_command(ctx: Ctx) -> list[Reply]:
    """/whistle REPORT: start handing a report to a department."""
    await require_registered(ctx)
    if not ctx.args.strip():
        return [ctx.reply("departments.whistle_usage")]
    report = await load(ctx, ctx.args.split()[0])
    return await begin(ctx, WHISTLE, {"report": report.id})


async def _ask_department(ctx: Ctx) -> Reply:
    report = await _report(ctx)
    grid = await regions.by_id(ctx.session, report.grid_id)
    assert grid is not None
    choices = [
        Choice(
            ctx.t("departments.choice", name=d.name, kind=ctx.t(kind_label(d.kind).key)), f"d{d.id}"
        )
        for d in await agencies.serving(ctx.session, grid)
    ]
    return ctx.reply("departments.ask_department", id=report.id, choices=choices)


async def _take_department(ctx: Ctx, message: Message) -> str | None:
    report = await _report(ctx)
    grid = await regions.by_id(ctx.session, report.grid_id)
    assert grid is not None
    wanted = message.value.strip()
    for dept in await agencies.serving(ctx.session, grid):
        if wanted in (f"d{dept.id}", dept.name, dept.code):
            ctx.data["department"] = dept.id
            return NEXT
    raise InvalidInput("common.pick_from_list")


async def _ask_days(ctx: Ctx) -> Reply:
    choices = [Choice(ctx.t("departments.days_choice", days=n), str(n)) for n in DAY_CHOICES]
    return ctx.reply("departments.ask_days", choices=choices)


async def _take_days(ctx: Ctx, message: Message) -> str | None:
    days = parse_int(message.value.strip().rstrip("天日 days"), 1, MAX_DAYS)
    if days is None:
        raise InvalidInput("departments.bad_days", limit=MAX_DAYS)
    ctx.data["days"] = days
    return NEXT


async def _finish(ctx: Ctx) -> list[Reply]:
    try:
        await _guard(ctx)
    except UserError as exc:  # changed while the answers were typed: say so, end the flow
        return [ctx.reply(exc.key, **exc.params)]
    return await hand_off(
        ctx,
        int(ctx.data["report"]),
        int(ctx.data["department"]),
        int(ctx.data["days"]),
        ctx.data.get("note", ""),
    )


async def hand_off(
    ctx: Ctx, report_id: int, department_id: int, days: int, note: str = ""
) -> list[Reply]:
    """Hand a report to a department serving its grid, due in `days` (the office runs this too).

    Checks again what the flow's guard checks: staff over the report's grid, the report still
    active, no live hand-off, a department that serves the grid.
    """
    ctx.data["report"] = report_id
    await _guard(ctx)
    report = await _report(ctx)
    grid = await regions.by_id(ctx.session, report.grid_id)
    assert grid is not None
    serving = {d.id: d for d in await agencies.serving(ctx.session, grid)}
    dept = serving.get(department_id)
    if dept is None:
        raise Conflict("departments.not_found", id=department_id)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput("departments.bad_days", limit=MAX_DAYS)
    note = " ".join(note.split())
    if len(note) > NOTE_LIMIT:
        raise InvalidInput("departments.text_too_long", limit=NOTE_LIMIT)
    handoff = Handoff(
        report_id=report.id,
        department_id=dept.id,
        handed_by_id=ctx.person.id,
        note=note,
        due_at=ctx.now + timedelta(days=days),
        status="handed",
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(handoff)
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="handoff.create",
        target=f"report:{report.id}",
        now=ctx.now,
        handoff=handoff.id,
        department=dept.code,
    )
    sink = Sink.of(ctx)
    hid = handoff.id
    await tell(
        sink,
        await agencies.staff_of(ctx.session, department_id=dept.id),
        N_("departments.handed_notice"),
        handoff,
        dept,
        choices=[
            ("departments.answer_button", f"hans:{hid}"),
            ("departments.help_button", f"hhelp:{hid}"),
            ("departments.return_button", f"hback:{hid}"),
            ("departments.view", f"/handoff {hid}"),
        ],
        photo=report.photo_ref,
        grid=grid.name,
        text=report.text,
        note=handoff.note or "—",
        due=At(handoff.due_at),
        worker=ctx.person.display_name,
    )
    await tell(
        sink,
        await followers(ctx.session, report),
        N_("departments.handed_reporter"),
        handoff,
        dept,
        skip=ctx.person.id,
        choices=[("departments.view_report", f"/report_status {report.id}")],
        due=At(handoff.due_at),
    )
    return [
        ctx.reply(
            "departments.handed",
            id=hid,
            report=report.id,
            department=dept.name,
            due=ctx.when(handoff.due_at),
        )
    ]


WHISTLE = Flow(
    name="whistle",
    guard=_guard,
    steps=(
        Step("department", _ask_department, _take_department),
        Step("days", _ask_days, _take_days, numbers=True),
        optional_text_step(
            "note",
            N_("departments.ask_note"),
            "note",
            limit=NOTE_LIMIT,
            empty=N_("departments.note_empty"),
            too_long=N_("departments.text_too_long"),
        ),
    ),
    finish=_finish,
)
