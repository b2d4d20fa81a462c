"""The joint meeting's decisions and practical projects, end to end: accept, reject, merge,
progress, done, confirm, dispute — and acting on something that changed meanwhile."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from storage.models import AuditEntry, ProposalEvent
from tests.support.chat import Chat
from tests.support.proposals import (
    cosign_rows,
    count,
    event_kinds,
    get,
    inbox,
    inbox_text,
    propose,
    set_threshold,
)

LIFT = ("加装电梯", "我们103号楼都是老人，六层没有电梯，上下楼太难，希望加装电梯。")
CLUTTER = ("楼道堆物清理", "楼道里堆满了纸箱和旧家具，有消防隐患。")


@pytest.fixture
async def seconded(chat: Chat) -> Chat:
    """Proposal #1 by 王凤兰, co-signed by 李福海 and 赵淑兰, on the agenda (threshold 2)."""
    await set_threshold(chat, "CY-JS-01", 2)
    await propose(chat, "王凤兰", *LIFT)
    await chat.text("李福海", "/cosign 1")
    await chat.text("赵淑兰", "/cosign 1")
    assert (await get(chat, 1)).status == "seconded"
    return chat


ACCEPT = [
    ("/decide 1", "社区的决定是？"),
    ("1", "由谁负责办理"),
    ("", "请填写负责单位或负责人"),
    ("劲松北社区居委会、物业公司", "责任单位是"),
    ("劲松物业公司", "资金来源是"),
    ("街道实事项目经费", "计划什么时候完成"),
    ("明天吧", "没看懂这个日期"),
    ("2020-01-01", "2020-01-01 已经过去了"),
    ("12月31日", "已立项为实事项目，负责：劲松北社区居委会、物业公司，计划 2026-12-31 前完成"),
]


async def audit_actions(chat: Chat) -> list[str]:
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.action.startswith("proposal."))
            .order_by(AuditEntry.id)
        )
        return list(rows.scalars())


async def test_a_project_from_acceptance_to_confirmed_done(seconded: Chat) -> None:
    chat = seconded
    await chat.script("王海燕", ACCEPT)
    proposal = await get(chat, 1)
    assert (proposal.status, proposal.owner, proposal.target_date) == (
        "accepted",
        "劲松北社区居委会、物业公司",
        date(2026, 12, 31),
    )
    for follower in ("王凤兰", "李福海", "赵淑兰"):
        assert "立项为实事项目。负责：劲松北社区居委会、物业公司" in await inbox_text(
            chat, follower
        )
    await chat.script(
        "王海燕",
        [
            ("/progress 1", "有什么新进展"),
            ("已完成结构评估，方案在楼内公示", "项目现在的状态"),
            ("1", "已记录项目 #1 的进展"),
            ("/progress 1", "有什么新进展"),
            ("电梯已安装并通过验收", "项目现在的状态"),
            ("2", "项目 #1 已标记完成"),
        ],
    )
    assert (await get(chat, 1)).status == "done"
    assert "有新进展：已完成结构评估" in await inbox_text(chat, "李福海")
    done_notice = (await inbox(chat, "王凤兰"))[-1]
    assert "实事项目 #1「加装电梯」已完成：电梯已安装并通过验收" in done_notice["text"]
    assert done_notice["choices"] == [
        ["确认已完成", "confirm:1"],
        ["还没办好，有异议", "dispute:1"],
    ]
    assert "谢谢确认" in await chat.text("王凤兰", payload="confirm:1")
    assert "已经对项目 #1 的完成情况作过答复" in await chat.text("王凤兰", payload="confirm:1")
    assert (await get(chat, 1)).closed_at is None  # one confirmation of three closes nothing
    # two of three followers confirmed: no later answer can outweigh them, so it closes now
    assert "已办结" in await chat.text("李福海", "/confirm 1")
    assert (await get(chat, 1)).closed_at is not None
    assert "已办结：2 人确认，0 人有异议" in await inbox_text(chat, "赵淑兰")
    assert "已经办结，不能再确认或提出异议" in await chat.text("赵淑兰", "/dispute 1")
    shown = await chat.text("王凤兰", "/proposal 1")
    for expected in (
        "状态：已完成",
        "实事项目负责：劲松北社区居委会、物业公司｜计划完成：2026-12-31",
        "责任单位：劲松物业公司｜资金来源：街道实事项目经费",
        "2 人确认｜0 人有异议",
        "已办结：",
        "进展：已完成结构评估",
    ):
        assert expected in shown
    assert "办结实事项目 1 个" in await chat.text("赵淑兰", "/proposals")
    assert await event_kinds(chat, 1) == [
        "submitted",
        "seconded",
        "accepted",
        "progress",
        "done",
        "confirmed",
        "confirmed",
        "closed",
    ]
    assert await audit_actions(chat) == ["proposal.accept", "proposal.done"]


