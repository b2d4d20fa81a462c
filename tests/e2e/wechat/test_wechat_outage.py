"""A database outage loses no WeChat message: no answer WeChat takes as handled, then exactly once.

The outage is real (tests/support/outage.py): PostgreSQL behind a proxy that is cut, SQLite locked
by another connection past the app's budget. WeChat sends a message again when it gets no 200
answer in time; after recovery the same MsgId is handled once and its reply served again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.channels.wechat import WeChatChannel, WeChatConfig
from bot.web import create_web_app
from storage.models import DialogState, ProcessedUpdate
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock
from tests.support.outage import Outage

USER = "oOutage0000000000000000001"


@pytest.fixture
async def wx_outage(
    outage_app: App, wx_config: WeChatConfig, clock: FakeClock
) -> AsyncIterator[WeChatServer]:
    """WeChat posting to the channel of an app whose database can be taken down."""
    # No holding past WeChat's deadline in the test: the status is what WeChat acts on here.
    plain = dataclasses.replace(wx_config, aes_key=None)  # plain mode: no WECHAT_AES_KEY
    channel = WeChatChannel(outage_app, plain, unavailable_hold_s=0)
    web = create_web_app(outage_app, [channel], senders=False)
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as http:
        yield WeChatServer(http, wx_config, clock)
    await channel.stop()


async def test_no_answer_while_the_database_is_down_then_handled_once(
    wx_outage: WeChatServer, outage_app: App, outage: Outage
) -> None:
    assert "请选择语言" in await wx_outage.say(USER, "开始")
    await outage.down()
    for _ in range(3):  # WeChat's three tries
        answer = await wx_outage.text(USER, "1", msg_id=9090)
        assert answer.status >= 500
        assert answer.body not in ("", "success") and not answer.text  # nothing it takes as done
    await outage.up()
    first = await wx_outage.text(USER, "1", msg_id=9090)
    assert "您是以什么身份使用" in first.text
    again = await wx_outage.text(USER, "1", msg_id=9090)  # a late duplicate: the stored reply
    assert again.text == first.text
    async with outage_app.db.transaction() as session:
        state = await session.get(DialogState, ("wechat", USER))
        processed = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == "wechat", ProcessedUpdate.user_id == USER)
        )
    assert state is not None and state.step == "role"
    assert processed == 2  # "开始" and "1", each once
