"""Needs as flat rows for the community office (`linli admin export`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Region
from storage.repos import needs as needs_repo


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


async def export_rows(
    session: AsyncSession, region: Region | None, *, include_sensitive: bool = False
) -> list[dict[str, object]]:
    """One flat row per need in a region subtree, oldest first.

    Target groups (独居老人, 残疾人 …) are sensitive: only with `include_sensitive=True`.
    """
    found = await needs_repo.export(session, region)
    names = await needs_repo.names(
        session,
        [pid for need, _, _ in found for pid in (need.person_id, need.entered_by_id) if pid],
    )
    rows: list[dict[str, object]] = []
    for need, item, place in found:
        row: dict[str, object] = {
            "id": need.id,
            "status": need.status,
            "service_code": item.code,
            "service": item.name_zh,
            "service_en": item.name_en,
            "department": item.department,
            "region_code": place.code,
            "region": place.name,
            "place": need.place,
            "window_start": _iso(need.window_start),
            "window_end": _iso(need.window_end),
            "urgency": need.urgency,
            "volunteers_needed": need.volunteers_needed,
            "person": names.get(need.person_id or 0, ""),
            "entered_by": names.get(need.entered_by_id or 0, ""),
            "door_to_door": need.entered_by_id is not None and need.entered_by_id != need.person_id,
            "notes": need.notes,
            "rating": need.rating if need.rating is not None else "",
            "rating_comment": need.rating_comment or "",
            "created_at": _iso(need.created_at),
            "closed_at": _iso(need.closed_at),
        }
        if include_sensitive:
            row["target_groups"] = ";".join(str(code) for code in need.target_groups or [])
        rows.append(row)
    return rows
