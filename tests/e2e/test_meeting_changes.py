"""A joint meeting moved and cancelled in chat: every participant told in their own language,
the cancelled meeting's proposal back in line for the next one; only the community's organizers,
and only while the meeting is still scheduled."""

from __future__ import annotations

import pytest

from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.meetings import meeting, meeting_audit
from tests.support.needs_reports import inbox, refused
from tests.support.proposals import get, propose, set_threshold

SCHEDULE = [
    ("召开联席会议", "联席会议什么时候开"),
    ("12-10 14:00", "在哪里开"),
    ("社区党群服务中心二楼会议室", "已安排劲松北社区联席会议 #1：2026-12-10 14:00"),
]


@pytest.fixture
async def invited(chat: Chat, clock: FakeClock) -> Chat:
    """Meeting #1 with proposal #1 on its agenda; 王凤兰 (Chinese) and 陈永福 (English) invited."""
    await set_threshold(chat, "CY-JS-01", 2)
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    await chat.text("李福海", "/cosign 1")
    await chat.text("赵淑兰", "/cosign 1")
    await chat.text("陈永福", "/lang")
    await chat.text("陈永福", "2")  # English
    await chat.script("孙建平", SCHEDULE)
    clock.advance(minutes=1)
    await chat.script(
        "孙建平",
        [
            ("/meeting_invite 1", "邀请以什么身份参会"),
            ("1", "请写参会人的姓名"),
            ("王凤兰 陈永福", "代表哪个单位"),
            ("跳过", "已邀请参加联席会议 #1：王凤兰、陈永福"),
        ],
    )
    clock.advance(minutes=1)
    return chat


async def test_a_meeting_is_moved_and_participants_are_told(invited: Chat) -> None:
    chat = invited
    await chat.script(
        "孙建平",
        [
            ("/meeting_move 1", "联席会议 #1 原定 2026-12-10 14:00。改到什么时间？"),
            ("2020-01-01 9:00", "这个时间已经过去了"),
            ("12-12 9:30", "在哪里开"),
            (
                "1",
                "联席会议 #1 已改到 2026-12-12 09:30，社区党群服务中心二楼会议室；已通知 2 位",
            ),
        ],
    )
    assert (await meeting(chat, 1)).place == "社区党群服务中心二楼会议室"
    told = (await inbox(chat.app, "王凤兰"))[-1]
    assert "【改期】劲松北社区联席会议 #1 由 2026-12-10 14:00（社区党群服务中心二楼会议室）" in told
    assert "改到 2026-12-12 09:30" in told
    english = (await inbox(chat.app, "陈永福"))[-1]
    assert english.startswith("[Moved] The 劲松北社区 joint meeting #1 moved from"), english
    # with a new place, typed
    await chat.script(
        "孙建平",
        [
            ("/meeting_move 1", "改到什么时间"),
            ("12-12 10:00", "在哪里开"),
            ("社区活动室", "已改到 2026-12-12 10:00，社区活动室"),
        ],
    )
    assert (await meeting(chat, 1)).place == "社区活动室"
    assert await meeting_audit(chat) == [
        "meeting.schedule",
        "meeting.invite",
        "meeting.move",
        "meeting.move",
    ]


async def test_a_meeting_is_cancelled_and_its_proposal_waits_for_the_next(invited: Chat) -> None:
    chat = invited
    assert (await get(chat, 1)).status == "on_agenda"
    assert "用法：/meeting_cancel 会议号 原因" in await chat.text("孙建平", "/meeting_cancel 1")
    assert refused(await chat.text("李梦瑶", "/meeting_cancel 1 我不是这个社区的"))
    assert refused(await chat.text("王凤兰", "/meeting_cancel 1 参会人不能取消"))
    answer = await chat.text("孙建平", "/meeting_cancel 1 会议室临时维修")
    assert "联席会议 #1 已取消，已通知 2 位参会人" in answer
    assert (await meeting(chat, 1)).status == "cancelled"
    assert (await get(chat, 1)).status == "seconded"
    assert (await inbox(chat.app, "王凤兰"))[-1] == (
        "【取消】劲松北社区联席会议 #1（原定 2026-12-10 14:00，社区党群服务中心二楼会议室）已取消。"
        "原因：会议室临时维修"
    )
    assert (await inbox(chat.app, "陈永福"))[-1].startswith("[Cancelled] The 劲松北社区 joint")
    # once cancelled it stays so; nor can it be moved
    assert "不能再改期或取消" in await chat.text("孙建平", "/meeting_cancel 1 再取消一次")
    assert "不能再改期或取消" in await chat.text("孙建平", "/meeting_move 1")
    # the next meeting's agenda takes the proposal up again
    await chat.script(
        "孙建平",
        [
            ("召开联席会议", "什么时候开"),
            ("12-20 14:00", "在哪里开"),
            ("社区活动室", "1. 提案 #1「加装电梯」"),
        ],
    )


async def test_moving_in_english(invited: Chat) -> None:
    chat = invited
    await chat.text("孙建平", "/lang")
    await chat.text("孙建平", "2")
    await chat.script(
        "孙建平",
        [
            ("/meeting_move 1", "When should it be instead?"),
            ("12-11 15:00", "Where"),
            ("1", "Joint meeting #1 moved to 11 Dec 2026 15:00"),
        ],
    )
    assert "改到 2026-12-11 15:00" in (await inbox(chat.app, "王凤兰"))[-1]
