"""The relay's authorization matrix: nobody outside an item reads or writes its thread.

For a need: other residents, volunteers who only got the offer, who declined it or who were
replaced after cancelling, and staff (an organizer over the need may see the need, not the
thread). For a report: other residents, a grid worker of another grid, the organizer. Every
refusal leaves every table as it was; the parties themselves get through.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.models import TaskOffer
from tests.e2e.test_authorization import _diff, _snapshot
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import inbox, make_report
from tests.support.relay import offers, thread
from tests.support.volunteering import Talk

ASK = [
    ("需求", "您需要什么服务？"),
    ("陪老人看病", "1. 陪诊服务"),
    ("1", "什么时间方便？"),
    ("2", "在哪里提供服务"),
    ("朝阳医院", "还有什么需要说明"),
    ("跳过", "地点：朝阳医院"),
    ("1", "已提交服务需求 #1"),
]
NOT_PARTY = "只有这件事的双方"
NEED_ACTIONS = (
    ("/msg 1 我是谁", None),
    ("", "relay:need:1"),
    ("", "relayphone:need:1"),
    ("/share_phone 1", None),
    ("/msg 1", None),
)
REPORT_ACTIONS = (("/msg r{report} 你好", None), ("", "relay:report:{report}"))


async def _taken_need(chat: Chat, talk: Talk) -> tuple[str, str, list[str]]:
    """Need #1 of 王凤兰's: (who accepted and then cancelled, who took it over, and everyone
    else who was offered it — withdrawn, declined or still pending)."""
    await talk.script("王凤兰", ASK)
    await talk.text("王海燕", "/dispatch 1")
    (first, replaced), _, (third, declined) = (await offers(chat.app, 1))[:3]
    await talk.text(declined, payload=f"offer:{third}:decline")
    await talk.text(replaced, payload=f"offer:{first}:accept")  # the others' offers withdrawn
    await talk.text(replaced, "/msg 1 我是第一位志愿者")  # before being replaced
    await talk.script(replaced, [("/task_cancel 1", "取消的原因"), ("家里临时有事", "已取消")])
    # offered again to new candidates: the first of them takes it
    asked = await offers(chat.app, 1)
    async with chat.app.db.transaction() as session:
        offer_id = await session.scalar(
            select(TaskOffer.id).where(TaskOffer.status == "pending").order_by(TaskOffer.rank)
        )
    helper = dict(asked)[offer_id]
    await talk.text(helper, payload=f"offer:{offer_id}:accept")
    return replaced, helper, [name for _, name in asked if name not in (replaced, helper)]


async def test_nobody_outside_a_need_reads_or_writes_its_thread(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    replaced, helper, offered = await _taken_need(chat, talk)
    assert "已转达" in await talk.text(helper, "/msg 1 我是现在的志愿者")
    assert "已转达" in await talk.text("王凤兰", "/msg 1 好的")
    assert len(offered) >= 2  # at least one whose offer was withdrawn, one who declined
    outsiders = ["李福海", "王海燕", "张磊", replaced, *offered]
    failures = []
    for who in outsiders:
        for said, payload in NEED_ACTIONS:
            before = await _snapshot(chat.app)
            answer = await talk.text(who, said, payload=payload)
            if NOT_PARTY not in answer:
                failures.append(f"{who} {said or payload}: {answer[:60]!r}")
            if changed := _diff(before, await _snapshot(chat.app)):
                failures.append(f"{who} {said or payload}: changed {changed}")
        view = await talk.text(who, "/need_status 1")
        if "我是现在的志愿者" in view or "消息记录" in view:
            failures.append(f"{who} read the thread in the need's view")
        if "我是现在的志愿者" in "".join(await _inbox_texts(chat, who)):
            failures.append(f"{who} was sent the thread")
    assert not failures, "\n".join(failures)
    # a number that names no need answers exactly like one that is not yours
    assert NOT_PARTY in await talk.text("李福海", "/msg 999 你好")
    texts = [text for _, text in await thread(chat.app, "need", 1)]
    assert texts == ["我是第一位志愿者", "我是现在的志愿者", "好的"]


async def test_only_the_reporter_and_the_assigned_worker_talk_about_a_report(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    report = await make_report(chat.app)  # 王凤兰's, assigned to 张磊 (第一网格)
    assert "已转达" in await talk.text("张磊", f"/msg r{report} 您好，请问地锁在哪个车位？")
    heard = (await _inbox_texts(chat, "王凤兰"))[-1]
    assert "网格员 张磊：您好，请问地锁在哪个车位？" in heard
    assert "请输入要转达" in await talk.text("王凤兰", payload=f"relay:report:{report}")
    assert "已转达" in await talk.text("王凤兰", "3号楼东侧第二个车位")
    assert "报事人 王凤兰：3号楼东侧第二个车位" in (await _inbox_texts(chat, "张磊"))[-1]
    view = await talk.text("王凤兰", f"/report_status {report}")
    assert "消息记录" in view and "我：3号楼东侧第二个车位" in view
    failures = []
    for who in ("陈永福", "杨帆", "王海燕"):
        for said, payload in REPORT_ACTIONS:
            answer = await talk.text(
                who, said.format(report=report), payload=payload and payload.format(report=report)
            )
            if NOT_PARTY not in answer:
                failures.append(f"{who} {said or payload}: {answer[:60]!r}")
        if "车位" in await talk.text(who, f"/report_status {report}"):
            failures.append(f"{who} read the report's thread")
    assert not failures, "\n".join(failures)


async def _inbox_texts(chat: Chat, name: str) -> list[str]:
    return await inbox(chat.app, name)
