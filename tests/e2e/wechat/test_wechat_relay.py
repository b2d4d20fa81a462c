"""The relay over WeChat, signed XML in and customer-service messages out: a need with a typed
place, the volunteer accepting by number, messages both ways, answering a relayed message by
its number ("1" = 回复), done with hours, the reminder, confirmed in words, rated by number, the
hours on /hours — no phone number shown, one need number throughout."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.wechat import WeChatChannel
from handlers.sweeps import Sweeper
from storage.models import Identity, Person
from tests.e2e.wechat.test_wechat_outbound import drain
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock
from tests.support.fake_wechat import FakeWeChat

RESIDENT, HELPER, ORGANIZER = "oWangFengLan01", "oZhangShuZhen1", "oWangHaiYan001"


async def _link(app: App) -> None:
    async with app.db.transaction() as session:
        for openid, name in ((RESIDENT, "王凤兰"), (HELPER, "张淑珍"), (ORGANIZER, "王海燕")):
            person = (
                await session.execute(select(Person).where(Person.display_name == name))
            ).scalar_one()
            session.add(Identity(person_id=person.id, channel="wechat", external_id=openid))


async def test_resident_and_volunteer_talk_through_wechat(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await _link(demo_app)
    # On a loaded test machine the first reading of a sentence can pass WeChat's 5 seconds;
    # the reply then goes out later as a message. Here the replies themselves are checked.
    channel.reply_deadline_s = 60.0
    await wx.script(
        RESIDENT,
        [
            ("需求", "您需要什么服务"),
            ("陪老人看病", "1. 陪诊服务"),
            ("1", "什么时间方便"),
            ("2", "在哪里提供服务"),
            ("朝阳医院，从家里出发", "还有什么需要说明"),
            ("要带医保卡", "地点：朝阳医院，从家里出发"),
            ("1", "已提交服务需求 #1（陪诊服务）"),
        ],
    )
    assert "推送给" in await wx.say(ORGANIZER, "/dispatch 1")
    await drain(demo_app, channel, clock)  # the sender runs all along
    offers = await wx.say(HELPER, "任务")
    assert "待答复" in offers and "朝阳医院" not in offers
    accepted = await wx.say(HELPER, "1")  # 1. ✅ 接受
    assert "地点：朝阳医院，从家里出发" in accepted and "发消息" in accepted
    assert "13600000101" not in accepted
    await drain(demo_app, channel, clock)
    assert "已有人承接：张淑珍" in fake_api.texts_to(RESIDENT)[-1]
    assert "已转达" in await wx.say(HELPER, "/msg 1 王阿姨，我明早八点到楼下")
    await drain(demo_app, channel, clock)
    heard = fake_api.texts_to(RESIDENT)[-1]
    assert "志愿者 张淑珍：王阿姨，我明早八点到楼下" in heard and "1. 💬 回复" in heard
    assert "13800000103" not in heard
    clock.advance(seconds=5)
    assert "请输入要转达给对方的话" in await wx.say(RESIDENT, "1")  # the relayed message's "回复"
    assert "已转达" in await wx.say(RESIDENT, "好的，我在3单元门口等")
    assert "对话已关闭" in await wx.say(RESIDENT, "结束")
    await drain(demo_app, channel, clock)
    assert "居民 王凤兰：好的，我在3单元门口等" in fake_api.texts_to(HELPER)[-1]
    clock.advance(days=1)  # the task's morning (done is refused before the task starts)
    assert "已标记任务完成" in await wx.say(HELPER, "/task_done 1 2")
    await drain(demo_app, channel, clock)
    assert "说需求 #1（陪诊服务）已完成" in fake_api.texts_to(RESIDENT)[-1]
    # she looks but does not answer (WeChat lets Linli write only 48 h after her last message)
    assert "确认完成" in await wx.say(RESIDENT, "/need_status 1")
    clock.advance(hours=25)  # nobody answered: the reminder
    await Sweeper(demo_app.deps, periodic=()).tick()
    await drain(demo_app, channel, clock)
    assert "提醒：志愿者 张淑珍 已完成需求 #1" in fake_api.texts_to(RESIDENT)[-1]
    confirmed = await wx.say(RESIDENT, "确认完成")
    assert (
        "已确认需求 #1 完成，记录服务时长 2.0 小时" in confirmed and "5. ★5 非常满意" in confirmed
    )
    assert "还想说几句吗" in await wx.say(RESIDENT, "5")
    assert "已记录您的意见" in await wx.say(RESIDENT, "小张很耐心")
    await drain(demo_app, channel, clock)
    assert "已记录（服务需求 #1）：陪诊服务，2.0 小时" in fake_api.texts_to(HELPER)[-1]
    assert "陪诊服务（服务需求 #1）" in await wx.say(HELPER, "/hours")
