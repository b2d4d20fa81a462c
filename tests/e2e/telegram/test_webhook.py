"""The webhook's guards: secret token, body cap, malformed bodies, redeliveries, stale buttons."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from storage.models import AuditEntry, DialogState, Identity, Person, ProcessedUpdate
from tests.e2e.telegram.conftest import LIN, TOM, TelegramBot
from tests.e2e.telegram.test_dialogs import REGISTRATION_ZH


async def _rows(bot: TelegramBot) -> dict[str, int]:
    async with bot.app.db.transaction() as session:
        return {
            model.__name__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Person, Identity, DialogState, ProcessedUpdate, AuditEntry)
        }


@pytest.mark.parametrize("secret", [None, "", "wrong", "s3cret-Token_for-test", "秘密"])
async def test_a_forged_or_missing_secret_is_refused_and_nothing_is_written(
    bot: TelegramBot, secret: str | None
) -> None:
    before = await _rows(bot)
    response = await bot.post(bot.tg.text(LIN, "/start"), secret=secret)
    assert response.status_code == 403
    assert await _rows(bot) == before
    assert not bot.tg.sent()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'"update"',
        b'{"message": {"text": "/start"}}',  # no update_id
        b'{"update_id": "7", "message": {}}',
        b'{"update_id": true, "message": {}}',
        b'{"update_id": 7, "message": {"chat": 5}}',  # PTB cannot build a Message from this
        "\ufeff{}".encode(),
    ],
)
async def test_malformed_bodies_are_acknowledged_without_touching_the_database(
    bot: TelegramBot, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram resends anything not answered 2xx, forever: a body it cannot improve gets 200."""
    before = await _rows(bot)
    assert (await bot.post(body)).status_code == 200
    assert await _rows(bot) == before and not bot.tg.sent()
    assert _malformed_lines(caplog) == 1


