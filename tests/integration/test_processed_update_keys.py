"""Processed updates kept before the sender joined their key are still recognised after it."""

from __future__ import annotations

from sqlalchemy import text

from storage import migrate
from storage.db import create_engine
from storage.repos.dialogs import sender_key


async def test_the_upgrade_gives_kept_updates_their_senders_key(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate.downgrade(engine, "0003")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO processed_updates (channel, update_key, user_id, replies, seen_at)"
                    " VALUES ('wechat', 'm:1', 'oKept', '[]', '2026-12-01 00:00:00'),"
                    " ('wechat', 'm:2', NULL, '[]', '2026-12-01 00:00:00')"
                )
            )
        await migrate.upgrade(engine, "head")
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT update_key, sender FROM processed_updates ORDER BY update_key")
            )
            assert list(rows) == [("m:1", sender_key("oKept")), ("m:2", "")]
    finally:
        await migrate.upgrade(engine, "head")
        await engine.dispose()
