"""The relay and the reach details under the privacy text's promises: exported by /mydata, erased
by /forget and with the item after the retention period, a health note deleted the moment the
separate consent is withdrawn ("撤回后立即删除")."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from storage.models import Assignment, Need, NeedSensitive, Person, RelayMessage
from storage.repos import privacy as privacy_repo
from tests.e2e.test_relay import ASK_ZH, CONSENT
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.relay import offers, thread
from tests.support.volunteering import Talk


async def _talked(chat: Chat, talk: Talk) -> str:
    """王凤兰's need #1 (door, health note) taken, a message each way; the volunteer's name."""
    await talk.script("王凤兰", [("/address 3单元 502", "已登记门牌"), *CONSENT, *ASK_ZH])
    await talk.text("王海燕", "/dispatch 1")
    (offer_id, volunteer), *_ = await offers(chat.app, 1)
    await talk.text(volunteer, payload=f"offer:{offer_id}:accept")
    await talk.text(volunteer, "/msg 1 明早八点到")
    await talk.text("王凤兰", "/msg 1 好的，谢谢")
    return volunteer


def _export(replies: list) -> dict:
    [document] = [r.document for r in replies if r.document]
    return json.loads(document[1])


async def test_mydata_holds_the_door_the_health_note_and_the_messages(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    volunteer = await _talked(chat, talk)
    mine = _export(await chat.say("王凤兰", "/mydata"))
    assert mine["profile"]["address"] == "3单元 502"
    assert mine["needs"][0]["sensitive_note"] == "我有高血压"
    assert [(m["direction"], m["text"]) for m in mine["messages"]] == [
        ("received", "明早八点到"),
        ("sent", "好的，谢谢"),
    ]
    theirs = _export(await chat.say(volunteer, "/mydata"))
    assert [m["text"] for m in theirs["messages"]] == ["明早八点到", "好的，谢谢"]
    assert "我有高血压" not in json.dumps(theirs, ensure_ascii=False)


async def test_withdrawing_the_sensitive_consent_deletes_the_health_note(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    volunteer = await _talked(chat, talk)
    await talk.script("王凤兰", [("/sensitive_consent", "撤回同意"), ("3", "已撤回同意")])
    async with chat.app.db.transaction() as session:
        assert (await session.execute(select(NeedSensitive))).first() is None
    assert "高血压" not in await talk.text(volunteer, "/tasks")


async def test_forget_erases_the_threads_the_door_and_the_health_note(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    volunteer = await _talked(chat, talk)
    async with chat.app.db.transaction() as session:  # the task over: /forget is not refused
        await session.execute(update(Assignment).values(status="confirmed"))
        await session.execute(update(Need).values(status="done"))
    await talk.script("王凤兰", [("/forget", "确定要注销吗"), ("1", "您的信息已删除")])
    assert await thread(chat.app, "need", 1) == []
    async with chat.app.db.transaction() as session:
        assert (await session.execute(select(NeedSensitive))).first() is None
        erased = (
            await session.execute(select(Person).where(Person.erased_at.is_not(None)))
        ).scalar_one()
        assert erased.address is None
    assert _export(await chat.say(volunteer, "/mydata"))["messages"] == []


async def test_a_closed_needs_thread_and_note_go_after_the_retention_period(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    await _talked(chat, talk)
    now = clock()
    async with chat.app.db.transaction() as session:
        await session.execute(update(Need).values(status="done", closed_at=now))
        early = await privacy_repo.anonymize_expired(session, now, 30)
        assert early["messages"] == 0 and early["sensitive_notes"] == 0  # closed today: kept
        assert (await session.execute(select(RelayMessage))).first() is not None
        changed = await privacy_repo.anonymize_expired(session, now + timedelta(days=31), 30)
        assert changed["messages"] == 2 and changed["sensitive_notes"] == 1
        assert (await session.execute(select(RelayMessage))).first() is None
        assert (await session.execute(select(NeedSensitive))).first() is None


async def test_the_consent_texts_promise_what_these_tests_check(chat: Chat) -> None:
    """The promises the tests above hold the code to are the ones people agree to."""
    i18n = chat.app.deps.i18n
    sensitive = i18n.translate("zh_CN", "privacy.sensitive_ask")
    assert "只给承接该需求的志愿者看，不会出现在派单消息里" in sensitive
    assert "撤回后立即删除" in sensitive
    assert "kept apart" in i18n.translate("en", "privacy.sensitive_ask")
    policy = i18n.translate("zh_CN", "start.ask_consent", version="v", days=730)
    assert "号码只在您自己选择分享时才给对方" in policy and "/forget" in policy
