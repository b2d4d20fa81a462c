"""Looking at reports: mine (/reports), one report in detail (/report_status ID)."""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import NotAllowed
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Reply
from handlers.core.ratings import RATING_CHOICES, STARS
from handlers.relay.thread import thread_part
from handlers.reports.common import (
    ACTIVE,
    CATEGORIES,
    STATUS_LABELS,
    UNANSWERED,
    describe_place,
    is_staff_for,
    level_label,
    load,
    priority_label,
)
from storage.models import GridReport
from storage.repos import reports as reports_repo

# Audit actions shown as a report's history, with their labels.
EVENTS = {
    "report.note": N_("reports.event_note"),
    "report.beyond": N_("reports.event_beyond"),
    "report.dispute": N_("reports.event_dispute"),
    "report.reopen": N_("reports.event_reopen"),
}
LIST_LIMIT = 10
BUTTONS = 6
HISTORY_SHOWN = 5
SNIPPET = 24


def overdue(ctx: Ctx, report: GridReport) -> bool:
    """Whether a deadline has passed on a report still being handled."""
    late_reply = report.status in UNANSWERED and report.respond_due and report.respond_due < ctx.now
    late_fix = report.status in ACTIVE and report.resolve_due and report.resolve_due < ctx.now
    return bool(late_reply or late_fix)


def line(ctx: Ctx, report: GridReport) -> str:
    """One report as a list line, with flags staff care about."""
    flags = ""
    if overdue(ctx, report):
        flags += ctx.t("reports.flag_overdue")
    if report.escalation_level:
        flags += ctx.t("reports.flag_escalated")
    if report.beyond_authority:
        flags += ctx.t("reports.flag_beyond")
    text = report.text if len(report.text) <= SNIPPET else report.text[:SNIPPET] + "…"
    return ctx.t(
        "reports.line",
        id=report.id,
        category=ctx.t(CATEGORIES.get(report.category, CATEGORIES["other"])),
        status=ctx.t(STATUS_LABELS[report.status]),
        text=text,
        count=report.metoo_count + 1,
        flags=flags,
    )


def view_choices(ctx: Ctx, reports: list[GridReport]) -> list[Choice]:
    """Buttons to open the first few reports of a list."""
    return [
        Choice(ctx.t("reports.view_one", id=r.id), f"/report_status {r.id}")
        for r in reports[:BUTTONS]
    ]


async def list_mine(ctx: Ctx) -> list[Reply]:
    """/reports: the person's own reports, newest first."""
    await require_registered(ctx)
    found = await reports_repo.of_reporter(ctx.session, ctx.person.id, LIST_LIMIT)
    if not found:
        return [ctx.reply("reports.none_yet")]
    text = ctx.t("reports.mine", lines="\n".join(line(ctx, r) for r in found))
    return [Reply(text, tuple(view_choices(ctx, found)))]


async def can_view(ctx: Ctx, report: GridReport) -> bool:
    """The reporter, neighbours who said "me too", and staff over the grid may see a report."""
    from handlers.departments.hooks import handed_to_me  # hand-offs build on reports

    me = ctx.person.id
    return (
        report.reporter_id == me
        or await reports_repo.has_metoo(ctx.session, report.id, me)
        or await is_staff_for(ctx, report)
        or await handed_to_me(ctx, report)
    )


