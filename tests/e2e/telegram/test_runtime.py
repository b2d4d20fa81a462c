"""Running the channel: long polling, a real HTTP server with the sender, setWebhook, the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.channels import ChannelError
from bot.channels.telegram import TelegramChannel, run_polling, set_webhook
from bot.sender_locks import SenderLock
from bot.settings import Settings
from bot.web import create_web_app
from storage.models import AuditEntry
from storage.repos import outbox
from tests.e2e.telegram.conftest import LIN, SECRET, TOM
from tests.e2e.telegram.test_dialogs import REGISTRATION_ZH
from tests.support.fake_telegram import TOKEN, FakeTelegram, User, running

ROOT = Path(__file__).resolve().parents[3]


async def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait for something another task or process does."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


class Poller:
    """Talks to `run_polling` through the fake server's getUpdates."""

    def __init__(self, tg: FakeTelegram) -> None:
        self.tg = tg
        self.seen: dict[int, int] = {}

    async def send(self, user: User, said: str) -> str:
        """Queue a text or "[label]" press; wait for and return the answer."""
        update = (
            self.tg.press(user, said[1:-1]) if said.startswith("[") else self.tg.text(user, said)
        )
        before = len(self.tg.sent(user.id))
        self.tg.queue(update)
        # a reply may come in several messages: all are sent once polling confirms the update
        await until(lambda: self._confirmed(update["update_id"]))
        assert len(self.tg.sent(user.id)) > before
        self.seen[user.id] = len(self.tg.sent(user.id))
        return self.tg.transcript(user.id, since=before)

    def _confirmed(self, update_id: int) -> bool:
        """Polling asked for the updates after this one: it has handled it and sent its replies."""
        calls = self.tg.calls_of("getUpdates")
        return any(int(c.params.get("offset") or 0) > update_id for c in calls)

    async def script(self, user: User, pairs: list[tuple[str, str]]) -> None:
        """Play (said, expected substring) pairs."""
        for said, expected in pairs:
            got = await self.send(user, said)
            assert expected in got, f"after {said!r} expected {expected!r} in:\n{got}"


