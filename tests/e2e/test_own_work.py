"""Nobody approves their own work: on every review path the reviewer is not the record's subject.

Hours corrections, task confirmation (and its dispute), a need's rating, a proposal's decision
and its "done", an activity's attendance and hours, a report's resolution: each refused to the
person it is about, with the same reply, and allowed to another member of staff.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from storage.models import ActivitySignup, Assignment, GridReport, Need, ServiceRecord
from tests.e2e.test_activities import publish
from tests.e2e.test_tasks import _need
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_report
from tests.support.proposals import get, propose, set_threshold
from tests.support.volunteering import person_id, record, stored_record

OWN = "这件事与您本人有关，不能由您自己审核、确认或决定"


async def test_an_organizer_cannot_approve_their_own_hours(chat: Chat, clock: FakeClock) -> None:
    record_id = await record(chat, "王海燕", "2", clock.now - timedelta(days=1))
    await chat.script(
        "王海燕",
        [(f"/hours_fix {record_id}", "现在是 2.0 小时"), ("10", "原因"), ("多干了八小时", "")],
    )
    assert "没有待审核" in await chat.text("王海燕", "/hours_review")  # not offered to her
    for button in (f"hours_ok:{record_id}", f"hours_no:{record_id}"):
        assert OWN in await chat.text("王海燕", payload=button)
    stored = await stored_record(chat, record_id)
    assert stored.hours == Decimal("2.0") and stored.correction_requested == Decimal("10.0")
    assert "已通过" in await chat.text("孙建平", payload=f"hours_ok:{record_id}")  # a colleague


async def _task_of(chat: Chat, helper: str, *, status: str = "done_marked") -> tuple[int, int]:
    """A need of 王凤兰's with `helper` assigned and the task marked done: (need id, task id)."""
    need_id = await _need(chat.app)
    pid = await person_id(chat, helper)
    now = chat.app.deps.clock()
    async with chat.app.db.transaction() as session:
        need = await session.get(Need, need_id)
        assert need is not None
        need.status = "assigned"
        task = Assignment(
            need_id=need_id,
            person_id=pid,
            status=status,
            accepted_at=now,
            done_at=now,
            hours=Decimal(3),
        )
        session.add(task)
        await session.flush()
        return need_id, task.id


async def test_staff_cannot_confirm_or_dispute_their_own_task(chat: Chat) -> None:
    _, task_id = await _task_of(chat, "王海燕")  # an organizer over the need's community
    for button in (f"taskok:{task_id}", f"taskbad:{task_id}"):
        assert OWN in await chat.text("王海燕", payload=button)
    async with chat.app.db.transaction() as session:
        assert (await session.get(Assignment, task_id)).status == "done_marked"
        assert await session.scalar(select(ServiceRecord.id)) is None
    assert "记录服务时长 3.0 小时" in await chat.text("孙建平", payload=f"taskok:{task_id}")


async def test_who_entered_a_need_and_served_it_cannot_rate_it(chat: Chat) -> None:
    need_id, _ = await _task_of(chat, "张磊", status="confirmed")
    worker = await person_id(chat, "张磊")
    async with chat.app.db.transaction() as session:
        need = await session.get(Need, need_id)
        assert need is not None
        need.person_id, need.entered_by_id = None, worker  # for someone without a channel
        need.status = "done"
    assert OWN in await chat.text("张磊", payload=f"needrate:{need_id}:5")
    async with chat.app.db.transaction() as session:
        assert (await session.get(Need, need_id)).rating is None


async def test_an_organizer_cannot_decide_their_own_proposal(chat: Chat) -> None:
    await set_threshold(chat, "CY-JS-01", 1)
    await propose(chat, "王海燕", "加装电梯", "我们103号楼都是老人，六层没有电梯，希望加装电梯。")
    await chat.text("李福海", "/cosign 1")
    assert (await get(chat, 1)).status == "seconded"
    assert OWN in await chat.text("王海燕", "/decide 1")
    assert (await get(chat, 1)).status == "seconded"
    assert "社区的决定是" in await chat.text("孙建平", "/decide 1")


async def test_who_marked_a_project_done_cannot_confirm_it(chat: Chat) -> None:
    await set_threshold(chat, "CY-JS-01", 2)
    await propose(chat, "王凤兰", "加装电梯", "我们103号楼都是老人，六层没有电梯，希望加装电梯。")
    await chat.text("王海燕", "/cosign 1")  # the organizer follows it too
    await chat.text("李福海", "/cosign 1")
    await chat.script(
        "孙建平",
        [
            ("/decide 1", "决定是"),
            ("1", "由谁负责"),
            ("居委会", "责任单位"),
            ("跳过", "资金来源"),
            ("跳过", "什么时候"),
            ("12月31日", ""),
        ],
    )
    await chat.script("王海燕", [("/progress 1", "进展"), ("装好了", "状态"), ("2", "已标记完成")])
    assert OWN in await chat.text("王海燕", "/confirm 1")
    assert "谢谢确认" in await chat.text("王凤兰", "/confirm 1")


async def test_a_participant_cannot_close_the_activity(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="3")
    organizer = await person_id(chat, "王海燕")
    async with chat.app.db.transaction() as session:
        session.add(
            ActivitySignup(
                activity_id=activity.id,
                person_id=organizer,
                status="confirmed",
                position=1,
            )
        )
    clock.advance(hours=25)  # after the end
    assert OWN in await chat.text("王海燕", f"/activity_close {activity.id}")
    assert "出勤" in await chat.text("孙建平", f"/activity_close {activity.id}")


async def test_a_reporter_cannot_close_their_own_report(chat: Chat) -> None:
    report_id = await make_report(chat.app, reporter="张磊")  # the grid worker reports himself
    assert OWN in await chat.text("张磊", payload=f"rclose:{report_id}")
    async with chat.app.db.transaction() as session:
        assert (await session.get(GridReport, report_id)).status == "open"
    assert "办结说明" in await chat.text("王海燕", payload=f"rclose:{report_id}")
