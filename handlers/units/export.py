"""The community's 资源清单、需求清单、项目清单 as rows for the export writer (Chinese headers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Proposal, Region, ResourceBooking, Unit, UnitResource

PROJECT_STATES = ("accepted", "in_progress", "done", "disputed")


async def _units(session: AsyncSession, region: Region | None) -> dict[int, tuple[Unit, Region]]:
    rows = await session.execute(
        select(Unit, Region)
        .join(Region, Region.id == Unit.region_id)
        .where(Unit.status == "approved")
    )
    return {
        unit.id: (unit, community)
        for unit, community in rows.all()
        if region is None or community.path.startswith(region.path)
    }


async def _rows(
    session: AsyncSession, region: Region | None, direction: str
) -> list[dict[str, Any]]:
    units = await _units(session, region)
    if not units:
        return []
    resources = await session.execute(
        select(UnitResource)
        .where(
            UnitResource.unit_id.in_(list(units)),
            UnitResource.direction == direction,
            UnitResource.active.is_(True),
        )
        .order_by(UnitResource.unit_id, UnitResource.id)
    )
    booked = dict(
        (
            await session.execute(
                select(ResourceBooking.resource_id, func.count())
                .where(ResourceBooking.status == "booked")
                .group_by(ResourceBooking.resource_id)
            )
        ).all()
    )
    rows = []
    for resource in resources.scalars():
        unit, community = units[resource.unit_id]
        row = {
            "编号": resource.id,
            "单位": unit.name,
            "社区": community.name,
            "类别": resource.kind,
            "名称": resource.name,
            "数量": resource.quantity,
            "时间": resource.availability,
        }
        if direction == "offer":
            row["已预约次数"] = int(booked.get(resource.id, 0))
        rows.append(row)
    return rows


async def export_resources(session: AsyncSession, region: Region | None) -> list[dict[str, Any]]:
    """资源清单: what units offer (venues, equipment, people, money)."""
    return await _rows(session, region, "offer")


async def export_needs(session: AsyncSession, region: Region | None) -> list[dict[str, Any]]:
    """需求清单: what units need from the community."""
    return await _rows(session, region, "need")


async def export_projects(session: AsyncSession, region: Region | None) -> list[dict[str, Any]]:
    """项目清单: practical projects (accepted proposals) with the resources booked for them."""
    rows = await session.execute(
        select(Proposal, Region)
        .join(Region, Region.id == Proposal.community_id)
        .where(Proposal.status.in_(PROJECT_STATES))
        .order_by(Proposal.id)
    )
    bookings = await session.execute(
        select(ResourceBooking.proposal_id, UnitResource.name, Unit.name)
        .join(UnitResource, UnitResource.id == ResourceBooking.resource_id)
        .join(Unit, Unit.id == UnitResource.unit_id)
        .where(ResourceBooking.proposal_id.is_not(None), ResourceBooking.status == "booked")
        .order_by(ResourceBooking.id)
    )
    used: dict[int, list[str]] = {}
    for proposal_id, resource, unit in bookings.all():
        if proposal_id is not None:
            used.setdefault(proposal_id, []).append(f"{unit}·{resource}")
    found = []
    for proposal, community in rows.all():
        if region is not None and not community.path.startswith(region.path):
            continue
        found.append(
            {
                "编号": proposal.id,
                "项目": proposal.title,
                "社区": community.name,
                "类别": proposal.category,
                "状态": proposal.status,
                "责任单位": proposal.owner or "",
                "计划完成": proposal.target_date or "",
                "完成时间": proposal.done_at or "",
                "使用资源": "；".join(used.get(proposal.id, [])),
            }
        )
    return found
