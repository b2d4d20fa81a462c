"""Helpers for the joint-meeting tests: reports in time windows, meetings and votes as stored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from storage.models import AuditEntry, GridReport, Meeting, MeetingVote, Region
from tests.support.chat import Chat


async def add_reports(chat: Chat, grid: str, category: str, at: datetime, texts: list[str]) -> None:
    """Grid reports filed at `at` in a grid (set-up for the month's hot issue)."""
    async with chat.app.db.transaction() as session:
        region = (await session.execute(select(Region).where(Region.code == grid))).scalar_one()
        for text in texts:
            session.add(
                GridReport(
                    category=category,
                    text=text,
                    region_id=region.id,
                    grid_id=region.id,
                    created_at=at,
                    updated_at=at,
                )
            )


async def hot_month(chat: Chat, now: datetime) -> None:
    """Parking locks grew (1 → 3) in 劲松北社区; small ads fell (2 → 1); another community grew."""
    recent, before = now - timedelta(days=5), now - timedelta(days=40)
    await add_reports(chat, "CY-JS-01-G1", "ground_lock", before, ["老地锁"])
    await add_reports(
        chat,
        "CY-JS-01-G1",
        "ground_lock",
        recent,
        ["104号楼下私装地锁占消防通道", "3号楼车位被装地锁", "南门口又装了两把地锁"],
    )
    await add_reports(chat, "CY-JS-01-G2", "illegal_ads", before, ["小广告", "楼道小广告"])
    await add_reports(chat, "CY-JS-01-G2", "illegal_ads", recent, ["电梯里贴小广告"])
    await add_reports(chat, "CY-JS-02-G1", "back_alley", recent, ["百环小巷垃圾", "小巷积水"] * 3)


async def meeting(chat: Chat, meeting_id: int) -> Meeting:
    """The meeting as stored now."""
    async with chat.app.db.transaction() as session:
        found = await session.get(Meeting, meeting_id)
        assert found is not None
        return found


async def votes(chat: Chat) -> list[str]:
    """Every stored vote's choice, in order."""
    async with chat.app.db.transaction() as session:
        rows = await session.execute(select(MeetingVote.choice).order_by(MeetingVote.id))
        return list(rows.scalars())


async def meeting_audit(chat: Chat) -> list[str]:
    """The audited meeting actions, in order."""
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.action.startswith("meeting."))
            .order_by(AuditEntry.id)
        )
        return list(rows.scalars())
