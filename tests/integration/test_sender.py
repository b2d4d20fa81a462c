"""The outbox sender: limits, retries, blocked users, crash recovery, concurrent senders."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.sender import Limits, OutboxSender, SendResult
from storage.models import Identity, OutboxMessage, Person
from storage.repos import outbox
from tests.support.clock import FakeClock
from tests.support.transport import ScriptedTransport

FAST = Limits(per_second=10_000, per_chat_per_second=1, in_flight=8, lease_s=30)


async def _enqueue(app: App, chats: list[str], text: str = "通知") -> list[int]:
    now = app.deps.clock()
    async with app.db.transaction() as session:
        rows = [
            outbox.enqueue(
                session,
                person_id=None,
                channel="console",
                external_id=chat,
                payload={"text": f"{text} {i}"},
                now=now,
            )
            for i, chat in enumerate(chats)
        ]
        await session.flush()
        return [row.id for row in rows]


async def _statuses(app: App) -> dict[int, str]:
    async with app.db.transaction() as session:
        rows = (await session.execute(select(OutboxMessage.id, OutboxMessage.status))).all()
    return {row_id: status for row_id, status in rows}


async def test_everything_due_is_sent_once(app: App) -> None:
    ids = await _enqueue(app, [f"u{i}" for i in range(40)])
    transport = ScriptedTransport()
    stats = await OutboxSender(app.db, transport, app.deps.clock, FAST).drain()
    assert stats.sent == 40
    assert set(transport.delivered) == set(ids) and set(transport.delivered.values()) == {1}
    assert set((await _statuses(app)).values()) == {"sent"}


async def test_one_message_per_second_per_chat(app: App, clock: FakeClock) -> None:
    await _enqueue(app, ["same"] * 3)
    transport = ScriptedTransport()
    sender = OutboxSender(app.db, transport, clock, FAST)
    first = await sender.drain()
    assert first.sent == 1 and first.deferred == 2
    async with app.db.transaction() as session:
        waiting = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        ).scalars()
        assert all(row.not_before > clock() for row in waiting)


async def test_rate_limited_send_is_retried_not_dropped(app: App, clock: FakeClock) -> None:
    [row_id] = await _enqueue(app, ["busy"])
    transport = ScriptedTransport(
        script={"busy": [SendResult("retry", 0.01, error="rate_limited")]}
    )
    sender = OutboxSender(app.db, transport, clock, FAST)
    stats = await sender.drain()
    assert stats.rate_limited == 1 and not transport.delivered
    clock.advance(seconds=1)
    assert (await sender.drain()).sent == 1
    assert transport.delivered[row_id] == 1


async def test_blocked_user_is_marked_and_not_retried(app: App, clock: FakeClock) -> None:
    async with app.db.transaction() as session:
        person = Person(display_name="x")
        session.add(person)
        await session.flush()
        session.add(Identity(person_id=person.id, channel="console", external_id="gone"))
    ids = await _enqueue(app, ["gone", "gone"])
    transport = ScriptedTransport(script={"gone": [SendResult("blocked", error="forbidden")]})
    await OutboxSender(app.db, transport, clock, FAST).drain()
    clock.advance(seconds=5)
    await OutboxSender(app.db, transport, clock, FAST).drain()
    assert {(await _statuses(app))[i] for i in ids} == {"blocked"}
    async with app.db.transaction() as session:
        ident = (
            await session.execute(select(Identity).where(Identity.external_id == "gone"))
        ).scalar_one()
        assert ident.unreachable_at is not None


async def test_a_sender_that_died_mid_send_loses_nothing(app: App, clock: FakeClock) -> None:
    ids = await _enqueue(app, [f"u{i}" for i in range(20)])
    async with app.db.transaction() as session:  # a sender claims 8 rows, then is killed
        claimed = await outbox.claim(
            session, "console", clock(), 8, clock() + timedelta(seconds=30)
        )
    assert len(claimed) == 8
    transport = ScriptedTransport()
    survivor = OutboxSender(app.db, transport, clock, FAST)
    assert (await survivor.drain()).sent == 12  # the leased rows wait for their lease to end
    clock.advance(seconds=31)
    stats = await survivor.drain()
    assert stats.reclaimed == 8 and stats.sent == 8
    assert set(transport.delivered) == set(ids)
    async with app.db.transaction() as session:
        reclaims = (await session.execute(select(OutboxMessage.reclaims))).scalars().all()
    assert sum(reclaims) == 8  # possible duplicates, counted and bounded by one claim


async def test_two_senders_never_send_the_same_row(app: App) -> None:
    ids = await _enqueue(app, [f"u{i}" for i in range(120)])
    transport = ScriptedTransport(delay_s=0.001)
    senders = [OutboxSender(app.db, transport, app.deps.clock, FAST) for _ in range(2)]
    results = await asyncio.gather(*(s.drain() for s in senders))
    assert sum(r.sent for r in results) == 120
    assert set(transport.delivered) == set(ids) and max(transport.delivered.values()) == 1


async def test_the_per_chat_send_times_are_forgotten_once_past(
    app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.sender.CHATS_TRACKED", 10)
    sender = OutboxSender(app.db, ScriptedTransport(), clock, FAST)
    await _enqueue(app, [f"early{i}" for i in range(15)])
    assert (await sender.drain()).sent == 15
    assert sender.chats_tracked == 15  # all still within their gap
    clock.advance(seconds=5)
    await _enqueue(app, [f"late{i}" for i in range(30)])
    assert (await sender.drain()).sent == 30
    assert sender.chats_tracked <= 30  # the early chats' past send times were dropped
