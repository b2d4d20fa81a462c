"""Long and odd platform names at /start: the name is cut to the limit every path keeps (30),
and registration completes on SQLite and PostgreSQL (a 200-character first name used to fail at
consent, forever, on PostgreSQL)."""

from __future__ import annotations

from tests.e2e.telegram.conftest import TelegramBot
from tests.e2e.telegram.test_dialogs import REGISTRATION_ZH
from tests.support.chat import Chat
from tests.support.fake_telegram import User

LONG = User(5101, "长" * 150, last_name="名" * 50)  # full name: 201 characters
ODD = User(5102, "\x1b[31m小\x0b红\x7f")


async def test_a_200_character_first_name_is_cut_and_registration_completes(
    bot: TelegramBot,
) -> None:
    steps = list(REGISTRATION_ZH)
    steps[5] = (f"[就叫我「{'长' * 20}」]", "隐私政策")
    steps[6] = ("[同意]", f"登记完成，{'长' * 30}")
    await bot.script(LONG, steps)
    ident = await bot.identity(LONG)
    assert ident is not None and ident.person.display_name == "长" * 30
    assert ident.person.consent_at is not None
    assert f"称呼：{'长' * 30}" in await bot.send(LONG, "/me")


async def test_control_characters_leave_a_platform_name(bot: TelegramBot) -> None:
    steps = list(REGISTRATION_ZH)
    steps[5] = ("[就叫我「[31m小红」]", "隐私政策")
    steps[6] = ("[同意]", "登记完成，[31m小红")
    await bot.script(ODD, steps)


async def test_a_typed_name_over_the_limit_is_asked_again(chat: Chat) -> None:
    await chat.script(
        "x" * 40,  # the console takes the user id as the display name
        [
            ("/start", "请选择语言"),
            ("1", "您是以什么身份使用"),
            ("1", "请选择您所在的社区"),
            ("1", "请选择您所在的网格"),
            ("2", f"就叫我「{'x' * 20}」"),  # the console name, cut, is offered
            ("名" * 31, "最多 30 个字"),
            ("小林", "隐私政策"),
            ("1", "登记完成，小林"),
        ],
    )