def _malformed_lines(caplog: pytest.LogCaptureFixture) -> int:
    return sum("malformed" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


# Wrong JSON types in the fields Linli reads (Telegram never sends them; PTB does not check).
WRONG_TYPES = {
    "text is a number": lambda u: u["message"].__setitem__("text", 12345),
    "text is an object": lambda u: u["message"].__setitem__("text", {"小林": "住址"}),
    "text is a list": lambda u: u["message"].__setitem__("text", ["小林"]),
    "update_id is true": lambda u: u.__setitem__("update_id", True),
    "update_id is a float": lambda u: u.__setitem__("update_id", 1.5),
    "message is a string": lambda u: u.__setitem__("message", "小林的消息"),
    "message is a list": lambda u: u.__setitem__("message", []),
    "from.id is a string": lambda u: u["message"]["from"].__setitem__("id", "5001"),
    "chat.id is an object": lambda u: u["message"]["chat"].__setitem__("id", {"x": 1}),
    "date is a string": lambda u: u["message"].__setitem__("date", "today"),
    "entities are junk": lambda u: u["message"].__setitem__("entities", [{"type": 1}]),
    "entities are a string": lambda u: u["message"].__setitem__("entities", "x"),
    "location is text": lambda u: u["message"].__setitem__(
        "location", {"latitude": "北京", "longitude": None}
    ),
    "photo id is a number": lambda u: u["message"].__setitem__("photo", [{"file_id": 1}]),
    "first_name is a number": lambda u: u["message"]["from"].__setitem__("first_name", 5),
    "language_code is a number": lambda u: u["message"]["from"].__setitem__("language_code", 5),
    "callback data is a number": lambda u: u.__setitem__(
        "callback_query",
        {"id": "q1", "from": {"id": 5001, "is_bot": False, "first_name": "小林"}, "data": 5},
    ),
    "callback id is a number": lambda u: u.__setitem__(
        "callback_query",
        {"id": 1, "from": {"id": 5001, "is_bot": False, "first_name": "小林"}, "data": "x"},
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
async def test_wrong_json_types_are_acknowledged_and_logged_once_without_content(
    bot: TelegramBot, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    update = bot.tg.text(LIN, "/start 我家住在幸福里3号楼")
    WRONG_TYPES[case](update)
    before = await _rows(bot)
    response = await bot.post(json.dumps(update).encode())
    assert response.status_code == 200, case
    assert await _rows(bot) == before and not bot.tg.sent()
    assert _malformed_lines(caplog) == 1
    logged = "\n".join(r.getMessage() + str(r.exc_text or "") for r in caplog.records)
    assert "小林" not in logged and "幸福里" not in logged and "住址" not in logged
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    # Nothing is stuck: the next good update is handled as usual.
    assert "请选择语言" in await bot.send(LIN, "/start")


async def test_a_body_over_one_megabyte_gets_413(bot: TelegramBot) -> None:
    update = bot.tg.text(LIN, "你好")
    update["message"]["padding"] = "x" * (1 << 20)
    before = await _rows(bot)
    assert (await bot.post(json.dumps(update).encode())).status_code == 413
    assert await _rows(bot) == before


async def test_update_kinds_linli_does_not_handle_are_acknowledged(bot: TelegramBot) -> None:
    edited = bot.tg.text(LIN, "改过的消息")
    edited["edited_message"] = edited.pop("message")
    before = await _rows(bot)
    assert (await bot.post(edited)).status_code == 200
    assert await _rows(bot) == before and not bot.tg.sent()


async def test_a_redelivered_update_takes_effect_once(bot: TelegramBot) -> None:
    await bot.script(LIN, REGISTRATION_ZH[:-1])
    consent = bot.tg.press(LIN, "同意")
    assert (await bot.post(consent)).status_code == 200
    first = bot.new_for(LIN)
    assert "登记完成，小林" in first
    before = await _rows(bot)
    # Telegram retries when it did not get our 200: same update_id, same body.
    assert (await bot.post(consent)).status_code == 200
    assert await _rows(bot) == before  # no second consent, person, state change or audit entry
    assert bot.new_for(LIN) == first  # the stored replies are sent again, not recomputed
    async with bot.app.db.transaction() as session:
        consents = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
    assert consents == 1


async def test_a_redelivered_text_update_does_not_advance_the_dialog_twice(
    bot: TelegramBot,
) -> None:
    await bot.script(TOM, [("/start", "Welcome"), ("[English]", "How will you use")])
    await bot.send(TOM, "[Resident]")
    await bot.send(TOM, "[百环社区]")
    await bot.send(TOM, "[第一网格]")
    name = bot.tg.text(TOM, "Tommy")
    for _ in range(3):
        assert (await bot.post(name)).status_code == 200
    async with bot.app.db.transaction() as session:
        state = await session.get(DialogState, ("telegram", str(TOM.id)))
        assert state is not None and state.step == "consent"


async def test_a_button_on_an_expired_message_gets_a_clear_answer(bot: TelegramBot) -> None:
    await bot.script(LIN, REGISTRATION_ZH)
    # An old notice whose item no longer exists: its payload is unknown to the dispatcher.
    notice = {
        "message_id": 42,
        "date": 1_700_000_000,
        "chat": LIN.chat(),
        "text": "提案 #999 有新进展",
        "reply_markup": {"inline_keyboard": [[{"text": "附议", "callback_data": "gone:999"}]]},
    }
    assert (await bot.post(bot.tg.press_data(LIN, "gone:999", notice))).status_code == 200
    assert "这个按钮已经失效了" in bot.new_for(LIN)
    assert bot.tg.calls_of("answerCallbackQuery")  # the spinner stops


async def test_a_press_whose_message_is_too_old_to_edit_still_works(bot: TelegramBot) -> None:
    await bot.send(LIN, "/start")
    message = bot.tg.last_with_buttons(LIN.id)
    inaccessible = {"message_id": message["message_id"], "chat": LIN.chat(), "date": 0}
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert (await bot.post(bot.tg.press_data(LIN, data, inaccessible))).status_code == 200
    assert "您是以什么身份使用" in bot.new_for(LIN)
    assert not bot.tg.calls_of("editMessageText")
