"""Which processes send and which sweep, and how they stop: `linli serve` and `linli worker`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.bootstrap import App
from bot.settings import get_settings
from bot.web import app_factory
from storage.models import DueJob
from tests.e2e.test_operations import _advisory_holders
from tests.support import databases
from tests.support.fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
LINLI = str(Path(sys.executable).with_name("linli"))


async def test_serve_without_senders_leaves_sending_to_the_workers(
    demo_app: App, db_url: str, engine_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine_name != "postgresql":
        pytest.skip("the sender lock, which shows who sends, is PostgreSQL's")
    held = {}
    async with FakeTelegram() as tg:
        settings = {
            "DATABASE_URL": db_url,
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_URL": tg.base_url,
            "TELEGRAM_WEBHOOK_SECRET": "roles-secret",
            "WECHAT_TOKEN": "",
            "LINLI_SERVE_SWEEPS": "false",
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        try:
            for senders in ("true", "false"):
                monkeypatch.setenv("LINLI_SERVE_SENDERS", senders)
                get_settings.cache_clear()
                asgi = app_factory()  # as each uvicorn worker builds it
                async with asgi.router.lifespan_context(asgi):
                    held[senders] = len(await _advisory_holders(demo_app, wait_for=1))
        finally:
            get_settings.cache_clear()
    assert held == {"true": 1, "false": 0}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["worker", "serve"])
async def test_sigterm_during_a_sweep_stops_the_process_and_rolls_the_sweep_back(
    demo_app: App, db_url: str, engine_name: str, tmp_path: Path, command: str
) -> None:
    """The sweep waits on a table lock held here, as a long one would run on: SIGTERM still
    stops the worker (LINLI_STOP_SECONDS), and the sweep's transaction is rolled back. `serve`
    runs its sweeps on a thread of their own (bot/sweep_thread.py): stopped the same way."""
    if engine_name != "postgresql":
        pytest.skip("the sweep is held up by a PostgreSQL table lock")
    env = {k: v for k, v in os.environ.items() if k not in ("LINLI_LOG_FORMAT",)}
    env |= {
        "DATABASE_URL": db_url,
        "LINLI_DATA_DIR": str(tmp_path),
        "LINLI_STOP_SECONDS": "1",
        "TELEGRAM_TOKEN": "",
        "WECHAT_TOKEN": "",
    }
    log = tmp_path / "worker.log"
    async with demo_app.db.engine.connect() as blocker:
        await blocker.execute(text("LOCK TABLE due_jobs IN ACCESS EXCLUSIVE MODE"))
        with log.open("w") as sink:
            args = ["worker"] if command == "worker" else ["serve", "--port", str(_free_port())]
            worker = await asyncio.create_subprocess_exec(
                LINLI, *args, "--no-senders", env=env, cwd=ROOT, stdout=sink, stderr=sink
            )
        try:
            await databases.until_a_lock_wait(demo_app.db.engine, "due_jobs")  # the sweep has begun
            worker.send_signal(signal.SIGTERM)
            # Before the fix it waited for the sweep, that is for this lock: forever.
            code = await asyncio.wait_for(worker.wait(), 120)
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
        await blocker.rollback()
    # uvicorn re-raises the SIGTERM it caught once it has shut down (the exit says why).
    assert code in ((0, -signal.SIGTERM) if command == "serve" else (0,)), log.read_text()
    assert "sweep stopped at shutdown" in log.read_text()
    assert command == "worker" or "Application shutdown complete" in log.read_text()
    async with demo_app.db.engine.connect() as conn:
        others = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
            )
        )
        claimed = await conn.scalar(
            select(func.count()).select_from(DueJob).where(DueJob.status == "running")
        )
    assert others == 0  # no transaction of the worker left open, or cut off and waiting
    assert claimed == 0  # the sweep claimed nothing it did not finish


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
