"""Proposal rules (issue 16.6), end to end in Chinese: the author hears 50/80/100 % of the
threshold; a dispute carries a reason; a practical project closes by the README's rule (most of
the answering followers within the window, or the organizer answering the disputes), not by one
confirmation, and cannot be reopened forever; /decide below the threshold is for organizers only
and does not claim a joint meeting."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.bootstrap import App
from handlers.proposals import export_projects
from handlers.sweeps import PERIODIC, Sweeper, build_registry
from storage.models import Person
from storage.repos import regions
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.proposals import event_kinds, get, inbox, inbox_text, propose, set_threshold

LIFT = ("加装电梯", "我们103号楼都是老人，六层没有电梯，上下楼太难，希望加装电梯。")
ACCEPT = [
    ("/decide 1", "社区的决定是？"),
    ("1", "由谁负责办理"),
    ("劲松北社区居委会", "责任单位是"),
    ("跳过", "资金来源是"),
    ("跳过", "计划什么时候完成"),
    ("12月31日", "已立项为实事项目"),
]
DONE = [("/progress 1", "有什么新进展"), ("电梯已安装", "项目现在的状态"), ("2", "已标记完成")]


def _settle(app: App) -> Sweeper:
    registry = build_registry()
    periodic = tuple(p for p in PERIODIC if p.kind == "settle_projects")
    return Sweeper(app.deps, {"settle_projects": registry["settle_projects"]}, periodic=periodic)


@pytest.fixture
async def done(chat: Chat) -> Chat:
    """Project #1 (proposer 王凤兰; co-signers 李福海, 赵淑兰, 陈永福) marked done by 王海燕."""
    await set_threshold(chat, "CY-JS-01", 3)
    await propose(chat, "王凤兰", *LIFT)
    for neighbour in ("李福海", "赵淑兰", "陈永福"):
        await chat.text(neighbour, "/cosign 1")
    await chat.script("王海燕", ACCEPT + DONE)
    return chat


async def test_the_author_hears_50_80_and_100_percent(chat: Chat) -> None:
    await set_threshold(chat, "CY-JS-01", 5)
    await propose(chat, "王凤兰", *LIFT)
    heard = []
    for neighbour in ("李福海", "赵淑兰", "陈永福", "王秀兰", "李建国"):
        await chat.text(neighbour, "/cosign 1")
        notices = [p["text"] for p in await inbox(chat, "王凤兰") if "门槛的" in p["text"]]
        heard.append(len(notices))
    assert heard == [0, 0, 1, 2, 3]  # at 3 (50 %), 4 (80 %) and 5 (100 %) of 5
    text = await inbox_text(chat, "王凤兰")
    for expected in ("门槛的 50%（3/5 人）", "门槛的 80%（4/5 人）", "门槛的 100%（5/5 人）"):
        assert expected in text
    assert "门槛的" not in await inbox_text(chat, "李福海")  # only the author


async def test_a_dispute_needs_a_reason_and_reaches_the_organizers(done: Chat) -> None:
    chat = done
    await chat.script(
        "李福海",
        [
            ("/dispute 1", "请说明理由"),
            ("", "请说明"),
            ("电梯还没通过验收，不能用", "已记录您的异议和理由"),
            ("/dispute 1", "已经对项目 #1 的完成情况作过答复"),
        ],
    )
    organizer = (await inbox(chat, "孙建平"))[-1]
    assert "理由：电梯还没通过验收，不能用" in organizer["text"]
    assert ["答复异议并办结", "/close_project 1"] in organizer["choices"]
    assert "电梯还没通过验收" in await chat.text("王凤兰", "/proposal 1")  # in the history
    assert "只有提案人和附议人" in await chat.text("王秀兰", "/dispute 1")


async def test_one_confirmation_does_not_close_it_for_everyone(
    done: Chat, clock: FakeClock
) -> None:
    chat = done
    assert "谢谢确认" in await chat.text("李福海", "/confirm 1")
    assert (await get(chat, 1)).closed_at is None
    await chat.script("赵淑兰", [("/dispute 1", "理由"), ("楼道还没清理", "已记录")])
    assert (await get(chat, 1)).closed_at is None  # 1 : 1, two may still answer
    # the window (7 days by default) ends: 1 confirmation, 1 dispute: back to work
    clock.advance(days=7, minutes=1)
    assert "确认期已过" in await chat.text("陈永福", "/confirm 1")
    clock.advance(days=1)
    await _settle(chat.app).tick()
    assert (await get(chat, 1)).status == "disputed"
    assert "已退回继续办理" in await inbox_text(chat, "李福海")
    assert "不在等待确认" in await chat.text("陈永福", "/confirm 1")


async def test_the_majority_of_those_who_answer_closes_it_at_the_window_end(
    done: Chat, clock: FakeClock
) -> None:
    chat = done
    await chat.text("李福海", "/confirm 1")
    await chat.text("王凤兰", "/confirm 1")
    await chat.script("陈永福", [("/dispute 1", "理由"), ("电梯噪音大", "已记录")])
    assert (await get(chat, 1)).closed_at is None  # 2 : 1 with one to answer: not decided yet
    clock.advance(days=8)
    stats = await _settle(chat.app).tick()
    assert stats.kinds == {"settle_projects": 1}
    assert (await get(chat, 1)).closed_at is not None
    assert "已办结：2 人确认，1 人有异议" in await inbox_text(chat, "赵淑兰")
    # closed: no follower reopens it
    assert "已经办结" in await chat.text("赵淑兰", "/dispute 1")
    assert "已经办结" in await chat.text("赵淑兰", payload="confirm:1")
    assert (await event_kinds(chat, 1))[-1] == "closed"


