"""The dispatcher's own dialog rules: what a typed label picks, what "what can you do?" answers."""

from __future__ import annotations

from tests.support.chat import Chat


async def test_what_can_you_do_answers_with_the_short_start_in_chinese(chat: Chat) -> None:
    got = await chat.text("王凤兰", "你能做什么")
    assert "可以直接用自己的话告诉我需要什么" in got and "发送 /help 查看全部功能" in got
    assert got.count("/") < (await chat.text("王凤兰", "/help")).count("/")  # not the full help


async def test_what_can_you_do_answers_with_the_short_start_in_english(chat: Chat) -> None:
    got = await chat.text("Michael Brown", "what can you do?")
    assert "Just tell me in your own words what you need" in got and "Send /help" in got
    assert got.count("/") < (await chat.text("Michael Brown", "/help")).count("/")


async def test_typing_the_label_of_a_shown_choice_picks_it(chat: Chat) -> None:
    """Outside a flow, the label as shown ("修改门牌" under /me) is the choice, not free text."""
    await chat.text("王凤兰", "/address 3单元 502")
    assert "修改门牌" in await chat.text("王凤兰", "/me")
    picked = await chat.text("王凤兰", "修改门牌")
    assert picked == await chat.text("王凤兰", payload="/address")
    assert "您是想办哪件事" not in picked and "没完全看懂" not in picked


async def test_a_label_no_longer_shown_goes_to_understanding(chat: Chat) -> None:
    await chat.text("王凤兰", "/address 3单元 502")
    await chat.text("王凤兰", "/me")
    await chat.text("王凤兰", "/help")  # shows no choices: the label means nothing now
    assert "修改门牌" not in await chat.text("王凤兰", "修改门牌")
