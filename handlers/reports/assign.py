"""Organizers reassign a report to a grid worker of the community (the office console's action).

A report filed in the wrong grid moves with it to the new worker's grid. The worker is told in
chat, with the buttons to take it on; the reporter hears who handles it now.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.context import Ctx
from handlers.core.errors import Conflict, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Reply
from handlers.core.notify import Sink
from handlers.reports.common import ACTIVE, STREET_ROLES, followers, grid_of, tell
from storage.models import GridReport, Person, Region, RoleGrant
from storage.repos import audit, regions, roles
from storage.repos import reports as reports_repo


async def workers_for(ctx: Ctx, report: GridReport) -> list[tuple[Person, Region]]:
    """Grid workers of the report's community, each with the grid they hold, by grid."""
    grid = await grid_of(ctx.session, report)
    community = await regions.ancestor_at(ctx.session, grid, "community") or grid
    rows = await ctx.session.execute(
        select(Person, Region)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .join(Region, Region.id == RoleGrant.region_id)
        .where(
            RoleGrant.role == "grid_worker",
            RoleGrant.revoked_at.is_(None),
            Region.path.startswith(community.path),
            Person.erased_at.is_(None),
        )
        .order_by(Region.path, Person.id)
    )
    return [(person, region) for person, region in rows.all()]


async def reassign(ctx: Ctx, report_id: int, worker_id: int) -> list[Reply]:
    """Give a report to another grid worker of its community (organizers and admins over it)."""
    report = await reports_repo.get(ctx.session, report_id)
    if report is None:
        raise UserError("reports.not_found")
    grid = await grid_of(ctx.session, report)
    if not await roles.holds(ctx.session, ctx.person.id, STREET_ROLES, grid):
        raise NotAllowed()
    if report.status not in ACTIVE:
        raise Conflict("reports.changed", id=report.id)
    found = [(p, r) for p, r in await workers_for(ctx, report) if p.id == worker_id]
    if not found:
        raise UserError("reports.not_a_worker")
    worker, worker_grid = found[0]
    new_grid = grid if grid.path.startswith(worker_grid.path) else worker_grid
    if worker_grid.level == "grid" and not await roles.holds(
        ctx.session, ctx.person.id, STREET_ROLES, new_grid
    ):
        raise NotAllowed()
    if not await reports_repo.transition(
        ctx.session,
        report.id,
        (report.status,),
        ctx.now,
        assignee_id=worker.id,
        grid_id=new_grid.id,
    ):
        raise Conflict("reports.changed", id=report.id)
    await ctx.session.refresh(report)
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="report.reassign",
        target=f"report:{report.id}",
        now=ctx.now,
        worker=worker.id,
        grid=new_grid.id,
    )
    sink = Sink.of(ctx)
    buttons = [
        ("reports.acknowledge", f"rack:{report.id}"),
        ("reports.view", f"/report_status {report.id}"),
    ]
    await tell(
        sink,
        [worker.id],
        N_("reports.reassigned_worker"),
        report,
        choices=buttons,
        by=ctx.person.display_name,
        text=report.text[:100],
    )
    await tell(
        sink,
        await followers(ctx.session, report),
        N_("reports.reassigned_notice"),
        report,
        skip=ctx.person.id,
        worker=worker.display_name,
    )
    return [ctx.reply("reports.reassigned", id=report.id, worker=worker.display_name)]