async def test_disputes_that_cannot_be_outweighed_send_it_back_at_once(done: Chat) -> None:
    chat = done
    await chat.script("李福海", [("/dispute 1", "理由"), ("没装完", "已记录")])
    assert (await get(chat, 1)).status == "done"
    # two of four disputed: the other two could only tie, so it goes back now
    await chat.script("赵淑兰", [("/dispute 1", "理由"), ("不能用", "实事项目 #1 已退回继续办理")])
    assert (await get(chat, 1)).status == "disputed"
    assert "2 人有异议" not in await inbox_text(chat, "赵淑兰")  # she knows: no echo to her
    assert "0 人确认，2 人有异议" in await inbox_text(chat, "王凤兰")


async def test_the_organizer_closes_it_answering_the_disputes(done: Chat) -> None:
    chat = done
    await chat.script("李福海", [("/dispute 1", "理由"), ("电梯没有年检合格证", "已记录")])
    await chat.script(
        "孙建平",
        [
            ("/close_project 1", "本轮的异议：\n- 电梯没有年检合格证"),
            ("", "请写下答复"),
            ("合格证已于12月5日取得，张贴在电梯内", "已办结，答复已发给提案人和附议人"),
        ],
    )
    assert (await get(chat, 1)).closed_at is not None
    for follower in ("王凤兰", "李福海", "赵淑兰", "陈永福"):
        assert "对异议的答复：合格证已于12月5日取得" in await inbox_text(chat, follower)
    assert "已经办结" in await chat.text("李福海", "/dispute 1")
    assert "没有权限" in await chat.text("李梦瑶", "/close_project 1")


async def test_decide_below_the_threshold_is_for_organizers_and_claims_no_meeting(
    chat: Chat,
) -> None:
    await propose(chat, "王凤兰", *LIFT)  # 0 of 10 co-signs
    await chat.text("李福海", "/cosign 1")
    assert "没有权限" in await chat.text("李福海", "/decide 1")
    assert "没有权限" in await chat.text("张磊", "/decide 1")  # a grid worker
    assert "没有权限" in await chat.text("李梦瑶", "/decide 1")  # another community's organizer
    await chat.script(
        "王海燕",
        [
            ("/decide 1", "附议 1/10 人，尚未达到附议门槛，还没有进入联席会议议程"),
            ("3", "不予采纳的理由"),
            ("该楼已列入区级加装电梯计划", "不予采纳"),
        ],
    )
    heard = await inbox_text(chat, "李福海")
    assert "经社区研究，暂不予采纳。理由：该楼已列入区级加装电梯计划" in heard
    assert "联席会议" not in heard
    await propose(chat, "赵淑兰", "楼道堆物清理", "楼道里堆满了纸箱和旧家具，有消防隐患。")
    await chat.text("陈永福", "/cosign 2")
    await chat.script(
        "王海燕",
        [
            ("/decide 2", "尚未达到附议门槛"),
            ("1", "由谁负责"),
            ("物业公司", "责任单位"),
            ("跳过", "资金来源"),
            ("跳过", "计划什么时候完成"),
            ("12月31日", "已立项为实事项目"),
        ],
    )
    accepted = await inbox_text(chat, "陈永福")
    assert "已由社区决定立项为实事项目" in accepted and "联席会议" not in accepted


async def test_projects_are_counted_per_community_and_street_per_year(done: Chat) -> None:
    chat = done
    for follower in ("李福海", "赵淑兰", "陈永福"):
        await chat.text(follower, "/confirm 1")
    assert (await get(chat, 1)).closed_at is not None
    shown = await chat.text("王凤兰", "/proposals")
    assert (
        "2026 年实事项目：劲松北社区立项 1 个、办结 1 个；劲松街道共立项 1 个、办结 1 个" in shown
    )
    async with chat.app.db.transaction() as session:
        rows = await export_projects(session, None)
        street = await regions.by_code(session, "CY-JS")
        assert await export_projects(session, street) == rows
        other = await regions.by_code(session, "CY-JS-02")
        assert await export_projects(session, other) == []
    assert rows == [
        {"year": 2026, "street": "劲松街道", "community": "劲松北社区", "projects": 1, "closed": 1}
    ]


async def test_a_dispute_with_its_reason_in_english(done: Chat) -> None:
    async with done.app.db.transaction() as session:
        await session.execute(
            update(Person).where(Person.display_name == "李福海").values(lang="en")
        )
    await done.script(
        "李福海",
        [
            ("/dispute 1", "Please say why (what is still not done)"),
            ("The lift has not passed its inspection", "Your dispute and its reason are recorded"),
        ],
    )
    organizer = (await inbox(done, "孙建平"))[-1]
    assert "The lift has not passed its inspection" in organizer["text"]
