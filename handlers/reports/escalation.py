"""Overdue reports escalate to the street (the scheduler calls `escalate_overdue` periodically)."""

from __future__ import annotations

from typing import Any

from handlers.core.i18n import N_
from handlers.core.notify import At, Key, Sink
from handlers.reports.common import ACTIVE, UNANSWERED, grid_of, street_staff, tell
from storage.models import DueJob, GridReport
from storage.repos import audit
from storage.repos import reports as reports_repo

# Level 1: nobody responded by respond_due; level 2: not resolved by resolve_due.
REASONS = {1: N_("reports.late_response"), 2: N_("reports.late_resolution")}


async def escalate_overdue(sink: Sink, job: DueJob | None = None) -> list[GridReport]:
    """Raise the escalation level of reports past a deadline and tell the street's staff.

    Each level is reached once: running the sweep again (or on two workers) changes nothing and
    sends nothing more. The grid's assignee is told too.
    """
    session, now = sink.session, sink.now
    escalated = []
    for report in await reports_repo.overdue(session, now, UNANSWERED, ACTIVE):
        late_fix = report.resolve_due is not None and report.resolve_due < now
        level = 2 if late_fix else 1
        if level <= report.escalation_level:
            continue
        if not await reports_repo.raise_escalation(session, report.id, level, now):
            continue  # another sweep got there first
        await session.refresh(report)
        due = report.resolve_due if level == 2 else report.respond_due
        audit.record(
            session,
            actor_id=None,
            action="report.escalate",
            target=f"report:{report.id}",
            now=now,
            level=level,
        )
        grid = await grid_of(session, report)
        params: dict[str, Any] = {
            "grid": grid.name,
            "why": Key(REASONS[level]),
            "due": At(due or now),
        }
        await tell(
            sink,
            await street_staff(session, grid),
            N_("reports.escalated_street"),
            report,
            **params,
        )
        await tell(sink, [report.assignee_id], N_("reports.escalated_assignee"), report, **params)
        escalated.append(report)
    return escalated
