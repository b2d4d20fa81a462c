"""Fixtures for the WeChat channel: the fake API server, the channel, a signing WeChat side."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.bootstrap import App
from bot.channels.wechat import WeChatChannel, WeChatConfig
from bot.channels.wechat.protocol import Protocol
from bot.web import create_web_app
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock
from tests.support.fake_wechat import FakeWeChat, running

APPID = "wx1a2b3c4d5e6f7a8b"
SECRET = "linli-test-secret"
TOKEN = "linliTestToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues
TEMPLATES = {"notice": "TPL-NOTICE-001", "offer": {"id": "TPL-OFFER-002", "field": "thing1"}}


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeWeChat]:
    """The fake WeChat API on 127.0.0.1."""
    async with running(APPID, SECRET) as fake:
        yield fake


@pytest.fixture
def wx_config(fake_api: FakeWeChat) -> WeChatConfig:
    """The account as WeChat knows it (its EncodingAESKey included, which WeChat encrypts with)."""
    return WeChatConfig(
        token=TOKEN,
        appid=APPID,
        secret=SECRET,
        aes_key=AES_KEY,
        api_url=fake_api.url,
        templates=TEMPLATES,
    )


@pytest.fixture
async def channel(demo_app: App, wx_config: WeChatConfig) -> AsyncIterator[WeChatChannel]:
    """The WeChat channel on the demo district, in plain mode (no WECHAT_AES_KEY set)."""
    runtime = WeChatChannel(demo_app, dataclasses.replace(wx_config, aes_key=None))
    yield runtime
    await runtime.stop()


@pytest.fixture
async def http(demo_app: App, channel: WeChatChannel) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real ASGI app of `linli serve` (no network)."""
    web = create_web_app(demo_app, [channel], senders=False)
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as client:
        yield client


@pytest.fixture
def wx(http: httpx.AsyncClient, wx_config: WeChatConfig, clock: FakeClock) -> WeChatServer:
    """WeChat posting plain (明文) callbacks."""
    return WeChatServer(http, wx_config, clock)


@pytest.fixture
def wx_aes(
    http: httpx.AsyncClient, channel: WeChatChannel, wx_config: WeChatConfig, clock: FakeClock
) -> WeChatServer:
    """WeChat posting encrypted (安全模式) callbacks to the channel, switched to safe mode (the
    key set): from then on it refuses plain callbacks."""
    channel.protocol = Protocol(wx_config.token, wx_config.appid, wx_config.aes_key)
    return WeChatServer(http, wx_config, clock, aes=True)
