"""吹哨报到 over WeChat: a department's new staff member joins by code and answers by numbers."""

from __future__ import annotations

from bot.bootstrap import App
from handlers.departments import create_invites
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.wx import WeChatServer
from tests.support.agencies import LOCK_TEXT, handoff, whistle
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_report


async def test_a_department_answers_a_hand_off_over_wechat(
    wx: WeChatServer, demo_app: App, clock: FakeClock
) -> None:
    async with demo_app.db.transaction() as session:
        (code,) = await create_invites(session, clock(), department_code="CY-JS-CG")
    await register(wx, "oChengGuan001", "小城")
    assert "您已加入劲松街道城管执法队" in await wx.say("oChengGuan001", f"/join {code}")
    rid = await make_report(demo_app, category="unlicensed_business", text=LOCK_TEXT)
    await whistle(Chat(demo_app), rid)
    listed = await wx.say("oChengGuan001", "吹哨任务")
    assert "#1 报事#1 [待报到]" in listed and "1. 查看交办 #1" in listed
    shown = await wx.say("oChengGuan001", "1")
    assert "部门：劲松街道城管执法队" in shown and "1. 报到（已处理）" in shown
    assert "请写交办 #1 的处理结果" in await wx.say("oChengGuan001", "1")
    assert "已报到：交办 #1 已处理" in await wx.say("oChengGuan001", "摊点已清理")
    assert (await handoff(demo_app, 1)).status == "answered"
