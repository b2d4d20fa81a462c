"""Overdue hand-offs escalate to the street and the department's leads (a periodic sweep)."""

from __future__ import annotations

from handlers.core.i18n import N_
from handlers.core.notify import At, Sink
from handlers.departments.common import department, report_and_grid, street_staff, tell
from storage.models import DueJob, Handoff
from storage.repos import agencies, audit


async def escalate_handoffs(sink: Sink, job: DueJob | None = None) -> list[Handoff]:
    """Escalate every open hand-off past its deadline, once: the street, the department's leads
    and the worker who handed it are told. Running it again (or on two workers) sends nothing more.
    """
    session, now = sink.session, sink.now
    escalated = []
    for handoff in await agencies.overdue(session, now):
        if not await agencies.raise_escalation(session, handoff.id, now):
            continue  # another sweep got there first
        await session.refresh(handoff)
        dept = await department(session, handoff)
        _, grid = await report_and_grid(session, handoff)
        audit.record(
            session,
            actor_id=None,
            action="handoff.escalate",
            target=f"handoff:{handoff.id}",
            now=now,
            department=dept.code,
        )
        leads = await agencies.staff_of(session, department_id=dept.id, leads_only=True)
        people = [*await street_staff(session, grid), *leads, handoff.handed_by_id]
        await tell(
            sink,
            people,
            N_("departments.escalated"),
            handoff,
            dept,
            grid=grid.name,
            due=At(handoff.due_at),
        )
        escalated.append(handoff)
    return escalated