async def test_a_dispute_sends_the_project_back(seconded: Chat) -> None:
    chat = seconded
    await chat.script("王海燕", ACCEPT)
    await chat.script("王海燕", [("/progress 1", "进展"), ("装好了", "状态"), ("2", "已标记完成")])
    assert "请说明理由" in await chat.text("赵淑兰", payload="dispute:1")
    assert "已记录您的异议" in await chat.text("赵淑兰", "电梯还不能运行，只是装了轿厢")
    assert (await get(chat, 1)).status == "done"  # one dispute of three reopens nothing yet
    organizers = await inbox_text(chat, "孙建平")
    assert "【异议】劲松北社区的实事项目 #1「加装电梯」" in organizers
    assert "理由：电梯还不能运行，只是装了轿厢" in organizers
    await chat.script("李福海", [("/dispute 1", "请说明理由"), ("没有验收", "已退回继续办理")])
    assert (await get(chat, 1)).status == "disputed"  # two of three disputed: it cannot close
    assert "已退回继续办理" in await inbox_text(chat, "王凤兰")
    # the "done" others were asked about is gone: nothing to confirm or dispute now
    assert "不在等待确认" in await chat.text("王凤兰", payload="confirm:1")
    assert "不在等待确认" in await chat.text("李福海", "/dispute 1")
    assert "办结实事项目 0 个，在办 1 个" in await chat.text("王凤兰", "/proposals")
    await chat.script(
        "王海燕", [("/progress 1", "进展"), ("电梯已验收", "状态"), ("2", "已标记完成")]
    )
    assert "谢谢确认" in await chat.text("王凤兰", "/confirm 1")


async def test_rejection_with_a_reason_closes_co_signing(seconded: Chat) -> None:
    chat = seconded
    await chat.script(
        "王海燕",
        [
            ("/decide 1", "社区的决定是"),
            ("3", "请说明不予采纳的理由"),
            ("", "请填写理由"),
            ("该楼已列入明年区级加装电梯计划", "不予采纳，理由已通知提案人和附议人"),
        ],
    )
    assert "暂不予采纳。理由：该楼已列入明年区级加装电梯计划" in await inbox_text(chat, "李福海")
    assert "状态为「未采纳」，已不能附议" in await chat.text("陈永福", "/cosign 1")
    assert "已经处理过了（当前状态：未采纳）" in await chat.text("孙建平", "/decide 1")
    assert "不是在办的实事项目" in await chat.text("王海燕", "/progress 1")
    assert "不予采纳的理由：该楼已列入明年区级加装电梯计划" in await chat.text(
        "王凤兰", "/proposal 1"
    )
    assert await cosign_rows(chat, 1) == 2
    assert await audit_actions(chat) == ["proposal.reject"]


async def test_merging_carries_supporters_without_double_counting(chat: Chat) -> None:
    await set_threshold(chat, "CY-JS-01", 3)
    await propose(chat, "王凤兰", *LIFT)
    await chat.text("李福海", "/cosign 1")
    await propose(chat, "陈永福", *CLUTTER)
    await chat.text("李福海", "/cosign 2")  # supports both
    await chat.text("赵淑兰", "/cosign 2")
    await chat.script(
        "王海燕",
        [
            ("/decide 2", "社区的决定是"),
            ("2", "合并到哪条提案"),
            ("#2", "不能合并到这条提案"),  # itself
            ("#99", "不能合并到这条提案"),
            ("电梯那条", "不能合并到这条提案"),
            ("#1", "提案 #2 已合并到 #1，转入附议 2 人，#1 现有附议 3 人"),
        ],
    )
    # 陈永福 and 赵淑兰 were carried over; 李福海 had already co-signed #1
    assert (await get(chat, 1)).cosign_count == await cosign_rows(chat, 1) == 3
    merged = await get(chat, 2)
    assert (merged.status, merged.merged_into_id) == ("merged", 1)
    assert (await get(chat, 1)).status == "seconded"  # the carried supporters reached the threshold
    assert "已合并到提案 #1「加装电梯」" in await inbox_text(chat, "陈永福")
    assert "【联席会议议程】" in await inbox_text(chat, "王海燕") + await inbox_text(chat, "孙建平")
    assert "已经附议过" in await chat.text("赵淑兰", "/cosign 1")
    assert await event_kinds(chat, 1) == ["submitted", "merged_in", "seconded"]
    assert await audit_actions(chat) == ["proposal.merge"]


