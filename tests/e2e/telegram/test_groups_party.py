"""Over Telegram: a resident finds a community organization with buttons and asks to join; its
contact answers with a button; a party member reports and is confirmed."""

from __future__ import annotations

from tests.e2e.telegram.conftest import LIN, TelegramBot
from tests.e2e.telegram.test_dialogs import REGISTRATION_ZH
from tests.support.fake_telegram import User

WU = User(6101, "吴振华")  # the contact of 劲松北社区翰墨书画社 in the demo district
ORGANIZER = User(6002, "王海燕")  # the demo organizer of 劲松北社区


async def _drain(bot: TelegramBot) -> None:
    for _ in range(3):  # one message a second per chat
        await bot.drain()
        bot.clock.advance(seconds=1)


async def test_asking_to_join_and_the_answer_travel_as_buttons(bot: TelegramBot) -> None:
    await bot.link(WU, "吴振华")
    await bot.script(LIN, REGISTRATION_ZH)
    await bot.script(
        LIN,
        [
            ("/groups", "【劲松北社区】身边的社会组织共 16 个"),
            ("[文体活动（4）]", "「文体活动」类社会组织 4 个"),
            ("[劲松北社区翰墨书画社]", "每周三下午在社区活动室练字作画"),
            ("[申请加入]", "已向「劲松北社区翰墨书画社」提交加入申请"),
        ],
    )
    await _drain(bot)
    request = bot.new_for(WU)
    assert "小林 申请加入「劲松北社区翰墨书画社」" in request and "[同意]" in request
    assert "已同意加入" in await bot.send(WU, "[同意]")
    await _drain(bot)
    assert "同意了您的加入申请" in bot.new_for(LIN)
    assert "劲松北社区翰墨书画社（已加入）" in await bot.send(LIN, "/groups")


async def test_a_party_member_reports_and_is_confirmed(bot: TelegramBot) -> None:
    await bot.link(ORGANIZER, "王海燕")
    await bot.script(LIN, REGISTRATION_ZH)
    await bot.script(
        LIN,
        [
            ("/party", "向居住地【劲松北社区】报到"),
            ("[社区党员（组织关系在本社区）]", "请确认报到信息"),
            ("[确认报到]", "已向【劲松北社区】报到"),
        ],
    )
    await _drain(bot)
    ask = bot.new_for(ORGANIZER)
    assert "党员报到：小林" in ask and "[确认]" in ask
    assert "已确认" in await bot.send(ORGANIZER, "[确认]")
    await _drain(bot)
    assert "已确认您的党员报到" in bot.new_for(LIN)
