"""Closing the loop over Telegram: offer → accept → done with the hours picked → confirm button →
rating → the hours on /hours, notices delivered by the outbox sender through the fake Bot API."""

from __future__ import annotations

from tests.e2e.telegram.conftest import TelegramBot
from tests.e2e.test_tasks import _need, _round
from tests.support.fake_telegram import User

RESIDENT = User(7001, "王凤兰")
VOLUNTEER = User(7002, "张淑珍")  # the best match of the test need (same building)


async def _deliver(bot: TelegramBot) -> None:
    for _ in range(3):  # one message a second per chat
        await bot.drain()
        bot.clock.advance(seconds=1)


async def test_the_loop_closes_over_telegram(bot: TelegramBot) -> None:
    await bot.link(RESIDENT, "王凤兰")
    await bot.link(VOLUNTEER, "张淑珍")
    need_id = await _need(bot.app)
    await _round(bot.app, need_id)
    await _deliver(bot)
    assert "陪诊服务" in bot.new_for(VOLUNTEER)
    await bot.send(VOLUNTEER, "[✅ 接受]")
    bot.clock.advance(days=1, hours=1)  # after the window (Tuesday 09:00–11:00)
    await bot.script(
        VOLUNTEER,
        [
            ("/tasks", "[✔ 已完成]"),
            ("[✔ 已完成]", "计划时长 2.0 小时"),
            ("[2.0 小时]", "已标记任务完成"),
        ],
    )
    await _deliver(bot)
    asked = bot.new_for(RESIDENT)
    assert "请确认" in asked and "[👍 确认完成]" in asked
    await bot.script(
        RESIDENT,
        [
            ("[👍 确认完成]", "记录服务时长 2.0 小时"),
            ("#5", "还想说几句吗"),
            ("小张很细心", "已记录您的意见"),
        ],
    )
    assert "2.0" in await bot.send(VOLUNTEER, "/hours")
