"""An urgent need ("很急", "今天就要", "马上") is offered at once, even in the quiet hours, and the
community's organizers are told at once; an ordinary need at night waits for the morning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.core.notify import URGENT_KINDS
from matching.understand.urgency import is_urgent
from storage.models import Need, OutboxMessage, TaskOffer
from tests.support.chat import Chat
from tests.support.clock import FakeClock

LATE = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 in Beijing


@pytest.mark.parametrize(
    ("said", "urgent"),
    [
        ("陪老人看病，很急", True),
        ("今天就要有人帮我买药", True),
        ("马上来人帮忙", True),
        ("I need a ride to the hospital, urgent", True),
        ("陪老人看病", False),
        ("不急，下周陪我看病", False),
        ("急诊科复查", False),  # a word with 急 in it is not urgency
    ],
)
def test_urgency_is_read_narrowly(said: str, urgent: bool) -> None:
    assert is_urgent(said) is urgent


async def _rows(chat: Chat) -> list[OutboxMessage]:
    async with chat.app.db.transaction() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


async def _ask(chat: Chat, what: str) -> str:
    await chat.text("王凤兰", "需求")
    await chat.text("王凤兰", what)
    await chat.text("王凤兰", "1")  # the service
    await chat.text("王凤兰", "灵活")  # any time
    await chat.text("王凤兰", "1")  # at home
    await chat.text("王凤兰", "跳过")  # no notes
    return await chat.text("王凤兰", "1")  # submit


async def test_an_urgent_need_at_2330_is_offered_at_once_and_organizers_alerted(
    chat: Chat, clock: FakeClock
) -> None:
    clock.now = LATE
    done = await _ask(chat, "陪老人看病，很急")
    assert "已提交服务需求" in done and "已立即通知" in done
    async with chat.app.db.transaction() as session:
        need = (await session.execute(select(Need))).scalar_one()
        assert need.urgency == "urgent" and need.status == "matching"
        offers = list((await session.execute(select(TaskOffer))).scalars())
    assert offers and all(
        o.due_at.replace(tzinfo=UTC) < datetime(2026, 12, 1, tzinfo=UTC) for o in offers
    )
    rows = await _rows(chat)
    offered = [r for r in rows if r.kind == "urgent_offer"]
    assert len(offered) == len(offers) and all(r.urgent for r in offered)
    assert all(r.not_before.replace(tzinfo=UTC) == LATE for r in offered)
    alerts = [r for r in rows if r.kind == "urgent_need"]
    assert any(r.external_id == "王海燕" and "紧急需求" in r.payload["text"] for r in alerts)
    assert {"urgent_offer", "urgent_need"} <= set(URGENT_KINDS)


async def test_an_ordinary_need_at_night_is_not_offered_before_morning(
    chat: Chat, clock: FakeClock
) -> None:
    clock.now = LATE
    done = await _ask(chat, "陪老人看病")
    assert "已提交服务需求" in done and "已立即通知" not in done
    async with chat.app.db.transaction() as session:
        need = (await session.execute(select(Need))).scalar_one()
        assert need.urgency == "normal" and need.status == "open"
    assert not [r for r in await _rows(chat) if r.kind in ("urgent_offer", "urgent_need")]


async def test_urgency_said_when_asked_for_the_time_counts_and_is_shown_before_submitting(
    chat: Chat, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    await chat.text("王凤兰", "需求")
    await chat.text("王凤兰", "陪老人看病")
    await chat.text("王凤兰", "1")  # the service
    await chat.text("王凤兰", "很急，今天下午就要")  # the time, typed
    await chat.text("王凤兰", "1")  # at home
    summary = await chat.text("王凤兰", "跳过")  # no notes
    assert "紧急：是" in summary
    done = await chat.text("王凤兰", "1")  # submit
    assert "已立即通知" in done
    async with chat.app.db.transaction() as session:
        need = (await session.execute(select(Need))).scalar_one()
    assert need.urgency == "urgent"
