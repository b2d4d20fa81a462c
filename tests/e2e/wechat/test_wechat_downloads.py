"""A file too long for a WeChat message (a resident's /mydata) arrives as a short-lived link."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from storage.models import Download
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.wx import WeChatServer
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.volunteering import record

PUBLIC = "https://linli.example.org"
LINK = re.compile(
    r"下载 linli-mydata\.json（30 分钟内有效）：" + re.escape(PUBLIC) + r"(/files/\S+)"
)


@pytest.fixture
async def long_export(wx: WeChatServer, demo_app: App, clock: FakeClock) -> str:
    """A registered WeChat resident whose export is too long for one message."""
    user = "oExport000001"
    await register(wx, user, name="小董")
    for day in range(1, 13):
        await record(Chat(demo_app), "小董", "2", clock.now - timedelta(days=day))
    return user


async def test_a_long_export_comes_as_a_link_that_downloads_it(
    wx: WeChatServer, http: httpx.AsyncClient, demo_app: App, long_export: str
) -> None:
    demo_app.settings = demo_app.settings.model_copy(update={"public_url": PUBLIC})
    text = await wx.say(long_export, "我的数据")
    found = LINK.search(text)
    assert found, text
    response = await http.get(found.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["profile"]["display_name"] == "小董"
    assert len(data["service_records"]) == 12


async def test_the_link_expires(
    wx: WeChatServer,
    http: httpx.AsyncClient,
    demo_app: App,
    clock: FakeClock,
    long_export: str,
) -> None:
    demo_app.settings = demo_app.settings.model_copy(update={"public_url": PUBLIC})
    found = LINK.search(await wx.say(long_export, "/mydata"))
    assert found
    clock.advance(minutes=31)
    response = await http.get(found.group(1))
    assert response.status_code == 404
    assert "链接已失效" in response.text and "This link has expired" in response.text
    for forged in ("/files/" + "A" * 43, "/files/short", "/files/" + "%2e%2e%2f" * 8):
        assert (await http.get(forged)).status_code == 404


async def test_erasure_takes_the_files_made_for_the_person(
    wx: WeChatServer, http: httpx.AsyncClient, demo_app: App, long_export: str
) -> None:
    demo_app.settings = demo_app.settings.model_copy(update={"public_url": PUBLIC})
    found = LINK.search(await wx.say(long_export, "/mydata"))
    assert found
    await wx.script(long_export, [("/forget", "确定要注销吗"), ("1", "您的信息已删除")])
    assert (await http.get(found.group(1))).status_code == 404
    async with demo_app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Download)) == 0


async def test_without_a_public_address_it_says_the_file_is_too_long(
    wx: WeChatServer, long_export: str
) -> None:
    text = await wx.say(long_export, "我的数据")
    assert "这份文件太长" in text and "/files/" not in text
