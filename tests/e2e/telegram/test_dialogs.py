"""Dialogs through the Telegram webhook, in Chinese and English, with real inline buttons."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.channels.telegram import CHANNEL
from storage.models import DialogState, Person, ProcessedUpdate
from tests.e2e.telegram.conftest import LIN, TOM, TelegramBot
from tests.support.fake_telegram import User

REGISTRATION_ZH = [
    ("/start", "请选择语言"),
    ("[中文]", "您是以什么身份使用"),
    ("[社区居民]", "请选择您所在的社区"),
    ("[劲松北社区]", "请选择您所在的网格"),
    ("[第二网格]", "我们怎么称呼您"),
    ("[就叫我「小林」]", "隐私政策"),
    ("[同意]", "登记完成，小林"),
]


async def test_resident_registers_with_buttons_in_chinese(bot: TelegramBot) -> None:
    await bot.script(LIN, REGISTRATION_ZH)
    profile = await bot.send(LIN, "/me")
    assert "称呼：小林" in profile
    assert "劲松北社区 · 第二网格" in profile
    ident = await bot.identity(LIN)
    assert ident is not None and ident.person.display_name == "小林"
    assert ident.person.lang == "zh_CN"


async def test_resident_registers_in_english_and_types_a_name(bot: TelegramBot) -> None:
    await bot.script(
        TOM,
        [
            ("/start", "Welcome to Linli"),  # language_code "en" → English from the first word
            ("[English]", "How will you use Linli"),
            ("[Resident]", "choose your community"),
            ("[百环社区]", "choose your grid"),
            ("[第一网格]", "What should we call you"),
            ("Tommy", "Privacy policy"),
            ("[I agree]", "You are registered, Tommy"),
        ],
    )
    assert "Home: 劲松街道 · 百环社区 · 第一网格" in await bot.send(TOM, "/me")
    await bot.script(TOM, [("/lang", "Choose a language"), ("[中文]", "语言已切换为中文")])
    assert "称呼：Tommy" in await bot.send(TOM, "/me")


async def test_the_keyboard_carries_the_payloads_and_is_retired_after_a_press(
    bot: TelegramBot,
) -> None:
    await bot.send(LIN, "/start")
    [asked] = bot.tg.sent(LIN.id)
    buttons = asked.params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in buttons] == [["中文", "English"], ["✖ 取消"]]
    assert {b["callback_data"] for row in buttons for b in row} == {"zh_CN", "en", "/cancel"}
    message = bot.tg.last_with_buttons(LIN.id)
    await bot.send(LIN, "[中文]")
    [answer] = bot.tg.calls_of("answerCallbackQuery")
    assert answer.params["callback_query_id"].startswith("cq")
    assert answer.via_webhook  # in the webhook's response: no request of its own
    [edit] = bot.tg.calls_of("editMessageText")
    assert edit.params["message_id"] == message["message_id"]
    assert edit.params["text"].endswith("✅ 中文") and "reply_markup" not in edit.params
    # the old message has no buttons left; pressing its stale copy again changes nothing
    assert "reply_markup" not in bot.tg.messages[(LIN.id, message["message_id"])]
    again = await bot.post(bot.tg.press(LIN, "中文", message=message))
    assert again.status_code == 200
    async with bot.app.db.transaction() as session:
        state = await session.get(DialogState, (CHANNEL, str(LIN.id)))
        assert state is not None and state.flow == "start" and state.step == "role"


async def test_first_contact_answers_in_the_platform_language(bot: TelegramBot) -> None:
    assert "Send /start" in await bot.send(TOM, "hello")
    assert "发送 /start" in await bot.send(LIN, "你好")


async def test_shared_location_and_photo_reach_the_dispatcher_as_neutral_fields(
    bot: TelegramBot,
) -> None:
    await bot.script(LIN, REGISTRATION_ZH)
    # No handler asks for a location or photo outside a flow yet: both get the help text.
    for update in (
        bot.tg.location(LIN, 39.8891, 116.4606),
        bot.tg.photo(LIN, "AgACAgUAAxkBAAI-big", caption="楼道堆物"),
    ):
        assert (await bot.post(update)).status_code == 200
    assert "/me" in bot.new_for(LIN)
    async with bot.app.db.transaction() as session:
        seen = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == CHANNEL)
        )
    assert seen == len(REGISTRATION_ZH) + 2


async def test_group_chats_are_sent_to_a_private_chat_and_nothing_is_stored(
    bot: TelegramBot,
) -> None:
    group = {"id": -100777, "type": "supergroup", "title": "劲松北社区居民群"}
    command = bot.tg.text(LIN, "/me@linli_test_bot")
    command["message"]["chat"] = group
    chatter = bot.tg.text(LIN, "大家好")
    chatter["message"]["chat"] = group
    async with bot.app.db.transaction() as session:
        before = await session.scalar(select(func.count()).select_from(Person))
    for update in (command, chatter):
        assert (await bot.post(update)).status_code == 200
    assert bot.tg.texts(-100777) == [
        "为保护大家的隐私，邻里只在私聊中办理事务。请点开机器人头像，私聊发送 /start。"
    ]
    async with bot.app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == before


async def test_the_command_menu_is_published_in_chinese_and_english(bot: TelegramBot) -> None:
    menus = bot.tg.commands
    assert set(menus) == {"zh", "en", ""}
    zh = {c["command"]: c["description"] for c in menus["zh"]}
    en = {c["command"]: c["description"] for c in menus["en"]}
    assert {"start", "help", "me", "lang", "cancel"} <= set(zh) == set(en)
    assert zh["me"] == "我的信息" and en["me"] == "My profile"
    assert menus[""] == menus["zh"]  # the deployment's default language for everyone else


async def test_two_users_talk_at_once_without_mixing_dialogs(bot: TelegramBot) -> None:
    other = User(5003, "王芳")
    await bot.send(LIN, "/start")
    await bot.send(other, "/start")
    await bot.send(LIN, "[中文]")
    assert "请选择语言" in bot.tg.transcript(other.id)
    assert "您是以什么身份使用" not in bot.tg.transcript(other.id)
    assert "您是以什么身份使用" in bot.tg.transcript(LIN.id)
