"""Registration and the core dialog rules, end to end through the dispatcher, in Chinese first."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App, build
from bot.settings import Settings
from handlers.core.dispatcher import Dispatcher
from handlers.core.i18n import Translator
from handlers.core.messages import Message
from handlers.routes import build_routes
from storage.models import AuditEntry, DialogState, Identity, Person
from tests.support.chat import Chat, Pick, choice_number, render
from tests.support.clock import FakeClock

# The answers that take a new resident through /start, with what each next prompt says.
# Choices are picked by label; as plain strings (where scripts cannot see the choices) they are
# the numbers those labels have today.
REGISTRATION = [
    ("/start", "请选择语言"),
    (Pick("中文", "1"), "您是以什么身份使用"),
    (Pick("社区居民", "1"), "请选择您所在的社区"),
    (Pick("劲松北社区", "1"), "请选择您所在的网格"),
    (Pick("第二网格", "2"), "我们怎么称呼您"),
    ("小林", "隐私政策"),
    (Pick("同意", "1"), "登记完成，小林"),
]
# The same in English, as far as the name step.
ENGLISH_TO_NAME = [
    ("/start", "请选择语言"),
    (Pick("English"), "How will you use Linli"),
    (Pick("Resident"), "choose your community"),
    (Pick("百环社区"), "choose your grid"),
    (Pick("Not sure, skip"), "What should we call you"),
]


async def test_resident_registers_in_chinese(chat: Chat) -> None:
    await chat.script("xiaolin", REGISTRATION)
    profile = await chat.text("xiaolin", "/me")
    assert "称呼：小林" in profile
    assert "劲松北社区 · 第二网格" in profile
    assert "已同意（版本 2026-11" in profile


async def test_resident_registers_in_english(chat: Chat) -> None:
    await chat.script(
        "tom",
        [
            *ENGLISH_TO_NAME,
            (Pick('Call me "tom"'), "Privacy policy"),
            (Pick("I agree"), "You are registered, tom"),
        ],
    )
    assert "Home: 劲松街道 · 百环社区" in await chat.text("tom", "/me")
    await chat.text("tom", "/lang")
    assert "Language set to English" in render(await chat.pick("tom", "English"))


async def test_skip_typed_for_the_name_takes_the_offered_one(chat: Chat) -> None:
    """ "跳过" at the name step (other steps can be skipped) once became the person's name."""
    await chat.script("小王", REGISTRATION[:5])
    await chat.script("小王", [("跳过", "隐私政策"), (Pick("同意", "1"), "登记完成，小王")])
    await chat.script(
        "tom",
        [
            *ENGLISH_TO_NAME,
            ("skip", "Privacy policy"),
            (Pick("I agree"), "You are registered, tom"),
        ],
    )


async def test_skip_typed_for_the_name_with_none_offered_asks_again(chat: Chat) -> None:
    for said, _ in REGISTRATION[:5]:
        await chat.say("u", chat.typed("u", said), display_name="")
    text = render(await chat.say("u", "跳过", display_name=""))
    assert "这一步不能跳过" in text and "我们怎么称呼您" in text
    assert "隐私政策" in render(await chat.say("u", "小于", display_name=""))


async def test_first_contact_answers_in_the_platform_language(chat: Chat) -> None:
    greeted = await chat.text("amy", "hello", lang_hint="en-US")
    assert "Send /start" in greeted and "did not understand" not in greeted  # a welcome
    assert "did not understand" in await chat.text("amy", "/nosuch", lang_hint="en-US")
    assert "发送 /start" in await chat.text("li", "你好", lang_hint="zh-hans")


