"""A joint meeting over Telegram: the invitation's buttons, the ballot's buttons, the public notice
delivered by the outbox sender to the participant's chat."""

from __future__ import annotations

from tests.e2e.telegram.conftest import LIN, TelegramBot
from tests.e2e.telegram.test_features import ORGANIZER, _register


async def _deliver(bot: TelegramBot) -> None:
    for _ in range(3):  # one message a second per chat
        await bot.drain()
        bot.clock.advance(seconds=1)


async def test_invited_over_telegram_a_resident_attends_votes_and_hears_the_notice(
    bot: TelegramBot,
) -> None:
    await bot.link(ORGANIZER, "王海燕")
    await _register(bot, LIN)
    await bot.script(
        ORGANIZER,
        [
            ("/meeting_new", "联席会议什么时候开"),
            ("12-10 14:00", "在哪里开"),
            ("社区党群服务中心", "已安排劲松北社区联席会议 #1"),
            ("[邀请参会人]", "邀请以什么身份参会"),
            ("[居民代表]", "请写参会人的姓名"),
            (LIN.first_name, "代表哪个单位"),
            ("[跳过]", f"已邀请参加联席会议 #1：{LIN.first_name}"),
        ],
    )
    await _deliver(bot)
    invitation = bot.new_for(LIN)
    assert "【邀请】劲松北社区联席会议 #1 邀请您以居民代表身份参加" in invitation
    assert "[参加]" in invitation and "[不参加]" in invitation
    assert "已确认您参加联席会议 #1" in await bot.send(LIN, "[参加]")
    assert "向 1 位参会人发起表决" in await bot.send(ORGANIZER, "/meeting_vote 1 1")
    await _deliver(bot)
    ballot = bot.new_for(LIN)
    assert "【表决】联席会议 #1 第 1 项：每月一题" in ballot and "[赞成]" in ballot
    assert "表决：赞成" in await bot.send(LIN, "[赞成]")
    await bot.script(
        ORGANIZER,
        [
            ("/meeting_decide 1", "记录哪个议题的结果"),
            ("[第 1 项：每月一题（本月无明显增长的问题）]", "这个议题的结果是"),
            ("[暂缓]", "补充说明"),
            ("[跳过]", "暂缓（赞成 1｜反对 0｜弃权 0）"),
            ("/meeting_minutes 1", "请写会议纪要"),
            ("本月没有突出问题，下月再议。", "以下公示将发给全社区居民"),
            ("[公示]", "已公示联席会议 #1 的决定"),
        ],
    )
    await _deliver(bot)
    notice = bot.new_for(LIN)
    assert "【公示】劲松北社区联席会议（#1" in notice
    assert "会议纪要：本月没有突出问题，下月再议。" in notice
