"""Helpers for the hand-off (吹哨报到) and unit tests: rows as stored, the hand-off dialog."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.bootstrap import App
from storage.models import Activity, GridReport, Handoff, Person, Proposal, Region, UnitResource
from tests.support.chat import Chat

LOCK_TEXT = "小区门口有人占道经营，堵住了人行道"


async def whistle(chat: Chat, report: int, who: str = "张磊", days: str = "3") -> None:
    """The grid worker hands a report to 城管 (the first department offered)."""
    await chat.script(
        who,
        [
            (f"/whistle {report}", f"把报事 #{report} 交给哪个部门？"),
            ("1", "请在几天内报到？"),
            (days, "给部门的说明"),
            ("请尽快处理，居民反映强烈", "已吹哨：报事"),
        ],
    )


async def handoff(app: App, handoff_id: int) -> Handoff:
    """A hand-off as stored now."""
    async with app.db.transaction() as session:
        found = await session.get(Handoff, handoff_id)
        assert found is not None
        return found


async def report(app: App, report_id: int) -> GridReport:
    """A report as stored now."""
    async with app.db.transaction() as session:
        found = await session.get(GridReport, report_id)
        assert found is not None
        return found


async def resource_id(app: App, name: str) -> int:
    """The id of a unit's resource by name."""
    async with app.db.transaction() as session:
        found = await session.execute(select(UnitResource.id).where(UnitResource.name == name))
        return int(found.scalar_one())


async def make_activity(
    app: App, title: str, starts_at: datetime, hours: int = 2, slots: int = 30, **fields: Any
) -> int:
    """An open activity of 王海燕's in 劲松北社区."""
    async with app.db.transaction() as session:
        region = (
            await session.execute(select(Region).where(Region.code == "CY-JS-01"))
        ).scalar_one()
        author = (
            await session.execute(select(Person.id).where(Person.display_name == "王海燕"))
        ).scalar_one()
        activity = Activity(
            organizer_id=author,
            region_id=region.id,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            slots=slots,
            status="open",
            created_at=starts_at - timedelta(days=7),
            **fields,
        )
        session.add(activity)
        await session.flush()
        return activity.id


async def make_project(app: App, title: str, now: datetime) -> int:
    """An accepted proposal (a practical project, 实事项目) in 劲松北社区."""
    async with app.db.transaction() as session:
        region = (
            await session.execute(select(Region).where(Region.code == "CY-JS-01"))
        ).scalar_one()
        proposal = Proposal(
            community_id=region.id,
            region_id=region.id,
            title=title,
            body="",
            category="environment",
            status="accepted",
            created_at=now,
            updated_at=now,
        )
        session.add(proposal)
        await session.flush()
        return proposal.id
