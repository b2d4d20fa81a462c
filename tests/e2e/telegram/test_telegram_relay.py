"""The relay over Telegram: a need with a typed place, an offer without it, acceptance with it,
messages both ways through the outbox sender with a "reply" button, done with hours, the reminder,
confirmed in words, rated, the hours on /hours — no phone number shown, one need number
throughout."""

from __future__ import annotations

from handlers.sweeps import Sweeper
from tests.e2e.telegram.conftest import TelegramBot
from tests.support.fake_telegram import User

RESIDENT = User(7001, "王凤兰")  # the demo resident of 劲松一区103号楼
HELPER = User(7002, "张淑珍")  # the demo volunteer of the same building, offered first
ORGANIZER = User(6002, "王海燕")


async def _deliver(bot: TelegramBot) -> None:
    for _ in range(3):  # one message a second per chat
        await bot.drain()
        bot.clock.advance(seconds=1)


async def test_resident_and_volunteer_talk_through_telegram(bot: TelegramBot) -> None:
    for user in (RESIDENT, HELPER, ORGANIZER):
        await bot.link(user, user.first_name)
    await bot.script(
        RESIDENT,
        [
            ("/need", "您需要什么服务？"),
            ("陪老人看病", "找到以下服务项目"),
            ("[陪诊服务]", "什么时间方便？"),
            ("[明天上午]", "在哪里提供服务？"),
            ("朝阳医院，从家里出发", "还有什么需要说明的吗？"),
            ("要带医保卡", "地点：朝阳医院，从家里出发"),
            ("[✔ 确认提交]", "已提交服务需求 #1（陪诊服务）"),
        ],
    )
    assert "推送给" in await bot.send(ORGANIZER, "/dispatch 1")
    await _deliver(bot)
    offer = bot.new_for(HELPER)
    assert "新的服务任务" in offer and "要带医保卡" in offer
    assert "朝阳医院" not in offer and "13600000101" not in offer
    accepted = await bot.send(HELPER, "[✅ 接受]")
    assert "地点：朝阳医院，从家里出发" in accepted and "[💬 发消息]" in accepted
    assert "13600000101" not in accepted
    await _deliver(bot)
    assert "已有人承接：张淑珍" in bot.new_for(RESIDENT)

    assert "已转达" in await bot.send(HELPER, "/msg 1 王阿姨，我明早八点到楼下")
    await _deliver(bot)
    heard = bot.new_for(RESIDENT)
    assert "志愿者 张淑珍：王阿姨，我明早八点到楼下" in heard and "[💬 回复]" in heard
    assert "13800000103" not in heard
    assert "请输入要转达给对方的话" in await bot.send(RESIDENT, "[💬 回复]")
    assert "已转达" in await bot.send(RESIDENT, "好的，我在3单元门口等")
    assert "对话已关闭" in await bot.send(RESIDENT, "[结束对话]")
    await _deliver(bot)
    assert "居民 王凤兰：好的，我在3单元门口等" in bot.new_for(HELPER)
    bot.clock.advance(days=1)  # the task's morning (done is refused before the task starts)
    assert "已标记任务完成" in await bot.send(HELPER, "/task_done 1 2")
    await _deliver(bot)
    assert "说需求 #1（陪诊服务）已完成" in bot.new_for(RESIDENT)
    bot.clock.advance(hours=25)  # nobody answered: the reminder
    await Sweeper(bot.app.deps, periodic=()).tick()
    await _deliver(bot)
    assert "提醒：志愿者 张淑珍 已完成需求 #1" in bot.new_for(RESIDENT)
    confirmed = await bot.send(RESIDENT, "确认完成")
    assert "已确认需求 #1 完成，记录服务时长 2.0 小时" in confirmed and "[★5 非常满意]" in confirmed
    assert "还想说几句吗" in await bot.send(RESIDENT, "[★5 非常满意]")
    assert "已记录您的意见" in await bot.send(RESIDENT, "小张很耐心")
    await _deliver(bot)
    assert "已记录（服务需求 #1）：陪诊服务，2.0 小时" in bot.new_for(HELPER)
    assert "陪诊服务（服务需求 #1）" in await bot.send(HELPER, "/hours")
