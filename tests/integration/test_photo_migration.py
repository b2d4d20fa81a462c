"""Migration 0017 queues, for fetching, the photos reports already kept (the worker then fetches
them like new ones); other references (e.g. `console:`) are not queued."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage import migrate
from storage.db import create_engine
from storage.models import GridReport, Person, Photo, Region


async def test_existing_report_photos_are_queued(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate.downgrade(engine, "base")
        await migrate.upgrade(engine, "0016")
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        now = datetime(2026, 12, 1, tzinfo=UTC)
        async with sessions() as session, session.begin():
            grid = Region(code="G", level="grid", name="第一网格", path="")
            session.add(grid)
            await session.flush()
            resident = Person(display_name="王凤兰", lang="zh_CN", created_at=now)
            worker = Person(display_name="张磊", lang="zh_CN", created_at=now)
            session.add_all([resident, worker])
            await session.flush()
            for before, after in (
                ("wechat:MEDIA1", "telegram:AFTER1"),
                ("console:x.jpg", None),
                (None, None),
            ):
                session.add(
                    GridReport(
                        reporter_id=resident.id,
                        assignee_id=worker.id,
                        category="other",
                        text="",
                        photo_ref=before,
                        after_photo_ref=after,
                        region_id=grid.id,
                        grid_id=grid.id,
                        created_at=now,
                        updated_at=now,
                    )
                )
        await migrate.upgrade(engine, "0017")
        async with sessions() as session:
            rows = (await session.execute(select(Photo).order_by(Photo.id))).scalars().all()
        assert [(p.ref, p.channel, p.role, p.status) for p in rows] == [
            ("wechat:MEDIA1", "wechat", "before", "pending"),
            ("telegram:AFTER1", "telegram", "after", "pending"),
        ]
        assert [p.person_id for p in rows] == [resident.id, worker.id]
    finally:
        await migrate.upgrade(engine, "head")
        await engine.dispose()