async def show(ctx: Ctx) -> list[Reply]:
    """/report_status ID: one report, its history, and what the person may do about it."""
    await require_registered(ctx)
    if not ctx.args:
        return await list_mine(ctx)
    report = await load(ctx, ctx.args)
    if not await can_view(ctx, report):
        raise NotAllowed()
    staff = await is_staff_for(ctx, report)
    parts = [
        ctx.t(
            "reports.detail",
            id=report.id,
            category=ctx.t(CATEGORIES.get(report.category, CATEGORIES["other"])),
            status=ctx.t(STATUS_LABELS[report.status]),
            text=report.text,
            photo=ctx.t(_photos(report)),
            place=await describe_place(ctx.session, report, ctx.t),
            count=report.metoo_count + 1,
            created=ctx.when(report.created_at),
        )
    ]
    if report.status in ACTIVE and report.respond_due and report.resolve_due:
        parts.append(
            ctx.t(
                "reports.detail_due",
                respond=ctx.when(report.respond_due),
                resolve=ctx.when(report.resolve_due),
            )
        )
    history = await reports_repo.events(ctx.session, report.id, tuple(EVENTS))
    for entry in history[-HISTORY_SHOWN:]:
        parts.append(
            ctx.t(
                "reports.history_line",
                at=ctx.when(entry.at),
                kind=ctx.t(EVENTS[entry.action]),
                note=entry.details.get("note", ""),
            )
        )
    if report.resolution_note:
        parts.append(ctx.t("reports.detail_resolution", note=report.resolution_note))
    if report.rating is not None:
        parts.append(
            ctx.t(
                "reports.detail_rating",
                stars=STARS[report.rating - 1],
                comment=report.rating_comment or "",
            )
        )
    if staff:
        parts.append(
            ctx.t(
                "reports.detail_staff",
                priority=ctx.t(priority_label(report.priority), n=report.metoo_count),
                level=ctx.t(level_label(report.escalation_level)),
            )
        )
        if report.beyond_authority:
            parts.append(ctx.t("reports.detail_beyond"))
        if report.reopened_count:
            parts.append(ctx.t("reports.detail_reopened", n=report.reopened_count))
    from handlers.departments.hooks import report_extras  # (departments import reports)

    handoff_lines, handoff_choices = await report_extras(ctx, report, staff)
    parts += handoff_lines
    thread, write = await thread_part(ctx, "report", report.id)  # reporter ↔ assigned worker
    if thread:
        parts.append(thread)
    choices = (*actions(ctx, report, staff), *handoff_choices, *write)
    return photo_replies(ctx, report, "\n".join(parts), choices)


def _photos(report: GridReport) -> str:
    if report.photo_ref and report.after_photo_ref:
        return N_("reports.photo_before_after")
    if report.after_photo_ref:
        return N_("reports.photo_after_only")
    return N_("reports.photo_yes") if report.photo_ref else N_("reports.photo_no")


def photo_replies(
    ctx: Ctx, report: GridReport, text: str, choices: tuple[Choice, ...]
) -> list[Reply]:
    """The report's text with the photo taken at reporting; the one after the fix follows.

    The buttons go on the last reply, so they stay under everything shown.
    """
    if not report.after_photo_ref:
        return [Reply(text, choices, photo=report.photo_ref)]
    return [
        Reply(text, photo=report.photo_ref),
        Reply(
            ctx.t("reports.photo_after_caption", id=report.id),
            choices,
            photo=report.after_photo_ref,
        ),
    ]


def actions(ctx: Ctx, report: GridReport, staff: bool) -> list[Choice]:
    """The buttons a person gets on a report: staff handle it, the reporter rates it."""
    rid, choices = report.id, []
    if staff and report.status in UNANSWERED:
        choices.append(Choice(ctx.t("reports.acknowledge"), f"rack:{rid}"))
    if staff and report.status in ACTIVE:
        choices.append(Choice(ctx.t("reports.add_note"), f"rnote:{rid}"))
        choices.append(Choice(ctx.t("reports.close"), f"rclose:{rid}"))
        if not report.beyond_authority:
            choices.append(Choice(ctx.t("reports.flag_beyond_button"), f"rbeyond:{rid}"))
    if report.status == "resolved" and report.reporter_id == ctx.person.id:
        choices += [Choice(ctx.t(label), f"rrate:{rid}:{n}") for label, n in RATING_CHOICES]
        choices.append(Choice(ctx.t("reports.dispute"), f"rdispute:{rid}"))
    return choices
