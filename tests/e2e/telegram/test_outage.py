"""A database outage loses no Telegram update: the webhook answers 5xx, polling does not confirm.

The outage is real (tests/support/outage.py): PostgreSQL behind a proxy that is cut, SQLite locked
by another connection past the app's budget. Telegram delivers the update again (after a 5xx, or
at the unconfirmed offset), and after recovery it is handled exactly once.
"""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.channels.telegram import TelegramChannel, run_polling
from bot.web import create_web_app
from storage.models import AuditEntry, ProcessedUpdate
from tests.e2e.telegram.conftest import LIN, TelegramBot
from tests.e2e.telegram.test_dialogs import REGISTRATION_ZH
from tests.e2e.telegram.test_runtime import Poller, until
from tests.support.clock import FakeClock
from tests.support.fake_telegram import FakeTelegram
from tests.support.outage import Outage


async def _consents(app: App) -> int:
    async with app.db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
    return int(count or 0)


async def _processed(app: App, update_id: int) -> int:
    async with app.db.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == "telegram")
            .where(ProcessedUpdate.update_key == str(update_id))
        )
    return int(count or 0)


async def test_webhook_answers_5xx_while_the_database_is_down(
    outage_app: App, outage: Outage, tg: FakeTelegram, clock: FakeClock
) -> None:
    channel = TelegramChannel.from_app(outage_app)
    web = create_web_app(outage_app, [channel], senders=False)
    async with (
        web.router.lifespan_context(web),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://linli") as http,
    ):
        bot = TelegramBot(outage_app, tg, channel, http, clock)
        await bot.script(LIN, REGISTRATION_ZH[:-1])
        consent = tg.press(LIN, "同意")
        sent = len(tg.sent(LIN.id))
        await outage.down()
        for _ in range(2):  # Telegram retries while it gets no 2xx
            response = await bot.post(consent)
            assert response.status_code >= 500
        assert len(tg.sent(LIN.id)) == sent  # nothing claimed to the user meanwhile
        await outage.up()
        for _ in range(2):  # the retry that gets through, then one more (a late duplicate)
            assert (await bot.post(consent)).status_code == 200
        assert "登记完成，小林" in bot.new_for(LIN)
    assert await _consents(outage_app) == 1
    assert await _processed(outage_app, consent["update_id"]) == 1


async def test_polling_fetches_the_update_again_after_the_outage(
    outage_app: App, outage: Outage, tg: FakeTelegram
) -> None:
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(outage_app, stop=stop, poll_timeout=1, retry_s=0.05))
    try:
        await Poller(tg).script(LIN, REGISTRATION_ZH[:-1])
        consent = tg.press(LIN, "同意")
        sent = len(tg.sent(LIN.id))
        await outage.down()
        tg.queue(consent)

        def fetched_from_it() -> int:
            calls = tg.calls_of("getUpdates")
            return sum(int(c.params.get("offset") or 0) == consent["update_id"] for c in calls)

        before = fetched_from_it()
        await until(lambda: fetched_from_it() >= before + 3)  # served again, not confirmed
        assert len(tg.sent(LIN.id)) == sent
        await outage.up()
        await until(lambda: any("登记完成，小林" in t for t in tg.texts(LIN.id)))
    finally:
        stop.set()
        await asyncio.wait_for(polling, 20)
    assert await _consents(outage_app) == 1
    assert await _processed(outage_app, consent["update_id"]) == 1
    last = tg.calls_of("getUpdates")[-1]
    assert int(last.params["offset"]) == consent["update_id"] + 1  # confirmed in the end
