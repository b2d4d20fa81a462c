"""Helpers for the service-need and grid-report tests: people, rows, outbox, the role table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.bootstrap import App
from handlers import needs as needs_feature
from handlers.core.notify import Sink
from handlers.reports.common import set_deadlines
from storage.models import GridReport, Need, OutboxMessage, Person, ServiceItem
from storage.repos import regions

# The people of the authorization table, by the part they play for an item of 王凤兰's
# (she lives in 劲松北社区 第一网格, 103号楼).
ROLES = {
    "owner": "王凤兰",
    "other_resident": "陈永福",  # same grid, not hers
    "grid_worker_here": "张磊",  # 第一网格
    "grid_worker_elsewhere": "杨帆",  # 第二网格
    "organizer_here": "王海燕",  # 劲松北社区
    "organizer_elsewhere": "李梦瑶",  # 百环社区
    "admin": "刘文静",  # 劲松街道
    "unregistered": "路人甲",  # never sent /start
}
REFUSED = ("您没有权限", "请先发送 /start")


def refused(text: str) -> bool:
    """Whether a reply refuses the action (no role, or not registered)."""
    return any(marker in text for marker in REFUSED)


async def person_id(app: App, name: str) -> int:
    """The id of a demo person by name."""
    async with app.db.transaction() as session:
        found = await session.execute(select(Person.id).where(Person.display_name == name))
        return int(found.scalars().first())  # type: ignore[arg-type]


async def inbox(app: App, name: str) -> list[str]:
    """Texts queued in the outbox for a console user, oldest first."""
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "console", OutboxMessage.external_id == name)
            .order_by(OutboxMessage.id)
        )
        return [row.payload["text"] for row in rows.scalars()]


async def inbox_choices(app: App, name: str) -> list[list[str]]:
    """The payloads of the buttons sent with each outbox message to a console user."""
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "console", OutboxMessage.external_id == name)
            .order_by(OutboxMessage.id)
        )
        return [[p for _, p in row.payload.get("choices", [])] for row in rows.scalars()]


async def get_need(app: App, need_id: int) -> Need:
    """A need as stored now."""
    async with app.db.transaction() as session:
        need = await session.get(Need, need_id)
        assert need is not None
        return need


async def get_report(app: App, report_id: int) -> GridReport:
    """A report as stored now."""
    async with app.db.transaction() as session:
        report = await session.get(GridReport, report_id)
        assert report is not None
        return report


async def count(app: App, model: type) -> int:
    """How many rows a table has."""
    async with app.db.transaction() as session:
        return len((await session.execute(select(model))).scalars().all())


async def move_need(app: App, need_id: int, *statuses: str, actor: str | None = None) -> None:
    """Move a need through states with the hand-off use case, as the volunteers issue will."""
    actor_id = await person_id(app, actor) if actor else None
    for status in statuses:
        async with app.db.transaction() as session:
            need = await session.get(Need, need_id)
            assert need is not None
            sink = Sink.bare(session, app.deps, app.deps.clock())
            await needs_feature.set_status(sink, need, status, actor_id)


async def make_need(app: App, owner: str = "王凤兰", item: str = "medical_escort_service") -> int:
    """A need of a resident's, straight into the database (for table tests)."""
    async with app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == owner))
        ).scalar_one()
        service = (
            await session.execute(select(ServiceItem).where(ServiceItem.code == item))
        ).scalar_one()
        now = app.deps.clock()
        need = Need(
            person_id=person.id,
            entered_by_id=person.id,
            service_item_id=service.id,
            region_id=person.home_region_id,
            place="家中",
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(need)
        await session.flush()
        return need.id


async def make_report(
    app: App,
    reporter: str = "王凤兰",
    region_code: str = "CY-JS-01-G1-B3",
    category: str = "ground_lock",
    text: str = "楼下有人私装地锁",
    **fields: Any,
) -> int:
    """A report straight into the database, routed to 第一网格's grid worker (for table tests)."""
    async with app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == reporter))
        ).scalar_one()
        region = await regions.by_code(session, region_code)
        assert region is not None
        grid = await regions.ancestor_at(session, region, "grid")
        assert grid is not None
        worker = (
            await session.execute(select(Person.id).where(Person.display_name == "张磊"))
        ).scalar_one()
        now = app.deps.clock()
        report = GridReport(
            reporter_id=person.id,
            category=category,
            text=text,
            region_id=region.id,
            grid_id=grid.id,
            assignee_id=worker,
            status="open",
            created_at=now,
            updated_at=now,
        )
        set_deadlines(report, app.deps.config, now)
        for name, value in fields.items():
            setattr(report, name, value)
        session.add(report)
        await session.flush()
        return report.id
