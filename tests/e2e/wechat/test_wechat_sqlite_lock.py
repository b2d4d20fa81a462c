"""SQLite locked by another connection (an import, a backup, `linli chat`) freezes nothing.

A thread with its own sqlite3 connection holds BEGIN IMMEDIATE, as another process would. While
it does, the event loop keeps running (a heartbeat ticks), WeChat gets its answer at the reply
deadline, and once the lock is free the reply goes out through the outbox. SQLite only: the lock
is SQLite's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.bootstrap import App, build
from bot.channels.wechat import WeChatChannel, WeChatConfig
from bot.settings import Settings
from bot.web import create_web_app
from handlers.core.i18n import Translator
from storage.models import OutboxMessage
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock

USER = "oLocked000000000000000001"


class LockHolder(threading.Thread):
    """Holds SQLite's write lock from another connection until told to let go."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.held = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        """Take the lock, write something, wait, roll back."""
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE persons SET lang = lang")
        self.held.set()
        self.release.wait(60)
        conn.rollback()
        conn.close()


@pytest.fixture
async def locked_app(
    tmp_path: Path, sqlite_seeded_template: Path, clock: FakeClock, translator: Translator
) -> AsyncIterator[App]:
    """The app on a SQLite copy of the demo district, with the default lock budget."""
    path = tmp_path / "linli.db"
    shutil.copy(sqlite_seeded_template, path)
    settings = Settings(LINLI_LANG="zh_CN")
    application = build(
        settings, database_url=f"sqlite+aiosqlite:///{path}", clock=clock, translator=translator
    )
    yield application
    await application.close()


async def test_a_held_lock_stalls_nothing_and_the_late_reply_reaches_the_outbox(
    locked_app: App, wx_config: WeChatConfig, clock: FakeClock, tmp_path: Path
) -> None:
    plain = dataclasses.replace(wx_config, aes_key=None)  # plain mode: no WECHAT_AES_KEY
    channel = WeChatChannel(locked_app, plain, reply_deadline_s=0.3)
    web = create_web_app(locked_app, [channel], senders=False)
    transport = httpx.ASGITransport(app=web)
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beating = asyncio.create_task(heartbeat())
    holder = LockHolder(tmp_path / "linli.db")
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as http:
        wx = WeChatServer(http, wx_config, clock)
        holder.start()
        assert await asyncio.to_thread(holder.held.wait, 10)
        try:
            at_start = ticks
            answer = await wx.text(USER, "开始")
            # Answered at the deadline while the lock is still held: the loop was not blocked.
            assert (answer.status, answer.body) == (200, "success")
            assert not holder.release.is_set() and ticks > at_start
            # Liveness needs no database: it answers while the lock is held.
            assert (await http.get("/livez")).status_code == 200
        finally:
            holder.release.set()
        await channel.settle()
    beating.cancel()
    await channel.stop()
    async with locked_app.db.transaction() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    [late] = rows
    assert (late.channel, late.external_id, late.kind) == ("wechat", USER, "reply")
    assert "请选择语言" in late.payload["text"]
