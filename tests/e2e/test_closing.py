"""Closing the loop: done with hours → reminder → confirm (words, command, /need_status buttons,
an organizer on the resident's behalf, or by itself) → rating → hours on /hours."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.core.config import ClosingRules
from handlers.sweeps import Sweeper
from storage.models import Assignment, AuditEntry, Need, Person, ServiceRecord
from tests.e2e.test_tasks import _accepted_task, _outbox_to
from tests.support.chat import Chat, render
from tests.support.clock import FakeClock
from tests.support.config import reconfigure


async def _sweep(chat: Chat) -> None:
    await Sweeper(chat.app.deps, periodic=()).tick()


async def _task(chat: Chat, task_id: int) -> Assignment:
    async with chat.app.db.transaction() as session:
        task = await session.get(Assignment, task_id)
        assert task is not None
        return task


async def test_done_asks_hours_then_reminder_confirm_in_words_rating_and_hours(
    chat: Chat, clock: FakeClock
) -> None:
    need_id, name, task_id = await _accepted_task(chat)  # window: Tuesday 09:00–11:00
    assert "开始之前还不能标记完成" in render(await chat.say(name, payload=f"taskdone:{need_id}"))
    clock.advance(days=1, hours=1)  # Tuesday 11:00 in Beijing
    asked = render(await chat.say(name, payload=f"taskdone:{need_id}"))
    assert "计划时长 2.0 小时" in asked and "最多 2.0 小时" in asked
    assert "不能超过任务的时间段" in render(await chat.say(name, "3.5小时"))  # over the window
    assert "已标记任务完成" in render(await chat.say(name, "1.5小时"))
    assert (await _task(chat, task_id)).hours == 1.5
    status = render(await chat.say("王凤兰", f"/need_status {need_id}"))
    assert "确认完成" in status and "没有完成" in status  # the buttons come back any time
    clock.advance(hours=25)
    await _sweep(chat)
    assert any("提醒" in t and f"#{need_id}" in t for t in await _outbox_to(chat.app, "王凤兰"))
    assert "没有权限" in render(await chat.say("李建国", f"/task_confirm {need_id}"))
    confirmed = render(await chat.say("王凤兰", "完成了"))
    assert "记录服务时长 1.5 小时" in confirmed and "评分" in confirmed
    await chat.script(
        "王凤兰",
        [("5", "★★★★★"), ("小张很耐心", "已记录您的意见")],
    )
    async with chat.app.db.transaction() as session:
        need = await session.get(Need, need_id)
        assert need is not None and need.status == "done" and need.rating == 5
        record = (await session.execute(select(ServiceRecord))).scalar_one()
        assert record.hours == 1.5 and record.assignment_id == task_id
    assert "1.5" in render(await chat.say(name, "/hours"))
    forgetting = render(await chat.say(name, "/forget"))
    assert "进行中的事项" not in forgetting and "1." in forgetting  # asked to confirm
    await _sweep(chat)  # the automatic confirmation finds the task confirmed: nothing happens
    assert sum("自动确认完成" in t for t in await _outbox_to(chat.app, "王凤兰")) == 0


async def test_nobody_confirms_the_task_confirms_itself_and_a_dispute_stays_possible(
    chat: Chat, clock: FakeClock
) -> None:
    reconfigure(chat.app, closing=ClosingRules(auto_confirm_days=2, dispute_days=5))
    need_id, name, task_id = await _accepted_task(chat)
    clock.advance(days=1, hours=1)
    await chat.say(name, f"/task_done {need_id} 2")
    clock.advance(days=2, hours=1)
    await _sweep(chat)
    task = await _task(chat, task_id)
    assert task.status == "confirmed" and task.confirmed_by_id is None
    told = [t for t in await _outbox_to(chat.app, "王凤兰") if "自动确认完成" in t]
    assert len(told) == 1 and "仍可提出异议" in told[0]
    clock.advance(days=1)
    assert "已记录您的异议" in render(await chat.say("王凤兰", payload=f"taskbad:{task_id}"))
    async with chat.app.db.transaction() as session:
        record = (await session.execute(select(ServiceRecord))).scalar_one()
        assert record.correction_requested == 0  # the hours wait for an organizer's review
    assert any("有异议" in t for t in await _outbox_to(chat.app, "王海燕"))


async def test_dispute_window_closes(chat: Chat, clock: FakeClock) -> None:
    reconfigure(chat.app, closing=ClosingRules(auto_confirm_days=1, dispute_days=1))
    need_id, name, task_id = await _accepted_task(chat)
    clock.advance(days=1, hours=1)
    await chat.say(name, f"/task_done {need_id} 2")
    clock.advance(days=1, hours=1)
    await _sweep(chat)
    clock.advance(days=2)
    assert "已经确认过" in render(await chat.say("王凤兰", payload=f"taskbad:{task_id}"))


async def test_an_organizer_confirms_on_behalf_audited_and_the_resident_is_told(
    chat: Chat, clock: FakeClock
) -> None:
    need_id, name, task_id = await _accepted_task(chat)
    clock.advance(days=1, hours=1)
    await chat.say(name, f"/task_done {need_id} 2")
    assert "代居民确认" in render(await chat.say("王海燕", f"/task_confirm {need_id}"))
    assert any("代您确认" in t for t in await _outbox_to(chat.app, "王凤兰"))
    async with chat.app.db.transaction() as session:
        rows = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "task.confirm"))
        ).scalars()
        [row] = list(rows)
        assert row.target == f"task:{task_id}" and "on_behalf" in str(row.details)


@pytest.mark.parametrize("lang", ["en"])
async def test_closing_in_english(chat: Chat, clock: FakeClock, lang: str) -> None:
    need_id, name, _ = await _accepted_task(chat)
    async with chat.app.db.transaction() as session:
        for person in (await session.execute(select(Person))).scalars():
            if person.display_name in ("王凤兰", name):
                person.lang = lang
    clock.advance(days=1, hours=1)
    assert "How long" in render(await chat.say(name, payload=f"taskdone:{need_id}"))
    assert "marked done" in render(await chat.say(name, "2"))
    got = render(await chat.say("王凤兰", f"/task_confirm {need_id}"))
    assert "2.0 h recorded" in got and "rate" in got
