"""An accept pressed on an offer that is no longer pending is refused and assigns nothing.

Declined, timed out and withdrawn offers keep their buttons in people's chats; pressing accept
there later must not take the need, even while it is open to others again.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.notify import Sink
from handlers.tasks import expire_offer
from storage.models import Assignment, DueJob, TaskOffer
from tests.e2e.test_tasks import _need, _offers, _round
from tests.support.chat import Chat, render
from tests.support.clock import FakeClock

GONE = "这个任务已经失效"


async def _assignments(chat: Chat) -> list[tuple[int, str]]:
    async with chat.app.db.transaction() as session:
        rows = await session.execute(select(Assignment.person_id, Assignment.status))
        return [(int(pid), str(status)) for pid, status in rows.all()]


async def _status(chat: Chat, offer_id: int) -> str:
    async with chat.app.db.transaction() as session:
        offer = await session.get(TaskOffer, offer_id)
        assert offer is not None
        return offer.status


async def test_accept_after_decline_is_refused(chat: Chat) -> None:
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    (offer_id, name, _), *_ = await _offers(chat.app, need_id)
    assert "已婉拒" in render(await chat.say(name, payload=f"offer:{offer_id}:decline"))
    assert GONE in render(await chat.say(name, payload=f"offer:{offer_id}:accept"))
    assert await _assignments(chat) == []
    assert await _status(chat, offer_id) == "declined"


async def test_accept_after_time_out_is_refused(chat: Chat, clock: FakeClock) -> None:
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    (offer_id, name, _), *_ = await _offers(chat.app, need_id)
    clock.advance(hours=3)
    async with chat.app.db.transaction() as session:
        job = (
            await session.execute(
                select(DueJob).where(DueJob.kind == "offer_timeout", DueJob.ref == str(offer_id))
            )
        ).scalar_one()
        await expire_offer(
            Sink.bare(session, chat.app.deps, clock()),
            job,
        )
    assert await _status(chat, offer_id) == "timed_out"
    assert GONE in render(await chat.say(name, payload=f"offer:{offer_id}:accept"))
    assert await _assignments(chat) == []
    assert await _status(chat, offer_id) == "timed_out"


async def test_accept_after_withdrawal_is_refused_even_when_the_need_reopens(chat: Chat) -> None:
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    (first, first_name, _), (second, second_name, _), *_ = await _offers(chat.app, need_id)
    await chat.say(second_name, payload=f"offer:{second}:accept")
    assert await _status(chat, first) == "withdrawn"
    await chat.script(
        second_name, [(f"/task_cancel {need_id}", "取消的原因"), ("临时有事", "已取消")]
    )
    # The need is offered again (status "matching"): only the offer's own state can refuse now.
    assert GONE in render(await chat.say(first_name, payload=f"offer:{first}:accept"))
    assert [status for _, status in await _assignments(chat)] == ["cancelled"]
    assert await _status(chat, first) == "withdrawn"
