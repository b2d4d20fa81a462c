"""A recurring need: weekly, two occurrences each offered, done, confirmed and counted; paused,
no new occurrence; ended."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.sweeps import Periodic, Sweeper
from storage.models import Need, NeedSeries, ServiceRecord
from tests.e2e.test_tasks import _need, _offers, _round
from tests.support.chat import Chat
from tests.support.clock import FakeClock


async def _occurrences(chat: Chat) -> None:
    await Sweeper(
        chat.app.deps, periodic=(Periodic("series_occurrences", "minutes", minutes=15),)
    ).tick()


async def _serve(chat: Chat, need_id: int) -> None:
    """Offer, accept, done with 2 hours, confirmed by the resident in words."""
    await _round(chat.app, need_id)
    (offer_id, volunteer, _), *_ = await _offers(chat.app, need_id)
    await chat.say(volunteer, payload=f"offer:{offer_id}:accept")
    await chat.script(volunteer, [(f"/task_done {need_id} 2", "已标记")])  # the need's number
    assert "记录服务时长 2.0 小时" in await chat.text("王凤兰", "确认完成")


async def test_a_weekly_visit_with_two_occurrences_paused_and_ended(
    chat: Chat, clock: FakeClock
) -> None:
    first = await _need(chat.app)  # Tuesday 09:00–11:00
    assert "多久重复一次" in await chat.text("王凤兰", f"/need_repeat {first}")
    made = await chat.text("王凤兰", "1")  # weekly
    assert "定期服务 #1" in made and "2026-12-08 09:00" in made
    assert "没有权限" in await chat.text("李建国", "/series 1 pause")
    clock.advance(days=1, hours=1)  # Tuesday 11:00: the first visit is done
    await _serve(chat, first)
    clock.advance(days=5)  # Sunday: nothing yet (created a day before)
    await _occurrences(chat)
    clock.advance(days=1)  # Monday 11:00
    await _occurrences(chat)
    async with chat.app.db.transaction() as session:
        needs = list((await session.execute(select(Need).order_by(Need.id))).scalars())
    assert len(needs) == 2 and needs[1].series_id == needs[0].series_id == 1
    second = needs[1]
    assert second.status == "open" and second.notes == needs[0].notes
    assert second.window_start - needs[0].window_start == timedelta(weeks=1)
    assert second.window_end - second.window_start == timedelta(hours=2)
    assert "定期服务 #1 中的一次" in await chat.text("王凤兰", f"/need_status {second.id}")
    clock.advance(days=1)  # Tuesday 11:00: the second visit is done
    await _serve(chat, second.id)
    async with chat.app.db.transaction() as session:
        records = list((await session.execute(select(ServiceRecord))).scalars())
    assert len(records) == 2 and all(r.hours == 2 for r in records)
    assert "已暂停" in await chat.text("王凤兰", "/series 1 pause")
    clock.advance(days=7)
    await _occurrences(chat)
    async with chat.app.db.transaction() as session:
        assert len(list((await session.execute(select(Need))).scalars())) == 2
    assert "已结束" in await chat.text("王凤兰", "/series 1 end")
    async with chat.app.db.transaction() as session:
        assert (await session.get(NeedSeries, 1)).status == "ended"


async def test_a_series_ends_when_its_resident_is_erased(chat: Chat, clock: FakeClock) -> None:
    first = await _need(chat.app)
    await chat.text("王凤兰", f"/need_repeat {first} daily")
    await chat.script("王凤兰", [("/forget", "确定要注销吗"), ("1", "您的信息已删除")])
    clock.advance(days=2)
    await _occurrences(chat)
    async with chat.app.db.transaction() as session:
        assert (await session.get(NeedSeries, 1)).status == "ended"
        assert len(list((await session.execute(select(Need))).scalars())) == 1
