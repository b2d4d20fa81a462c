"""Replayed signatures: a signed (timestamp, nonce) serves one message, in any worker.

A plain `signature` covers token, timestamp and nonce, never the body. Whoever sees one callback
URL (a proxy log, a screenshot) must not be able to post another body (another OpenID, another
text) under it while the timestamp is accepted — yet WeChat's own retry of the very same
request, which reuses timestamp and nonce, must still get its answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.bootstrap import App, build
from bot.channels.wechat import WeChatChannel, WeChatConfig
from bot.settings import Settings
from bot.web import create_web_app
from handlers.core.i18n import Translator
from storage.models import CallbackNonce, ProcessedUpdate
from storage.repos import nonces
from tests.e2e.wechat.test_wechat_bad_input import _rows
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.wx import WeChatServer, envelope
from tests.support.clock import FakeClock


def _text(wx: WeChatServer, user: str, content: str, msg_id: int) -> str:
    return envelope(user, wx.now, "text", {"Content": content, "MsgId": msg_id})


async def test_a_signed_query_cannot_carry_another_body(wx: WeChatServer, demo_app: App) -> None:
    await register(wx, "oVictim00001")
    query = wx.query()
    first = await wx.post(_text(wx, "oVictim00001", "/me", 7001), query=query)
    assert "小林" in first.text
    before = await _rows(demo_app)
    for body in (
        _text(wx, "oVictim00001", "/forget", 7002),  # the victim's OpenID, another command
        _text(wx, "oAttacker001", "/start", 7003),  # another OpenID
        _text(wx, "oVictim00001", "/me", 7001) + " ",  # the same message, one byte more
    ):
        answer = await wx.post(body, query=query)
        assert (answer.status, answer.body) == (403, "forbidden")
    assert await _rows(demo_app) == before


async def test_wechats_own_retry_of_the_same_request_gets_the_same_answer(
    wx: WeChatServer, demo_app: App
) -> None:
    await register(wx, "oRetry0000010")
    query, body = wx.query(), _text(wx, "oRetry0000010", "/start", 7101)
    answers = [await wx.post(body, query=query) for _ in range(3)]
    assert {a.status for a in answers} == {200} and len({a.body for a in answers}) == 1
    assert "请选择语言" in answers[0].text
    assert "您是以什么身份使用" in await wx.say("oRetry0000010", "1")  # took effect once
    async with demo_app.db.transaction() as session:
        kept = select(func.count()).where(
            ProcessedUpdate.channel == "wechat", ProcessedUpdate.update_key == "m:7101"
        )
        assert await session.scalar(kept) == 1
        assert await session.scalar(select(func.count()).select_from(CallbackNonce)) >= 4


async def test_safe_mode_retry_is_taken_and_a_reused_nonce_is_not(
    wx_aes: WeChatServer, demo_app: App
) -> None:
    query, body = wx_aes.query(), _text(wx_aes, "oSafeRetry001", "/start", 7201)
    # Sealed anew each time (a fresh random prefix): another ciphertext, the same message.
    answers = [await wx_aes.post(body, query=query) for _ in range(2)]
    assert [a.status for a in answers] == [200, 200]
    assert answers[0].text == answers[1].text and "请选择语言" in answers[0].text
    before = await _rows(demo_app)
    other = await wx_aes.post(_text(wx_aes, "oSafeRetry002", "/start", 7202), query=query)
    assert other.status == 403 and await _rows(demo_app) == before


@pytest.fixture
async def second_worker(
    demo_app: App, db_url: str, clock: FakeClock, translator: Translator, wx_config: WeChatConfig
) -> AsyncIterator[WeChatServer]:
    """Another process serving /wechat on the same database (its own engine and channel)."""
    other = build(
        Settings(LINLI_LANG="zh_CN"), database_url=db_url, clock=clock, translator=translator
    )
    channel = WeChatChannel(other, dataclasses.replace(wx_config, aes_key=None))
    web = create_web_app(other, [channel], senders=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="http://worker2.test"
    ) as http:
        yield WeChatServer(http, wx_config, clock)
    await channel.stop()
    await other.close()


async def test_a_replay_is_refused_by_another_worker(
    wx: WeChatServer, second_worker: WeChatServer, demo_app: App
) -> None:
    query = wx.query()
    assert (await wx.post(_text(wx, "oWorker00001", "/start", 7301), query=query)).status == 200
    before = await _rows(demo_app)
    replay = await second_worker.post(_text(wx, "oWorker00002", "/start", 7302), query=query)
    assert replay.status == 403 and await _rows(demo_app) == before
    # The same request retried through the other worker is WeChat's retry: answered.
    retry = await second_worker.post(_text(wx, "oWorker00001", "/start", 7301), query=query)
    assert retry.status == 200 and "请选择语言" in retry.text


async def test_nonces_are_kept_for_the_skew_window_then_purged(
    wx: WeChatServer, demo_app: App, clock: FakeClock
) -> None:
    query = wx.query()
    assert (await wx.post(_text(wx, "oPurge000001", "/start", 7401), query=query)).status == 200
    async with demo_app.db.transaction() as session:
        assert await nonces.purge_expired(session, clock() + timedelta(seconds=299)) == 0
        assert await nonces.purge_expired(session, clock() + timedelta(seconds=301)) == 1