@contextlib.asynccontextmanager
async def _polling(app: App) -> AsyncIterator[None]:
    """`run_polling` in the background for the block; stopped (and awaited) after it."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_polling(app, stop=stop, poll_timeout=1))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


async def _consents(app: App) -> int:
    async with app.db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
    return int(count or 0)


async def _enqueue_notice(app: App, user: User, text: str) -> None:
    async with app.db.transaction() as session:
        outbox.enqueue(
            session,
            person_id=None,
            channel="telegram",
            external_id=str(user.id),
            payload={"text": text},
            now=app.deps.clock(),
        )


async def test_long_polling_runs_a_dialog_and_the_sender(demo_app: App, tg: FakeTelegram) -> None:
    async with _polling(demo_app):
        await until(lambda: bool(tg.calls_of("getUpdates")))
        assert tg.calls_of("deleteWebhook") and set(tg.commands) == {"zh", "en", ""}
        poller = Poller(tg)
        await poller.script(LIN, REGISTRATION_ZH)
        await poller.script(TOM, [("/start", "Welcome to Linli"), ("[English]", "How will you")])
        await _enqueue_notice(demo_app, LIN, "您关注的提案有新进展")
        await until(lambda: "您关注的提案有新进展" in tg.texts(LIN.id))
    assert await _consents(demo_app) == 1


async def test_polling_sends_only_while_it_holds_the_sender_lock(
    demo_app: App, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    if demo_app.db.dialect != "postgresql":
        pytest.skip("the sender lock is PostgreSQL's (SQLite has one process)")
    demo_app.settings = demo_app.settings.model_copy(update={"sender_lock_retry_s": 0.1})
    elsewhere = SenderLock(demo_app.db, "telegram")  # `linli worker` in another process
    assert await elsewhere.acquire()
    refused: list[bool] = []  # the real lock, watched: each try of polling's that came back empty
    take = SenderLock.acquire

    async def watched(lock: SenderLock) -> bool:
        got = await take(lock)
        if not got:
            refused.append(True)
        return got

    monkeypatch.setattr(SenderLock, "acquire", watched)
    try:
        async with _polling(demo_app):
            await until(lambda: bool(tg.calls_of("getUpdates")))
            await _enqueue_notice(demo_app, LIN, "本周六社区义诊")
            tries = len(refused)
            # polling tried for the lock twice since the notice was queued, and was refused: a
            # sender holding it would have sent the notice in its first round
            await until(lambda: len(refused) >= tries + 2)
            assert "本周六社区义诊" not in tg.texts(LIN.id)  # the other process sends it
            await elsewhere.release()  # that process stops: polling takes over the sending
            await until(lambda: "本周六社区义诊" in tg.texts(LIN.id))
    finally:
        await elsewhere.release()


async def test_polling_takes_a_redelivered_update_once(demo_app: App, tg: FakeTelegram) -> None:
    async with _polling(demo_app):
        poller = Poller(tg)
        await poller.script(LIN, REGISTRATION_ZH[:-1])
        consent = tg.press(LIN, "同意")
        tg.queue(consent)
        await until(lambda: any("登记完成" in t for t in tg.texts(LIN.id)))
    before = len(tg.sent(LIN.id))
    # Restarted, and the confirmed offset was lost: the update comes again. (Within one run
    # the poller itself drops an update it has handled but not yet confirmed.)
    async with _polling(demo_app):
        tg.queue(consent)
        await until(lambda: len(tg.sent(LIN.id)) > before)  # the stored replies, sent again
    assert await _consents(demo_app) == 1


async def test_serve_over_real_http_with_the_background_sender(
    demo_app: App, tg: FakeTelegram
) -> None:
    web = create_web_app(demo_app, [TelegramChannel.from_app(demo_app)])
    async with running(web) as url, httpx.AsyncClient(base_url=url) as http:
        health = (await http.get("/healthz")).json()
        assert health == {"ok": True, "status": "ready"}  # and no more: the probe is open
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await http.post("/telegram", json=tg.text(LIN, "/start"), headers=headers)
        assert response.status_code == 200
        assert "请选择语言" in tg.texts(LIN.id)[0]  # sent before the 200
        forged = await http.post("/telegram", json=tg.text(LIN, "/me"), headers={})
        assert forged.status_code == 403
        await _enqueue_notice(demo_app, TOM, "Your proposal was seconded")
        await until(lambda: "Your proposal was seconded" in tg.texts(TOM.id))


async def test_set_webhook_registers_the_url_with_the_secret(
    demo_app: App, tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    await set_webhook(demo_app, "https://linli.example.org/telegram")
    assert tg.webhook["url"] == "https://linli.example.org/telegram"
    assert tg.webhook["secret_token"] == SECRET
    assert tg.webhook["allowed_updates"] == ["message", "callback_query"]
    assert "Telegram Webhook 已设置：https://linli.example.org/telegram" in capsys.readouterr().out


def test_the_webhook_needs_a_well_formed_secret(demo_app: App) -> None:
    for secret in ("has spaces", "x" * 257, "秘密"):
        demo_app.settings = Settings(TELEGRAM_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=secret)
        with pytest.raises(ChannelError):
            TelegramChannel.from_app(demo_app)
    # without one, the channel can still send (`linli worker`) but offers no webhook
    for unset in (None, ""):
        demo_app.settings = Settings(TELEGRAM_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=unset)
        channel = TelegramChannel.from_app(demo_app)
        assert channel.transport() is not None
        with pytest.raises(ChannelError, match="TELEGRAM_WEBHOOK_SECRET"):
            channel.routes()


def _linli_env(tmp_path: Path, tg: FakeTelegram) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return env | {
        "LINLI_DATA_DIR": str(tmp_path / "data"),
        "LINLI_LOG_LEVEL": "WARNING",
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_URL": tg.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }


@pytest.mark.slow
async def test_linli_run_polls_and_stops_on_ctrl_c(tmp_path: Path, tg: FakeTelegram) -> None:
    linli = str(Path(sys.executable).with_name("linli"))
    process = await asyncio.create_subprocess_exec(
        linli,
        "run",
        env=_linli_env(tmp_path, tg),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        tg.queue(tg.text(LIN, "/start"))
        await until(lambda: bool(tg.texts(LIN.id)), timeout=60)
        assert "请选择语言" in tg.texts(LIN.id)[0]
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr


@pytest.mark.slow
async def test_linli_serve_set_webhook(tmp_path: Path, tg: FakeTelegram) -> None:
    linli = str(Path(sys.executable).with_name("linli"))
    process = await asyncio.create_subprocess_exec(
        linli,
        "serve",
        "--set-webhook",
        "https://linli.example.org/telegram",
        env=_linli_env(tmp_path, tg),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    assert tg.webhook["secret_token"] == SECRET
    assert "https://linli.example.org/telegram" in stdout.decode()


async def test_polling_drops_an_update_of_wrong_types_and_goes_on(
    demo_app: App, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async with _polling(demo_app):
        poller = Poller(tg)
        bad = tg.text(LIN, "/start")
        bad["message"]["text"] = {"小林": "幸福里3号楼"}
        tg.queue(bad)
        await poller.script(LIN, [("/start", "请选择语言")])  # the next update is handled
    assert sum("malformed" in r.getMessage() for r in caplog.records) == 1
    logged = "\n".join(r.getMessage() + str(r.exc_text or "") for r in caplog.records)
    assert "幸福里" not in logged and not [r for r in caplog.records if r.levelname == "ERROR"]
