"""Grid reports as flat rows for the community office (`linli admin export`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Region
from storage.repos import reports as reports_repo


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


async def export_rows(session: AsyncSession, region: Region | None) -> list[dict[str, object]]:
    """One flat row per report whose grid lies in a region subtree, oldest first.

    The reporter is left out (who complained about a neighbour is not for circulation).
    """
    rows: list[dict[str, object]] = []
    for report, grid in await reports_repo.export(session, region):
        rows.append(
            {
                "id": report.id,
                "category": report.category,
                "status": report.status,
                "text": report.text,
                "grid_code": grid.code,
                "grid": grid.name,
                "region_id": report.region_id,
                "lat": report.lat if report.lat is not None else "",
                "lon": report.lon if report.lon is not None else "",
                "place_text": report.place_text or "",
                "photo": report.photo_ref or "",
                "after_photo": report.after_photo_ref or "",
                "priority": report.priority,
                "metoo_count": report.metoo_count,
                "created_at": _iso(report.created_at),
                "respond_due": _iso(report.respond_due),
                "resolve_due": _iso(report.resolve_due),
                "acknowledged_at": _iso(report.acknowledged_at),
                "resolved_at": _iso(report.resolved_at),
                "escalation_level": report.escalation_level,
                "beyond_authority": report.beyond_authority,
                "resolution_note": report.resolution_note or "",
                "rating": report.rating if report.rating is not None else "",
                "rating_comment": report.rating_comment or "",
                "reopened_count": report.reopened_count,
            }
        )
    return rows