async def test_a_proposal_of_another_community_cannot_be_the_merge_target(chat: Chat) -> None:
    await propose(chat, "刘思彤", "增设停车位", "晚上车位不够")  # #1 in 百环社区
    await propose(chat, "王凤兰", *LIFT)
    await chat.script(
        "王海燕", [("/decide 2", "决定"), ("2", "合并到哪条"), ("#1", "不能合并到这条提案")]
    )


async def test_deciding_what_was_decided_meanwhile_is_a_conflict(seconded: Chat) -> None:
    chat = seconded
    await chat.script("孙建平", [("/decide 1", "决定是"), ("3", "理由")])
    await chat.script("王海燕", ACCEPT)
    pushes = len(await inbox(chat, "王凤兰"))
    text = await chat.text("孙建平", "重复提案")
    assert "提案 #1 已经处理过了（当前状态：已立项为实事项目），本次操作没有执行" in text
    proposal = await get(chat, 1)
    assert (proposal.status, proposal.decision_reason) == ("accepted", None)
    assert len(await inbox(chat, "王凤兰")) == pushes
    assert await audit_actions(chat) == ["proposal.accept"]
    assert "当前没有进行中的操作" in await chat.text("孙建平", "/cancel")  # the flow is over


async def test_co_signing_after_a_rejection_changes_nothing(seconded: Chat) -> None:
    chat = seconded
    shown = await chat.say("陈永福", "/proposal 1")
    assert shown[0].choices[0].payload == "cosign:1"
    await chat.script("王海燕", [("/decide 1", "决定"), ("3", "理由"), ("重复", "不予采纳")])
    assert "已不能附议" in await chat.text("陈永福", payload="cosign:1")
    assert await cosign_rows(chat, 1) == 2 and (await get(chat, 1)).cosign_count == 2


async def test_marking_done_what_was_disputed_meanwhile_is_handled(seconded: Chat) -> None:
    chat = seconded
    await chat.script("王海燕", ACCEPT)
    await chat.script("孙建平", [("/progress 1", "进展"), ("施工中", "状态")])
    await chat.script("王海燕", [("/progress 1", "进展"), ("完工", "状态"), ("2", "已标记完成")])
    await chat.text("王凤兰", "/confirm 1")
    # 孙建平's note was started before the project was done: it is refused, not recorded
    assert "不是在办的实事项目" in await chat.text("孙建平", "1")
    assert await count(chat, ProposalEvent, proposal_id=1, kind="progress") == 0


async def test_concurrent_co_signs_and_double_taps_count_once_each(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    for who in ("李福海", "赵淑兰", "陈永福"):  # first contact makes their dialog rows, one by one
        await chat.text(who, "/proposal 1")
    taps = [
        ("李福海", "cosign:1"),
        ("李福海", "cosign:1"),
        ("赵淑兰", "cosign:1"),
        ("陈永福", "cosign:1"),
    ]
    answers = await asyncio.gather(*(chat.say(who, payload=p) for who, p in taps))
    texts = [r[0].text for r in answers]
    assert sum("您已附议" in t for t in texts) == 3
    assert sum("已经附议过" in t for t in texts) == 1
    assert (await get(chat, 1)).cosign_count == await cosign_rows(chat, 1) == 3


async def test_concurrent_decisions_take_effect_once(seconded: Chat) -> None:
    chat = seconded
    await chat.script("孙建平", [("/decide 1", "决定是"), ("3", "理由")])
    await chat.script("王海燕", ACCEPT[:-1])
    answers = await asyncio.gather(chat.text("孙建平", "重复"), chat.text("王海燕", "12月31日"))
    assert sum("已经处理过了" in a for a in answers) == 1
    assert await audit_actions(chat) in (["proposal.accept"], ["proposal.reject"])
    assert await count(chat, ProposalEvent, proposal_id=1) == 3  # submitted, seconded, one decision
