"""Sending to Telegram: the outbox transport under 429/403/400, long texts, photos, documents."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.telegram import CHANNEL, to_inbound
from bot.sender import OutboxSender
from handlers.core.messages import Choice, Link, Reply
from storage.models import OutboxMessage
from storage.repos import outbox
from tests.e2e.telegram.conftest import LIN, TEST_LIMITS, TOM, TelegramBot
from tests.support.fake_telegram import CHAT_NOT_FOUND, ApiError, User, too_many

LONG = "\n".join(f"第{i:03d}行：劲松北社区本周志愿服务安排，请大家互相转告。" for i in range(200))


async def _enqueue(app: App, chat: User | int, reply: Reply) -> int:
    now = app.deps.clock()
    external_id = str(chat.id if isinstance(chat, User) else chat)
    async with app.db.transaction() as session:
        row = outbox.enqueue(
            session,
            person_id=None,
            channel=CHANNEL,
            external_id=external_id,
            payload=reply.to_dict(),
            now=now,
        )
        await session.flush()
        return row.id


async def _status(app: App, row_id: int) -> OutboxMessage:
    async with app.db.transaction() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        return row


async def test_a_429_on_an_outbox_send_is_retried_and_nothing_is_lost(bot: TelegramBot) -> None:
    ids = [await _enqueue(bot.app, LIN, Reply(f"通知 {i}")) for i in range(3)]
    bot.tg.fail(LIN.id, too_many(retry_after=1))
    sender = OutboxSender(bot.app.db, bot.channel.transport(), bot.clock, TEST_LIMITS)
    stats = await sender.drain()
    assert stats.rate_limited == 1 and stats.sent == 0
    row = await _status(bot.app, ids[0])
    assert row.status == "pending" and row.error == "rate_limited"
    assert row.not_before is not None and (row.not_before - bot.clock()).total_seconds() >= 1
    for _ in range(6):  # one a second to this chat, after the pause Telegram asked for
        bot.clock.advance(seconds=3)
        await sender.drain()
    assert bot.tg.texts(LIN.id) == ["通知 0", "通知 1", "通知 2"]
    assert {(await _status(bot.app, i)).status for i in ids} == {"sent"}


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_and_not_retried(
    bot: TelegramBot,
) -> None:
    await bot.script(LIN, [("/start", "请选择语言")])
    bot.tg.block(LIN.id)
    ids = [await _enqueue(bot.app, LIN, Reply(f"通知 {i}")) for i in range(3)]
    stats = await bot.drain()
    assert stats.blocked == 1 and stats.sent == 0
    for _ in range(3):
        bot.clock.advance(minutes=5)
        await bot.drain()
    assert {(await _status(bot.app, i)).status for i in ids} == {"blocked"}
    tries = [c for c in bot.tg.calls if c.method == "sendMessage" and c.chat_id == LIN.id]
    assert len(tries) == 2  # the /start answer, then one refused send; never again
    ident = await bot.identity(LIN)
    assert ident is not None and ident.unreachable_at is not None
    # writing to the bot again makes the person reachable again
    bot.tg.blocked.clear()
    await bot.send(LIN, "/help")
    ident = await bot.identity(LIN)
    assert ident is not None and ident.unreachable_at is None


async def test_chat_not_found_fails_for_good_and_network_errors_retry(bot: TelegramBot) -> None:
    lost = await _enqueue(bot.app, 999_001, Reply("发不出去"))
    flaky = await _enqueue(bot.app, TOM, Reply("稍后送达"))
    bot.tg.fail(999_001, ApiError(400, CHAT_NOT_FOUND))
    bot.tg.fail(TOM.id, ApiError(502, "Bad Gateway"))
    stats = await bot.drain()
    assert stats.failed == 1 and stats.retried == 1
    assert (await _status(bot.app, lost)).error == "Chat not found"  # PTB drops "Bad Request: "
    bot.clock.advance(seconds=5)
    await bot.drain()
    assert (await _status(bot.app, flaky)).status == "sent"
    assert (await _status(bot.app, lost)).status == "failed"


async def test_a_5000_character_reply_is_split_into_two_messages(bot: TelegramBot) -> None:
    text = LONG[:5000]
    assert len(text) == 5000
    reply = Reply(text, (Choice("知道了", "ok"),), (Link("详情", "https://example.org/n/1"),))
    row_id = await _enqueue(bot.app, LIN, reply)
    await bot.drain()
    first, second = bot.tg.sent(LIN.id)
    assert len(first.params["text"]) <= 4096 and first.params["text"].endswith("请大家互相转告。")
    assert first.params["text"] + "\n" + second.params["text"] == text  # cut at a line break
    assert "reply_markup" not in first.params
    keyboard = second.params["reply_markup"]["inline_keyboard"]
    assert keyboard == [
        [{"text": "知道了", "callback_data": "ok"}],
        [{"text": "详情", "url": "https://example.org/n/1"}],
    ]
    assert (await _status(bot.app, row_id)).platform_message_id == str(
        bot.tg.messages[(LIN.id, max(m for c, m in bot.tg.messages if c == LIN.id))]["message_id"]
    )


async def test_a_long_direct_reply_is_split_too(bot: TelegramBot) -> None:
    inbound = to_inbound(_update(bot, LIN, "/help"))
    assert inbound is not None
    await bot.channel.adapter.deliver(inbound, [Reply("长" * 5000)])
    assert [len(t) for t in bot.tg.texts(LIN.id)] == [4096, 904]


async def test_a_grid_report_photo_is_shown_to_the_grid_worker_with_sendphoto(
    bot: TelegramBot,
) -> None:
    worker = User(6001, "张磊")
    await bot.link(worker, "张磊")
    caption = "新的报事：楼道堆物（劲松一区103号楼）"
    accept = (Choice("受理", "report:accept:7"),)
    photo = Reply(caption, accept, photo="telegram:AgACAgUAAx-largest")
    elsewhere = Reply("新的报事：小广告", photo="wechat:MEDIA_ID_1")
    await _enqueue(bot.app, worker, photo)
    await _enqueue(bot.app, worker, elsewhere)
    for _ in range(2):
        await bot.drain()
        bot.clock.advance(seconds=1)
    first, second = bot.tg.sent(worker.id)
    assert first.method == "sendPhoto" and first.params["photo"] == "AgACAgUAAx-largest"
    assert first.params["caption"] == caption
    [[button]] = first.params["reply_markup"]["inline_keyboard"]
    assert button["callback_data"] == "report:accept:7"
    assert second.method == "sendMessage" and second.params["text"] == "新的报事：小广告"


async def test_a_photo_with_a_long_text_sends_the_photo_then_the_text(bot: TelegramBot) -> None:
    await _enqueue(bot.app, LIN, Reply(LONG[:1500], (Choice("受理", "x:1"),), photo="telegram:F1"))
    await bot.drain()
    photo, text = bot.tg.sent(LIN.id)
    assert photo.method == "sendPhoto" and "caption" not in photo.params
    assert text.params["text"] == LONG[:1500] and "reply_markup" in text.params


async def test_an_export_arrives_as_a_document(bot: TelegramBot) -> None:
    content = '{"name": "小林", "proposals": []}'
    await _enqueue(bot.app, LIN, Reply("您的数据导出", document=("linli-data.json", content)))
    await bot.drain()
    [call] = bot.tg.sent(LIN.id)
    assert call.method == "sendDocument" and call.params["caption"] == "您的数据导出"
    name, data = call.files["document"]
    assert name == "linli-data.json" and data.decode() == content


async def test_user_text_is_shown_literally(bot: TelegramBot) -> None:
    sneaky = '<b>粗体</b> & <a href="http://evil">链接</a> *md* _x_'
    await _enqueue(bot.app, LIN, Reply(f"您的提案：{sneaky}"))
    await bot.drain()
    [call] = bot.tg.sent(LIN.id)
    assert call.params["text"] == f"您的提案：{sneaky}" and "parse_mode" not in call.params


async def test_a_rate_limited_direct_reply_goes_to_the_outbox(bot: TelegramBot) -> None:
    bot.tg.fail(LIN.id, too_many(retry_after=2))
    assert (await bot.post(bot.tg.text(LIN, "/start"))).status_code == 200
    assert not bot.tg.sent(LIN.id)
    async with bot.app.db.transaction() as session:
        [row] = (await session.execute(select(OutboxMessage))).scalars().all()
    assert row.kind == "reply" and row.status == "pending"
    bot.clock.advance(seconds=2)
    await bot.drain()
    assert "请选择语言" in bot.tg.texts(LIN.id)[0]


async def test_a_blocked_user_s_direct_reply_marks_the_identity(bot: TelegramBot) -> None:
    bot.tg.block(TOM.id)
    assert (await bot.post(bot.tg.text(TOM, "/start"))).status_code == 200
    ident = await bot.identity(TOM)
    assert ident is not None and ident.unreachable_at is not None


def _update(bot: TelegramBot, user: User, text: str):  # type: ignore[no-untyped-def]
    from telegram import Update

    return Update.de_json(bot.tg.text(user, text), bot.channel.application.bot)
