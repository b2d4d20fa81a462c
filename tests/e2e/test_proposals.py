"""Residents' proposals end to end, in Chinese first: proposing, similar ones, co-signing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.demo import run_demo
from handlers.core.notify import Sink
from handlers.proposals import export_rows, flag_stale
from storage.models import Proposal, ProposalEvent, Region
from storage.repos import regions
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.proposals import (
    cosign_rows,
    count,
    event_kinds,
    get,
    inbox,
    inbox_text,
    propose,
    set_fields,
    set_threshold,
)

LIFT = ("加装电梯", "我们103号楼都是老人，六层没有电梯，上下楼太难，希望加装电梯。")
CLUTTER = ("楼道堆物清理", "楼道里堆满了纸箱和旧家具，有消防隐患。")


async def test_a_resident_proposes_for_their_building(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [
            ("提案", "请用一句话写下提案的标题（最多 50 个字）"),
            (LIFT[0], "请具体说明情况和您的建议"),
            (LIFT[1], "这条提案涉及的范围是？"),
            ("1", "请选择提案类别"),
            ("6", "提案 #1「加装电梯」已提交"),
        ],
    )
    proposal = await get(chat, 1)
    assert (proposal.category, proposal.scope, proposal.status) == (
        "facilities",
        "building",
        "submitted",
    )
    async with chat.app.db.transaction() as session:
        building = await regions.by_code(session, "CY-JS-01-G1-B3")
        community = await regions.by_code(session, "CY-JS-01")
    assert building and community
    assert (proposal.region_id, proposal.community_id) == (building.id, community.id)
    assert await event_kinds(chat, 1) == ["submitted"]
    shown = await chat.text("王凤兰", "/proposal 1")
    for expected in (
        "状态：征集附议中",
        "类别：设施｜范围：劲松一区103号楼",
        "附议：0/10 人",
        "提案人：王凤兰",
        "提交提案",
    ):
        assert expected in shown
    assert "#1 加装电梯（征集附议中）" in await chat.text("王凤兰", "我的提案")


async def test_a_similar_open_proposal_is_offered_for_co_signing_instead(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    await chat.script(
        "李福海",
        [
            ("/propose", "标题"),
            ("老楼加装电梯", "具体说明"),
            ("六层老楼没有电梯，老人出门难", "本社区已有相似的提案"),
        ],
    )
    assert "附议 #1" in chat.transcript[-1][2][0].choices[0].label
    assert "您已附议提案 #1「加装电梯」，目前附议 1/10 人" in await chat.text("李福海", "1")
    assert await count(chat, Proposal) == 1 and await cosign_rows(chat, 1) == 1
    assert "附议已达门槛" not in await inbox_text(chat, "王凤兰")  # 1 of 10: below 50 %


async def test_a_similar_proposal_can_be_ignored(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    await chat.script(
        "李福海",
        [
            ("/propose", "标题"),
            ("给老楼装电梯", "具体说明"),
            ("我们106号楼也需要电梯", "#1 加装电梯（征集附议中，附议 0/10）"),
            ("2", "涉及的范围"),
            ("1", "类别"),
            ("6", "提案 #2「给老楼装电梯」已提交"),
        ],
    )
    assert await cosign_rows(chat, 1) == 0


async def test_unrelated_closed_or_foreign_proposals_are_not_offered(chat: Chat) -> None:
    await propose(chat, "刘思彤", *LIFT)  # 百环社区
    await propose(chat, "王凤兰", "老楼加装电梯", "六层没有电梯")
    await set_fields(chat, 2, status="rejected")
    await chat.script(
        "李福海",
        [("/propose", "标题"), ("加装电梯", "具体说明"), (LIFT[1], "涉及的范围")],
    )
    await chat.text("李福海", "/cancel")
    await propose(chat, "赵淑兰", *CLUTTER)  # nothing like it: straight to the scope


async def test_fields_are_checked_and_asked_again(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [
            ("/propose", "标题"),
            ("", "标题不能为空"),
            ("电" * 51, "标题太长了（51 个字，最多 50 个字）"),
            (LIFT[0], "具体说明"),
            ("   ", "内容不能为空"),
            ("长" * 1001, "内容太长了（1001 个字，最多 1000 个字）"),
            ("长" * 10_000, "内容太长了（最多 2000 个字）"),
            (LIFT[1], "涉及的范围"),
            ("火星", "请从下面的选项中选择"),
            ("返回", "具体说明"),
            (LIFT[1], "涉及的范围"),
            ("3", "类别"),
            ("设施", "已提交"),
        ],
    )
    proposal = await get(chat, 1)
    assert (proposal.scope, proposal.body) == ("community", LIFT[1])


async def test_cancel_keeps_nothing_and_strangers_must_register(chat: Chat) -> None:
    await chat.script("王凤兰", [("/propose", "标题"), (LIFT[0], "具体说明"), ("取消", "已取消")])
    assert await count(chat, Proposal) == 0
    assert "请先发送 /start" in await chat.text("路人", "/propose")
    assert "没有所在社区" in await chat.text("刘文静", "/propose")  # an admin of the whole street


async def test_co_signing_rules(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    assert "目前附议 1/10 人" in await chat.text("李福海", "/cosign 1")
    assert "已经附议过提案 #1 了" in await chat.text("李福海", "/cosign 1")
    assert "已经附议过" in await chat.text("李福海", payload="cosign:1")
    assert "您自己提出的提案 #1" in await chat.text("王凤兰", "/cosign 1")
    assert "只有本社区的居民可以附议" in await chat.text("刘思彤", "/cosign 1")
    assert "没有编号为 99 的提案" in await chat.text("李福海", "/cosign 99")
    assert "不是有效的提案编号" in await chat.text("李福海", "/cosign abc")
    assert "请写上要附议的提案编号" in await chat.text("李福海", "/cosign")
    assert "目前附议 2/10 人" in await chat.text("赵淑兰", payload="cosign:1")
    assert "目前附议 3/10 人" in await chat.text("陈永福", "/cosign ＃1")
    assert (await get(chat, 1)).cosign_count == await cosign_rows(chat, 1) == 3


async def test_a_redelivered_co_sign_counts_once(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    first = await chat.say("李福海", "/cosign 1", update_key="tg-7")
    again = await chat.say("李福海", "/cosign 1", update_key="tg-7")
    assert first == again and "1/10" in first[0].text
    assert await cosign_rows(chat, 1) == 1


async def test_reaching_the_threshold_puts_it_on_the_agenda(chat: Chat) -> None:
    await set_threshold(chat, "CY-JS-01", 2)
    await propose(chat, "王凤兰", *LIFT)
    await chat.text("李福海", "/cosign 1")
    text = await chat.text("赵淑兰", "/cosign 1")
    assert "目前附议 2/2 人" in text and "已进入下一次社区联席会议的议程" in text
    assert (await get(chat, 1)).status == "seconded"
    assert await event_kinds(chat, 1) == ["submitted", "seconded"]
    for organizer in ("王海燕", "孙建平"):
        [notice] = await inbox(chat, organizer)
        assert "【联席会议议程】劲松北社区的提案 #1「加装电梯」附议已达 2 人" in notice["text"]
        assert ["作出决定", "/decide 1"] in notice["choices"]
    assert await inbox(chat, "李梦瑶") == []  # another community's organizer
    assert "已进入下一次社区联席会议的议程" in await inbox_text(chat, "王凤兰")
    assert "已进入下一次社区联席会议的议程" in await inbox_text(chat, "李福海")
    assert "已进入议程" not in await inbox_text(chat, "赵淑兰")  # the one acting got the reply
    agenda = await chat.text("王海燕", "/agenda")
    assert "#1 加装电梯｜劲松北社区｜附议 2/2｜2026-11-30 10:00 进入议程" in agenda
    # co-signing goes on while it waits for the meeting, and it is moved only once
    assert "目前附议 3/2 人" in await chat.text("陈永福", "/cosign 1")
    assert await event_kinds(chat, 1) == ["submitted", "seconded"]


async def test_the_list_shows_my_community_mine_and_projects_done_this_year(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    await propose(chat, "赵淑兰", *CLUTTER)
    await propose(chat, "刘思彤", "增设停车位", "晚上车位不够")  # 百环社区
    await chat.text("李福海", "/cosign 2")
    await set_fields(chat, 1, status="done", done_at=chat.app.deps.clock())
    text = await chat.text("李福海", "/proposals")
    assert "劲松北社区征集附议和待议的提案：\n#2 楼道堆物清理（征集附议中，附议 1/10）" in text
    assert "增设停车位" not in text
    assert "我提出或附议的：\n#2 楼道堆物清理" in text
    assert "2026 年劲松北社区通过共商共治办结实事项目 1 个，在办 0 个。\n#1 加装电梯" in text


async def test_stale_agenda_items_are_flagged_once(chat: Chat, clock: FakeClock) -> None:
    await set_threshold(chat, "CY-JS-01", 1)
    await propose(chat, "王凤兰", *LIFT)
    await chat.text("李福海", "/cosign 1")
    await propose(chat, "赵淑兰", *CLUTTER)  # not on the agenda: never stale
    before = len(await inbox(chat, "王海燕"))
    clock.advance(days=29)
    async with chat.app.db.transaction() as session:
        assert await flag_stale(Sink.bare(session, chat.app.deps, clock())) == []
    clock.advance(days=2)
    async with chat.app.db.transaction() as session:
        flagged = await flag_stale(Sink.bare(session, chat.app.deps, clock()))
        assert [p.id for p in flagged] == [1]
    async with chat.app.db.transaction() as session:
        assert (
            await flag_stale(Sink.bare(session, chat.app.deps, clock() + timedelta(days=60))) == []
        )
    notices = (await inbox(chat, "王海燕"))[before:]
    assert len(notices) == 1 and "【超期提醒】劲松北社区的提案 #1「加装电梯」" in notices[0]["text"]
    assert "超过 30 天仍未决定" in notices[0]["text"]
    assert "⚠ 超期未决" in await chat.text("王海燕", "/agenda")
    assert (await get(chat, 1)).stale_flagged_at == clock()
    assert await count(chat, ProposalEvent, proposal_id=1, kind="stale") == 1


async def test_export_rows_for_the_office(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    await propose(chat, "刘思彤", "增设停车位", "晚上车位不够", category="2")
    await chat.text("李福海", "/cosign 1")
    async with chat.app.db.transaction() as session:
        street = await regions.by_code(session, "CY-JS")
        baihuan = await regions.by_code(session, "CY-JS-02")
        everything = await export_rows(session, street)
        one = await export_rows(session, baihuan)
        unscoped = await export_rows(session, None)
    assert [r["id"] for r in everything] == [1, 2] == [r["id"] for r in unscoped]
    row = everything[0]
    assert {
        k: row[k] for k in ("community", "title", "category", "status", "proposer", "cosigns")
    } == {
        "community": "劲松北社区",
        "title": "加装电梯",
        "category": "facilities",
        "status": "submitted",
        "proposer": "王凤兰",
        "cosigns": 1,
    }
    assert row["created"] == chat.app.deps.clock() and row["done"] is None
    assert [(r["id"], r["category"]) for r in one] == [(2, "parking")]


async def test_help_lists_the_commands_by_role(chat: Chat) -> None:
    resident = await chat.text("王凤兰", "/help")
    assert "/propose 提出提案" in resident and "/agenda" not in resident
    assert "/agenda 待议提案" in await chat.text("王海燕", "/help")


async def test_in_english(demo_app: App) -> None:
    chat = Chat(demo_app)
    await chat.script(
        "Michael Brown",
        [
            ("/propose", "Give your proposal a short title"),
            ("More parking spaces", "Describe the situation"),
            ("There is nowhere to park at night.", "What does this proposal concern?"),
            ("2", "Choose a category"),
            ("2", 'Proposal #1 "More parking spaces" is submitted'),
        ],
    )
    await chat.text("刘思彤", "/cosign 1")
    assert "co-signing threshold" not in await inbox_text(chat, "Michael Brown")  # 1 of 10
    shown = await chat.text("Michael Brown", "/proposal 1")
    assert "Status: Collecting co-signatures" in shown and "Category: Parking" in shown
    assert "Proposal #1 is your own" in await chat.text("Michael Brown", "/cosign 1")
    assert "您已经附议过提案 #1 了" in await chat.text("刘思彤", "/cosign 1")  # each in their own
    async with demo_app.db.transaction() as session:
        proposal = (await session.execute(select(Proposal))).scalar_one()
        community = await session.get(Region, proposal.community_id)
        assert community and community.code == "CY-JS-02"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh_CN",
            ("附议 #1", "已进入下一次社区联席会议的议程", "已立项为实事项目", "办结实事项目 1 个"),
        ),
        (
            "en",
            ("Co-sign #1", "on the agenda", "is now a practical project", "1 completed"),
        ),
    ],
)
async def test_the_demo_section_runs(tmp_path: Path, lang: str, expected: tuple[str, ...]) -> None:
    lines: list[str] = []
    await run_demo(lang, lines.append, f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    out = "\n".join(lines)
    title = "Residents' proposals:" if lang == "en" else "居民提案：邻居附议"
    section = out[out.index(title) :]
    assert all(text in section for text in expected), section
    assert "系统出了点问题" not in out and "went wrong" not in out