@pytest.mark.parametrize("steps_done", range(len(REGISTRATION)))
async def test_cancel_works_at_every_step(chat: Chat, steps_done: int) -> None:
    await chat.script("u", REGISTRATION[:steps_done])
    text = await chat.text("u", "/cancel")
    assert ("已取消" in text) if steps_done else ("当前没有进行中的操作" in text)
    profile = await chat.text("u", "/me")
    assert "称呼：—" in profile and "隐私政策：未同意" in profile
    async with chat.app.db.transaction() as session:
        state = await session.get(DialogState, ("console", "u"))
        assert state is None or state.flow is None  # an empty state is never written


@pytest.mark.parametrize("steps_done", range(2, len(REGISTRATION)))
async def test_back_returns_to_the_previous_question(chat: Chat, steps_done: int) -> None:
    await chat.script("u", REGISTRATION[:steps_done])
    previous_prompt = REGISTRATION[steps_done - 2][1]
    assert previous_prompt in await chat.text("u", "返回")
    # and the flow goes on from there
    await chat.script("u", REGISTRATION[steps_done - 1 :])


async def test_cancel_by_button_and_by_word(chat: Chat) -> None:
    await chat.script("u", REGISTRATION[:3])
    assert "已取消" in await chat.text("u", payload="/cancel")
    await chat.script("u", REGISTRATION[:2])
    assert "已取消" in await chat.text("u", "取消")


async def test_invalid_answers_are_explained_and_asked_again(chat: Chat) -> None:
    await chat.script("u", REGISTRATION[:2])
    text = await chat.text("u", "火星")
    assert "请从下面的选项中选择" in text and "您是以什么身份使用" in text
    assert "请从下面的选项中选择" in await chat.text("u", "99")
    await chat.script("u", REGISTRATION[2:5])
    assert "最多 30 个字" in await chat.text("u", "长" * 31)
    await chat.script("u", REGISTRATION[5:])


async def test_help_inside_a_flow_keeps_the_flow(chat: Chat) -> None:
    await chat.script("u", REGISTRATION[:3])
    text = await chat.text("u", "/help")
    assert "发送 /start" in text and "请选择您所在的社区" in text
    await chat.script("u", REGISTRATION[3:])


async def test_dialog_state_survives_a_restart(
    demo_app: App, db_url: str, clock: FakeClock, translator: Translator
) -> None:
    before = Chat(demo_app)
    await before.script("u", REGISTRATION[:4])
    await demo_app.close()
    restarted = build(Settings(), database_url=db_url, clock=clock, translator=translator)
    try:  # the person still sees the choices shown before the restart
        await Chat(restarted, shown=before.shown).script("u", REGISTRATION[4:])
    finally:
        await restarted.close()


async def test_decline_consent_registers_nothing(chat: Chat) -> None:
    await chat.script("u", REGISTRATION[:-1])
    assert "不会登记您的信息" in render(await chat.pick("u", "不同意"))
    assert "隐私政策：未同意" in await chat.text("u", "/me")


async def test_unknown_text_gets_the_likely_choices_and_a_person(chat: Chat) -> None:
    await chat.script("u", REGISTRATION)
    text = await chat.text("u", "今天天气怎么样")
    assert "没完全看懂" in text and "1. 我需要服务" in text and "转人工" in text
    assert "没听懂" in await chat.text("u", "/nosuchcommand")


async def test_oversized_text_is_refused_in_the_users_language(chat: Chat) -> None:
    await chat.script("u", REGISTRATION[:3])
    assert "内容太长了（最多 2000 个字）" in await chat.text("u", "长" * 10_000)
    # nothing was lost: the flow still waits at the same step
    await chat.script("u", REGISTRATION[3:])
    await chat.text("en", "/start")
    await chat.pick("en", "English")
    assert "That is too long" in await chat.text("en", "x" * 10_000)


async def test_flood_is_throttled_then_released(demo_app: App, clock: FakeClock) -> None:
    chat = Chat(demo_app)
    limit = demo_app.settings.flood_messages
    for _ in range(limit):
        assert await chat.say("spam", "你好")
    assert "太快了" in await chat.text("spam", "你好")
    assert await chat.say("spam", "你好") == []  # silent while flooding, no reply storm
    clock.advance(seconds=demo_app.settings.flood_window_s + 1)
    assert "发送 /start" in await chat.text("spam", "你好")


