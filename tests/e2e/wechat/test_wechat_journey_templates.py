"""The service journey to people whose 48-hour window has closed: every notice of it (offer,
accepted, done → please confirm, reminder, auto-confirmed with the rating) goes out as a template
message, and its numbers still work when the person answers."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.wechat import WeChatChannel
from handlers.sweeps import Sweeper
from storage.models import Identity, OutboxMessage, Person
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.test_wechat_outbound import drain, notify_row
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock
from tests.support.fake_wechat import FakeWeChat

RESIDENT, HELPER, ORGANIZER = "oWangFengLan02", "oZhangShuZhen2", "oWangHaiYan002"


async def _link(app: App) -> None:
    async with app.db.transaction() as session:
        for openid, name in ((RESIDENT, "王凤兰"), (HELPER, "张淑珍"), (ORGANIZER, "王海燕")):
            person = (
                await session.execute(select(Person).where(Person.display_name == name))
            ).scalar_one()
            session.add(Identity(person_id=person.id, channel="wechat", external_id=openid))


def templates_to(api: FakeWeChat, openid: str) -> list[str]:
    return [next(iter(t["data"].values()))["value"] for t in api.templates if t["touser"] == openid]


async def test_journey_notices_reach_people_outside_the_window(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await _link(demo_app)
    channel.reply_deadline_s = 60.0
    await wx.script(
        RESIDENT,
        [
            ("需求", "您需要什么服务"),
            ("陪老人看病", "1. 陪诊服务"),
            ("1", "什么时间方便"),
            ("2", "在哪里提供服务"),
            ("1", "还有什么需要说明"),
            ("没有", "确认"),
            ("1", "已提交服务需求 #1（陪诊服务）"),
        ],
    )
    clock.advance(hours=49)  # the resident's window closes; the volunteer never wrote
    assert "推送给" in await wx.say(ORGANIZER, "/dispatch 1")
    await drain(demo_app, channel, clock)
    [offer] = templates_to(fake_api, HELPER)
    assert "#1" in offer and "1. ✅ 接受" in offer
    assert fake_api.texts_to(HELPER) == []
    accepted = await wx.say(HELPER, "1")  # the template's number works once she writes
    assert "发消息" in accepted
    await drain(demo_app, channel, clock)
    assert "已有人承接：张淑珍" in templates_to(fake_api, RESIDENT)[-1]
    clock.advance(hours=49)  # the volunteer's window closes too
    assert "已标记任务完成" in await wx.say(HELPER, "/task_done 1 2")
    await drain(demo_app, channel, clock)
    assert "说需求 #1（陪诊服务）已完成" in templates_to(fake_api, RESIDENT)[-1]
    assert "1. 👍 确认完成" in templates_to(fake_api, RESIDENT)[-1]
    clock.advance(hours=25)
    await Sweeper(demo_app.deps, periodic=()).tick()
    await drain(demo_app, channel, clock)
    assert "提醒：志愿者 张淑珍 已完成需求 #1" in templates_to(fake_api, RESIDENT)[-1]
    clock.advance(days=3)
    await Sweeper(demo_app.deps, periodic=()).tick()
    await drain(demo_app, channel, clock)
    auto = templates_to(fake_api, RESIDENT)[-1]
    assert "已自动确认完成" in auto and "6. ★5 非常满意" in auto
    assert fake_api.texts_to(RESIDENT) == []  # not one customer-service message: all templates
    async with demo_app.db.transaction() as session:
        held = await session.execute(select(OutboxMessage).where(OutboxMessage.status == "held"))
        assert held.scalars().all() == []
    assert "还想说几句吗" in await wx.say(RESIDENT, "6")  # the rating asked by the template
    assert "陪诊服务（服务需求 #1）" in await wx.say(HELPER, "/hours")


async def test_an_urgent_offer_uses_the_offer_template(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oUrgent000001")
    clock.advance(hours=49)
    await notify_row(demo_app, "oUrgent000001", "🚨 紧急服务任务 #7", kind="urgent_offer")
    assert (await drain(demo_app, channel, clock))["sent"] == 1
    [sent] = fake_api.templates
    assert sent["template_id"] == "TPL-OFFER-002"
    assert sent["data"] == {"thing1": {"value": "🚨 紧急服务任务 #7"}}
