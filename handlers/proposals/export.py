"""Flat rows of a region's proposals for the community office (`linli admin export`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Region
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
    "target_date",
    "done",
)


async def export_rows(session: AsyncSession, region: Region | None) -> list[dict[str, object]]:
    """One row per proposal (of a region's subtree, or all): codes for category and status.

    Times are aware UTC datetimes, the target date a date, absent values None; the writers in
    handlers/admin/exports.py turn them into text.
    """
    rows: list[dict[str, object]] = []
    for found in await repo.export(session, region):
        proposal = found["proposal"]
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
                "target_date": proposal.target_date,
                "done": proposal.done_at,
            }
        )
    return rows