async def test_a_replayed_update_takes_effect_once(chat: Chat) -> None:
    await chat.script("u", REGISTRATION[:-1])
    agree = str(choice_number(chat.shown["u"], "同意"))
    first = await chat.say("u", agree, update_key="update-42")
    again = await chat.say("u", agree, update_key="update-42")
    assert first == again and "登记完成" in first[0].text
    async with chat.app.db.transaction() as session:
        consents = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
        assert consents == 1


async def test_one_update_id_from_two_senders_is_two_updates(chat: Chat) -> None:
    await chat.script("甲", REGISTRATION[:-1])
    await chat.script("乙", REGISTRATION[:-1])
    agree = str(choice_number(chat.shown["甲"], "同意"))
    first = await chat.say("甲", agree, update_key="update-43")
    second = await chat.say("乙", agree, update_key="update-43")
    assert "登记完成" in first[0].text and "登记完成" in second[0].text
    async with chat.app.db.transaction() as session:
        consents = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
        assert consents == 2


async def test_invite_code_gives_a_scoped_role_once(chat: Chat) -> None:
    from handlers.admin import roles

    async with chat.app.db.transaction() as session:
        [code] = await roles.create_invites(
            session, "grid_worker", "CY-JS-03-G1", chat.app.deps.clock()
        )
    invite_steps = [
        ("/start", "请选择语言"),
        (Pick("中文"), "身份"),
        (Pick("我有邀请码"), "请输入邀请码"),
    ]
    await chat.script(
        "gw",
        [
            *invite_steps,
            (code.lower(), "请选择您所在的社区"),
            (Pick("和谐家园社区"), "网格"),
            (Pick("不清楚，跳过"), "称呼"),
            ("王网格", "隐私政策"),
            (Pick("同意"), "已授予您「网格员」角色，管辖范围：第一网格"),
        ],
    )
    assert "网格员（第一网格）" in await chat.text("gw", "/me")
    await chat.script("other", [*invite_steps, (code, "邀请码无效、已使用或已过期")])


async def test_an_unexpected_error_gets_a_polite_reply_and_changes_nothing(
    demo_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(ctx):  # a handler with a bug
        ctx.person.display_name = "changed"
        raise RuntimeError("bug")

    routes = build_routes()
    routes.commands["boom"] = boom
    chat = Chat(demo_app)
    demo_app.dispatcher = Dispatcher(demo_app.deps, routes)
    text = await chat.text("u", "/boom")
    assert "抱歉，系统出了点问题" in text
    assert "unhandled error" in caplog.text
    async with demo_app.db.transaction() as session:
        names = (await session.execute(select(Person.display_name))).scalars().all()
        assert "changed" not in names


async def test_two_first_messages_at_once_both_get_an_answer(demo_app: App) -> None:
    # Two dispatchers, as two worker processes: one dispatcher takes a user's messages in turn.
    dispatchers = [Dispatcher(demo_app.deps, build_routes()) for _ in range(2)]
    outcomes = await asyncio.gather(
        *(
            dispatchers[i % 2].handle(
                Message(channel="console", user_id="新人", text="你好", update_key=f"r{i}")
            )
            for i in range(4)
        )
    )
    assert all(any("发送 /start" in r.text for r in o.replies) for o in outcomes)
    async with demo_app.db.transaction() as session:
        people = await session.scalar(
            select(func.count()).select_from(Identity).where(Identity.external_id == "新人")
        )
        assert people == 1


async def test_nul_characters_are_dropped_not_fatal(chat: Chat) -> None:
    await chat.script("u", REGISTRATION[:5])
    await chat.script("u", [("小\x00林", "隐私政策"), (Pick("同意"), "登记完成，小林")])
