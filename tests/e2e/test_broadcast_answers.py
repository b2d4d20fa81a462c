"""Answers to notices, in Chinese first: "我能来" reaches the organizer; for an activity it signs
the person up; old notices, other words and people who got nothing are read as usual."""

from __future__ import annotations

from sqlalchemy import select

from bot.console import Console
from storage.models import ActivitySignup
from tests.e2e.test_activities import inbox, person_id, publish
from tests.e2e.test_broadcasts import COMPOSE, ORGANIZER
from tests.support.chat import Chat
from tests.support.clock import FakeClock


async def send(chat: Chat, start: str = "/broadcast", who: str = ORGANIZER) -> str:
    """Compose and send a notice now, delivered to console users; returns the preview."""
    await chat.script(who, [(start, "请选择发送范围"), *COMPOSE[1:]])
    preview = await chat.text(who, "1")  # now
    assert "已进入发送队列" in await chat.text(who, "1")
    await Console(chat.app, write=lambda _line: None).deliver()
    return preview


async def test_i_can_come_reaches_the_organizer_once(chat: Chat) -> None:
    await send(chat)
    assert "已把您的回复转给发通知 #1 的工作人员" in await chat.text("王秀兰", "我能来！")
    assert (
        "王秀兰 回复了您的通知 #1（本周六上午九点在社区广场集合，参加冬季扫…）：「我能来!」"
        in (await inbox(chat, ORGANIZER))[-1]
    )
    assert "已经回复过通知 #1" in await chat.text("王秀兰", "报名")
    assert "回复能来的：1 人" in await chat.text(ORGANIZER, "/broadcast_status 1")


async def test_other_words_old_notices_and_non_recipients_are_read_as_usual(
    chat: Chat, clock: FakeClock
) -> None:
    await send(chat)
    assert "转给发通知" not in await chat.text("王凤兰", "我能来")  # the notice was not for her
    assert "转给发通知" not in await chat.text("王秀兰", "我来不了")
    assert "转给发通知" not in await chat.text("王秀兰", "好的")  # an acknowledgement only
    clock.advance(days=8)
    assert "转给发通知" not in await chat.text("李建国", "我能来")
    assert "回复能来的" not in await chat.text(ORGANIZER, "/broadcast_status 1")


async def test_answering_a_notice_for_an_activity_signs_up(chat: Chat) -> None:
    activity = await publish(chat, slots="5")
    preview = await send(chat, f"/activity_broadcast {activity.id}")
    assert "直接回复「报名」或「我能来」，即可报名「楼道清扫日」" in preview
    text = await chat.text("王秀兰", "报名")
    assert "楼道清扫日" in text
    volunteer = await person_id(chat, "王秀兰")
    async with chat.app.db.transaction() as session:
        status = await session.scalar(
            select(ActivitySignup.status).where(
                ActivitySignup.activity_id == activity.id, ActivitySignup.person_id == volunteer
            )
        )
    assert status == "confirmed"
    assert "已为其报名活动" in (await inbox(chat, ORGANIZER))[-1]
    assert "您已报名「楼道清扫日」" in await chat.text("王秀兰", "我能来")  # once


async def test_only_organizers_over_the_activity_send_for_it(chat: Chat) -> None:
    activity = await publish(chat)
    assert "没有权限" in await chat.text("王秀兰", f"/activity_broadcast {activity.id}")
    assert "没有权限" in await chat.text("李梦瑶", f"/activity_broadcast {activity.id}")
    assert "请写活动编号" in await chat.text(ORGANIZER, "/activity_broadcast")


async def test_an_english_answer(chat: Chat) -> None:
    await chat.script(
        "李梦瑶",
        [
            ("/broadcast", "请选择发送范围"),
            ("1", "发给谁"),
            ("1", "按语言筛选"),  # everyone
            ("1", "请输入通知内容"),
            ("周六上午社区广场有义诊活动", "什么时候发送"),
            ("1", "将发送给"),
            ("1", "已进入发送队列"),
        ],
    )
    await Console(chat.app, write=lambda _line: None).deliver()
    text = await chat.text("Michael Brown", "I can come!")
    assert "Your answer was passed on to whoever sent notice #1" in text
    assert "Michael Brown answered your notice #1" not in text
    assert "Michael Brown 回复了您的通知 #1" in (await inbox(chat, "李梦瑶"))[-1]
