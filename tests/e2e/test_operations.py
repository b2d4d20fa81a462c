"""Operations: /healthz, /metrics, the sender lock, JSON logs, backup/restore, the audit list."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

import matching.text
from bot import operations
from bot.bootstrap import App, build
from bot.logs import JsonFormatter
from bot.sender import Limits, OutboxSender
from bot.sender_locks import SenderLock
from bot.settings import Settings
from bot.web import create_web_app
from storage import migrate
from storage.repos import outbox
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_need
from tests.support.transport import ScriptedTransport

ROOT = Path(__file__).resolve().parents[2]
LINLI = str(Path(sys.executable).with_name("linli"))
FAST = Limits(per_second=10_000, per_chat_per_second=1, in_flight=8, lease_s=30)


@pytest.fixture
async def web(demo_app: App) -> AsyncIterator[httpx.AsyncClient]:
    """The ASGI app (no channels) over httpx."""
    asgi = create_web_app(demo_app, [], senders=False)
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://linli") as client:
        yield client


# -- /healthz ------------------------------------------------------------------------------------

# What the command line leaves out of its imports (tests/e2e/test_cli.py) and the warm-up loads.
LAZY_IMPORTS = ("scipy.optimize", "scipy.sparse.csgraph", "cn2an")


async def test_readiness_waits_for_the_warm_up_and_liveness_does_not(
    demo_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matching.text, "_TOKENIZER", None)  # as in a fresh process
    for module in LAZY_IMPORTS:  # imported on first use, not by `import bot.cli` (restored after)
        monkeypatch.delitem(sys.modules, module, raising=False)
    asgi = create_web_app(demo_app, [], senders=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://linli"
    ) as client:
        before = await client.get("/healthz")  # the lifespan (warm-up) has not run
        assert (before.status_code, before.json()) == (503, {"ok": False, "status": "warming up"})
        assert (await client.get("/livez")).status_code == 200
        assert matching.text._TOKENIZER is None
        assert not any(module in sys.modules for module in LAZY_IMPORTS)
        async with asgi.router.lifespan_context(asgi):
            assert matching.text._TOKENIZER is not None  # jieba's dictionary is loaded
            assert all(module in sys.modules for module in LAZY_IMPORTS)
            ready = await client.get("/healthz")
            assert (ready.status_code, ready.json()) == (200, {"ok": True, "status": "ready"})


async def test_readiness_checks_the_migration_rarely(
    demo_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = []
    real = migrate.current_revision

    async def counted(engine):  # type: ignore[no-untyped-def]
        checks.append(1)
        return await real(engine)

    monkeypatch.setattr(migrate, "current_revision", counted)
    asgi = create_web_app(demo_app, [], senders=False)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://l") as client,
        asgi.router.lifespan_context(asgi),
    ):
        answers = [(await client.get("/healthz")).status_code for _ in range(5)]
    assert answers == [200] * 5 and len(checks) == 1


async def test_readiness_fails_on_an_unmigrated_or_unreachable_database(tmp_path: Path) -> None:
    for url, problem in (
        (f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", "migration pending"),
        ("postgresql+asyncpg://nobody@127.0.0.1:1/none", "database unreachable"),
    ):
        application = build(Settings(), database_url=url)
        asgi = create_web_app(application, [], senders=False)
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=asgi), base_url="http://linli"
            ) as client,
            asgi.router.lifespan_context(asgi),
        ):
            response = await client.get("/healthz")
            live = await client.get("/livez")
        assert (response.status_code, response.json()) == (503, {"ok": False, "status": problem})
        assert live.status_code == 200, url


# -- /metrics ------------------------------------------------------------------------------------


def _samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def _scrape(web: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await web.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return _samples(response.text)


async def test_metrics_count_updates_replies_sends_and_matching(
    web: httpx.AsyncClient, chat: Chat, clock: FakeClock
) -> None:
    updates = ("linli_updates_total", (("channel", "console"),))
    replies = ("linli_replies_total", (("channel", "console"),))
    sent = ("linli_sends_total", (("channel", "console"), ("result", "sent")))
    ranked = ("linli_matching_rank_seconds_count", ())
    before = await _scrape(web)
    await chat.text("王凤兰", "/help")
    await chat.text("王凤兰", "/me")
    need = await make_need(chat.app, "王凤兰")
    await chat.text("王海燕", f"/dispatch {need}")  # ranks candidates, offers go to the outbox
    stats = await OutboxSender(chat.app.db, ScriptedTransport(), clock, FAST).drain()
    after = await _scrape(web)
    assert after[updates] - before.get(updates, 0) == 3
    assert after[replies] - before.get(replies, 0) >= 3
    assert after[sent] - before.get(sent, 0) == stats.sent > 0
    assert after[ranked] - before.get(ranked, 0) == 1


async def test_metrics_show_updates_sharing_transactions(
    web: httpx.AsyncClient, chat: Chat
) -> None:
    batches = ("linli_dispatch_batch_size_count", ())
    updates = ("linli_dispatch_batch_size_sum", ())
    fallbacks = ("linli_dispatch_batch_fallbacks_total", ())
    before = await _scrape(web)
    said = [("王凤兰", "/help")] + [(f"访客{i}", "你好") for i in range(8)] + [("路人", "/needs")]
    await asyncio.gather(*(chat.text(user, text) for user, text in said))
    after = await _scrape(web)
    handled = after[updates] - before.get(updates, 0)
    transactions = after[batches] - before.get(batches, 0)
    assert handled == len(said) and transactions < handled  # some shared a transaction
    assert after[fallbacks] - before.get(fallbacks, 0) == 1  # "/needs" unregistered: a refusal


async def test_outbox_depth_and_age_are_read_from_the_table(
    web: httpx.AsyncClient, demo_app: App, clock: FakeClock
) -> None:
    now = clock()
    async with demo_app.db.transaction() as session:
        for minutes, status in ((10, "pending"), (3, "pending"), (0, "held")):
            row = outbox.enqueue(
                session,
                person_id=None,
                channel="wechat",
                external_id="o1",
                payload={"text": "x"},
                now=now - timedelta(minutes=minutes),
            )
            row.status = status
        later = outbox.enqueue(
            session,
            person_id=None,
            channel="wechat",
            external_id="o2",
            payload={"text": "x"},
            now=now,
            not_before=now + timedelta(hours=8),  # quiet hours: waiting, not late
        )
        assert later.status == "pending"
    found = await _scrape(web)
    assert found[("linli_outbox_depth", (("channel", "wechat"), ("status", "pending")))] == 3
    assert found[("linli_outbox_depth", (("channel", "wechat"), ("status", "held")))] == 1
    assert found[("linli_outbox_oldest_due_seconds", (("channel", "wechat"),))] == 600


# -- the sender lock -----------------------------------------------------------------------------


async def test_one_sender_per_channel_and_a_survivor_takes_over(app: App, engine_name: str) -> None:
    if engine_name != "postgresql":
        # SQLite: one process, no lock; the sender simply runs (and sends what is queued).
        async with app.db.transaction() as session:
            outbox.enqueue(
                session,
                person_id=None,
                channel="console",
                external_id="c1",
                payload={"text": "本周六社区义诊"},
                now=app.deps.clock(),
            )
        stop = asyncio.Event()
        transport = ScriptedTransport()
        sender = OutboxSender(app.db, transport, app.deps.clock, FAST)
        task = asyncio.create_task(sender.run_exclusive(stop, retry_s=0.05, idle_s=0.01))
        deadline = time.monotonic() + 10
        while not transport.texts and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 5)
        assert transport.texts == [("c1", "本周六社区义诊")]
        return
    first, second = SenderLock(app.db, "telegram"), SenderLock(app.db, "telegram")
    other = SenderLock(app.db, "wechat")
    assert await first.acquire() and not await second.acquire()
    assert await other.acquire()  # each channel has its own
    await first.release()
    assert await second.acquire()
    await second.release()
    await other.release()
    # two senders of one channel: one sends; kill its connection, the other takes over
    stop = asyncio.Event()
    senders = [
        OutboxSender(app.db, ScriptedTransport(channel="telegram"), app.deps.clock, FAST)
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(s.run_exclusive(stop, retry_s=0.1, idle_s=0.02)) for s in senders]
    try:
        holders = await _advisory_holders(app, wait_for=1)
        assert len(holders) == 1
        async with app.db.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": holders[0]})
        survivors = await _advisory_holders(app, wait_for=1, not_pid=holders[0])
        assert len(survivors) == 1 and survivors != holders
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
    assert await _advisory_holders(app, wait_for=0) == []


async def _advisory_holders(app: App, wait_for: int, not_pid: int | None = None) -> list[int]:
    """Backends holding an advisory lock (waiting up to 5 s for `wait_for` of them)."""
    deadline = time.monotonic() + 5
    while True:
        async with app.db.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND"
                    " database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            pids = [int(p) for (p,) in rows if p != not_pid]
        if len(pids) == wait_for or time.monotonic() > deadline:
            return pids
        await asyncio.sleep(0.05)


# -- logs ----------------------------------------------------------------------------------------


def test_json_logs_are_one_object_per_line_with_ids_as_fields() -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord("linli.test", logging.WARNING, __file__, 1, "sent %d", (3,), None)
    record.channel, record.row = "telegram", 42
    line = formatter.format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data | {"time": "t"} == {
        "time": "t",
        "level": "WARNING",
        "logger": "linli.test",
        "message": "sent 3",
        "channel": "telegram",
        "row": 42,
    }
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(formatter.format(record))["exc_info"]


# -- the CLI: serve, backup and restore, the audit log ------------------------------------------


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LINLI_LOG_FORMAT")}
    return (
        env
        | {
            "LINLI_DATA_DIR": str(tmp_path / "data"),
            "LINLI_LANG": "zh_CN",
            "LINLI_LOG_LEVEL": "INFO",
            "TELEGRAM_TOKEN": "",
            "WECHAT_TOKEN": "",
        }
        | extra
    )


def _linli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINLI, *args],
        env=_env(tmp_path, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_with_two_workers_answers_health_and_metrics_and_logs_json(
    tmp_path: Path, sqlite_seeded_template: Path
) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(sqlite_seeded_template, tmp_path / "data" / "linli.db")
    port = _free_port()
    process = subprocess.Popen(
        [LINLI, "serve", "--port", str(port), "--workers", "2"],
        env=_env(tmp_path, LINLI_SERVE_SWEEPS="false"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        assert health.status_code == 200 and health.json()["ok"]
        for _ in range(4):
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
            assert metrics.status_code == 200 and "linli_matching_rank_seconds" in metrics.text
        assert list((tmp_path / "data" / "metrics").glob("*.db"))  # shared by the workers
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "no log output"
    entries = []
    for line in lines:
        assert line.startswith("{"), f"not a JSON line: {line!r}\n{stderr}"
        entries.append(json.loads(line))  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    assert any(entry["logger"] == "uvicorn.access" for entry in entries)
    assert not any("color_message" in entry for entry in entries)  # no terminal escapes


@pytest.mark.slow
def test_backup_and_restore_a_sqlite_database(tmp_path: Path, sqlite_seeded_template: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    live = data / "linli.db"
    shutil.copy(sqlite_seeded_template, live)
    made = _linli(tmp_path, "db", "backup")
    assert made.returncode == 0, made.stderr
    (backup,) = (data / "backups").glob("linli-*.db")
    assert f"数据库已备份到 {backup}" in made.stdout
    people = sqlite3.connect(live).execute("SELECT count(*) FROM persons").fetchone()[0]
    with sqlite3.connect(live) as conn:
        conn.execute("DELETE FROM role_grants")  # an accident
    refused = _linli(tmp_path, "db", "restore", str(tmp_path / "nope.db"), "--yes")
    assert refused.returncode == 2  # typer: the file does not exist
    restored = _linli(tmp_path, "db", "restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert f"数据库版本 {migrate.head_revision()}" in restored.stdout
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT count(*) FROM role_grants").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == people
    assert list((data / "backups").glob("pre-restore-*.db"))  # the accident is kept aside
    not_a_backup = tmp_path / "junk.db"
    not_a_backup.write_text("hello")
    junk = _linli(tmp_path, "db", "restore", str(not_a_backup), "--yes")
    assert junk.returncode == 1 and "不是 Linli 的 SQLite 数据库备份" in junk.stderr


@pytest.mark.slow
def test_backup_refuses_postgresql_with_the_commands_to_use(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://linli@127.0.0.1:1/linli"
    for args in (("db", "backup"), ("db", "restore", __file__, "--yes")):
        result = _linli(tmp_path, *args, DATABASE_URL=url)
        assert result.returncode == 2, result.stderr
        assert operations.PG_BACKUP in result.stderr and "pg_restore" in result.stderr


def test_sqlite_backup_copies_a_consistent_snapshot(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    operations.backup(f"sqlite+aiosqlite:///{source}", tmp_path / "b" / "copy.db")
    assert operations.schema_revision(tmp_path / "b" / "copy.db") == "0001"
    with pytest.raises(ValueError):
        operations.backup(f"sqlite+aiosqlite:///{source}", source)


@pytest.mark.slow
def test_admin_exports_one_persons_data_for_the_office(
    tmp_path: Path, sqlite_seeded_template: Path
) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(sqlite_seeded_template, tmp_path / "data" / "linli.db")
    out = tmp_path / "王凤兰.json"
    done = _linli(tmp_path, "admin", "mydata", "console:王凤兰", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["profile"]["display_name"] == "王凤兰" and "identities" in data
    listed = _linli(tmp_path, "admin", "audit", "--action", "privacy.export")
    assert "privacy.export" in listed.stdout and "system" in listed.stdout  # staff, not the person
    missing = _linli(tmp_path, "admin", "mydata", "console:nobody")
    assert missing.returncode == 1 and "console:nobody" in missing.stderr


@pytest.mark.slow
def test_admin_audit_lists_privileged_actions(tmp_path: Path, sqlite_seeded_template: Path) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(sqlite_seeded_template, tmp_path / "data" / "linli.db")
    granted = _linli(tmp_path, "admin", "grant", "console:王凤兰", "organizer", "CY-JS-01")
    assert granted.returncode == 0, granted.stderr
    listed = _linli(tmp_path, "admin", "audit", "--limit", "5", "--action", "role.")
    assert listed.returncode == 0, listed.stderr
    assert "审计日志" in listed.stdout and "role.grant" in listed.stdout
    assert "organizer" in listed.stdout
    none = _linli(tmp_path, "admin", "audit", "--action", "privacy.erase")
    assert none.returncode == 0 and "role.grant" not in none.stdout
