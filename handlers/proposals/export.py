"""Flat rows for the community office (`linli admin export proposals|projects`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Proposal, Region
from storage.repos import meetings as meetings_repo
from storage.repos import proposals as repo

COLUMNS = (
    "id",
    "community",
    "title",
    "category",
    "status",
    "proposer",
    "cosigns",
    "created",
    "decided",
    "owner",
    "owner_unit",
    "funding_source",
    "target_date",
    "milestones",
    "meeting",
    "done",
    "closed",
)
PROJECT_COLUMNS = ("year", "street", "community", "projects", "closed")


async def export_rows(session: AsyncSession, region: Region | None) -> list[dict[str, object]]:
    """One row per proposal (of a region's subtree, or all): codes for category and status.

    Times are aware UTC datetimes, the target date a date, absent values None; the writers in
    handlers/admin/exports.py turn them into text. `owner_unit` is free text until units have a
    table of their own; `meeting` is the joint meeting that decided the proposal, if one did.
    """
    rows: list[dict[str, object]] = []
    for found in await repo.export(session, region):
        proposal = found["proposal"]
        milestones = await meetings_repo.milestones(session, proposal.id)
        decided = [
            i for i in await meetings_repo.items_of_proposal(session, proposal.id) if i.outcome
        ]
        rows.append(
            {
                "id": proposal.id,
                "community": found["community"],
                "title": proposal.title,
                "category": proposal.category,
                "status": proposal.status,
                "proposer": found["proposer"],
                "cosigns": proposal.cosign_count,
                "created": proposal.created_at,
                "decided": proposal.decided_at,
                "owner": proposal.owner,
                "owner_unit": proposal.owner_unit,
                "funding_source": proposal.funding_source,
                "target_date": proposal.target_date,
                "milestones": "; ".join(
                    f"{m.title} {m.due_date or ''}{' ✓' if m.done_at else ''}".strip()
                    for m in milestones
                )
                or None,
                "meeting": decided[-1].meeting_id if decided else None,
                "done": proposal.done_at,
                "closed": proposal.closed_at,
            }
        )
    return rows


async def export_projects(session: AsyncSession, region: Region | None) -> list[dict[str, object]]:
    """Practical projects per year, street and community: decided (accepted) and closed.

    A project counts in the year it was decided and, separately, in the year it was closed
    (calendar years in UTC: the export has no deployment time zone).
    """
    area = select(Region.id)
    if region is not None:
        area = area.where(Region.path.startswith(region.path))
    first = await session.scalar(
        select(func.min(Proposal.decided_at)).where(
            Proposal.community_id.in_(area), Proposal.status.in_(repo.PROJECT_STATES)
        )
    )
    if first is None:
        return []
    last = await session.scalar(select(func.max(Proposal.updated_at)))
    rows: list[dict[str, object]] = []
    names: dict[int, tuple[str, str]] = {}
    scope_path = region.path if region is not None else ""
    for year in range(first.year, (last or first).year + 1):
        start = datetime(year, 1, 1, tzinfo=first.tzinfo)
        end = datetime(year + 1, 1, 1, tzinfo=first.tzinfo)
        counts = await repo.projects_per_year(session, scope_path, start, end)
        for community_id, c in sorted(counts.items()):
            if community_id not in names:
                community = await session.get(Region, community_id)
                street = (
                    await session.get(Region, community.parent_id)
                    if community is not None and community.parent_id
                    else None
                )
                names[community_id] = (
                    street.name if street is not None else "",
                    community.name if community is not None else "",
                )
            street_name, community_name = names[community_id]
            rows.append(
                {
                    "year": year,
                    "street": street_name,
                    "community": community_name,
                    "projects": c["projects"],
                    "closed": c["closed"],
                }
            )
    return rows
