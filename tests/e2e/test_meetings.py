"""The joint meeting (联席会议) end to end, in Chinese: scheduled with the agenda and the month's
hot issue, participants invited and answering, votes, outcomes, minutes, and the public notice
received by the community's residents and by every co-signer; who may do what."""

from __future__ import annotations

import pytest

from storage.models import Meeting, MeetingParticipant
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.meetings import hot_month, meeting, meeting_audit, votes
from tests.support.proposals import count, get, inbox, inbox_text, propose, set_threshold

LIFT = ("加装电梯", "我们103号楼都是老人，六层没有电梯，上下楼太难，希望加装电梯。")

SCHEDULE = [
    ("召开联席会议", "联席会议什么时候开"),
    ("后天下午", "没看懂这个时间"),
    ("2020-01-01 9:00", "这个时间已经过去了"),
    ("12-10 14:00", "在哪里开"),
    ("社区党群服务中心二楼会议室", "已安排劲松北社区联席会议 #1：2026-12-10 14:00"),
]


@pytest.fixture
async def scheduled(chat: Chat, clock: FakeClock) -> Chat:
    """Proposal #1 on the agenda (threshold 2) and reports that make a hot issue; meeting #1."""
    await set_threshold(chat, "CY-JS-01", 2)
    await hot_month(chat, clock.now)
    await propose(chat, "王凤兰", *LIFT)
    await chat.text("李福海", "/cosign 1")
    await chat.text("赵淑兰", "/cosign 1")
    await chat.script("孙建平", SCHEDULE)
    return chat


async def test_the_agenda_has_the_seconded_proposal_and_the_month_hot_issue(
    scheduled: Chat,
) -> None:
    chat = scheduled
    created = chat.transcript[-1][2][0].text
    for expected in (
        "1. 提案 #1「加装电梯」",
        "2. 每月一题：报事·私装地锁",
        "· 报事·私装地锁：3 件（前期 1 件）",
        "例：南门口又装了两把地锁",
    ):
        assert expected in created, created
    assert "小广告" not in created  # fell from 2 to 1: not a hot issue
    assert "百环" not in created  # another community's problem
    assert (await get(chat, 1)).status == "on_agenda"
    for follower in ("王凤兰", "李福海", "赵淑兰"):
        assert "已列入联席会议 #1 的议程：2026-12-10 14:00" in await inbox_text(chat, follower)
    stored = await meeting(chat, 1)
    assert stored.hot_issue["top"][0]["code"] == "ground_lock"
    assert stored.hot_issue["top"][0]["count"] == 3


async def test_a_meeting_from_invitation_to_public_notice(
    scheduled: Chat, clock: FakeClock
) -> None:
    chat = scheduled
    clock.advance(minutes=1)  # the organizer types a lot: stay under the flood guard
    await chat.script(
        "孙建平",
        [
            ("/meeting_invite 1", "邀请以什么身份参会"),
            ("1", "请写参会人的姓名"),
            ("王凤兰、李福海 张三丰", "代表哪个单位"),
            ("跳过", "已邀请参加联席会议 #1：王凤兰、李福海"),
            ("/meeting_invite 1", "身份"),
            ("3", "姓名"),
            ("陈永福", "单位"),
            ("劲松北社区业委会", "已邀请参加联席会议 #1：陈永福"),
            ("/meeting_invite 1", "身份"),
            ("2", "姓名"),
            ("赵淑兰 王凤兰", "单位"),
            ("劲松物业公司", "已经邀请过：王凤兰"),
        ],
    )
    assert "没有找到这些已注册的人：张三丰" in chat.transcript[-9][2][0].text
    invitation = (await inbox(chat, "陈永福"))[-1]
    assert (
        "邀请您以业委会身份参加：2026-12-10 14:00，社区党群服务中心二楼会议室" in invitation["text"]
    )
    assert invitation["choices"] == [["参加", "mtg:1:attend"], ["不参加", "mtg:1:decline"]]
    clock.advance(minutes=1)
    # participants answer: by button, by command; one declines
    assert "已确认您参加联席会议 #1" in await chat.text("王凤兰", payload="mtg:1:attend")
    assert "已确认您参加" in await chat.text("李福海", "/meeting_attend 1")
    assert "您不参加联席会议 #1" in await chat.text("赵淑兰", payload="mtg:1:decline")
    assert "已确认您参加" in await chat.text("陈永福", payload="mtg:1:attend")
    answers = await inbox_text(chat, "孙建平")
    assert "王凤兰 对联席会议 #1 的邀请答复：参加" in answers
    assert "赵淑兰 对联席会议 #1 的邀请答复：不参加" in answers
    shown = await chat.text("孙建平", "/meeting 1")
    for expected in (
        "参会人（4 位）",
        "· 陈永福｜业委会（劲松北社区业委会）｜参加",
        "· 赵淑兰｜物业（劲松物业公司）｜不参加",
        "1. #1 加装电梯｜待议",
    ):
        assert expected in shown, shown

    clock.advance(minutes=1)
    # the vote on the proposal: those who did not decline get a ballot
    assert "已就第 1 项“加装电梯”向 3 位参会人发起表决" in await chat.text(
        "孙建平", "/meeting_vote 1 1"
    )
    ballot = (await inbox(chat, "李福海"))[-1]
    assert "【表决】联席会议 #1 第 1 项：加装电梯" in ballot["text"]
    assert [c[1] for c in ballot["choices"]] == [
        "mvote:1:for",
        "mvote:1:against",
        "mvote:1:abstain",
    ]
    assert "赞成" in await chat.text("王凤兰", payload="mvote:1:for")
    assert "反对" in await chat.text("李福海", payload="mvote:1:against")
    assert "表决：赞成" in await chat.text("李福海", payload="mvote:1:for")  # changed their mind
    assert "弃权" in await chat.text("陈永福", payload="mvote:1:abstain")
    assert "不能表决" in await chat.text("赵淑兰", payload="mvote:1:for")
    assert await votes(chat) == ["for", "for", "abstain"]
    assert "还有议题没有结果：第 1、2 项" in await chat.text("孙建平", "/meeting_minutes 1")

    clock.advance(minutes=1)
    await chat.script(
        "孙建平",
        [
            ("/meeting_decide 1", "记录哪个议题的结果"),
            ("1", "这个议题的结果是"),
            ("1", "由谁负责办理"),
            ("劲松北社区居委会", "责任单位是"),
            ("劲松物业公司", "资金来源是"),
            ("街道实事项目经费", "计划什么时候完成"),
            ("2027-06-30", "补充说明"),
            ("跳过", "已记录议题“加装电梯”：通过（赞成 2｜反对 0｜弃权 1）"),
        ],
    )
    project = await get(chat, 1)
    assert (project.status, project.owner_unit, project.funding_source) == (
        "accepted",
        "劲松物业公司",
        "街道实事项目经费",
    )
    for follower in ("王凤兰", "李福海", "赵淑兰"):  # the proposer and every co-signer
        assert "经社区联席会议（第 1 次）研究，已立项为实事项目" in await inbox_text(chat, follower)
    assert "表决已结束" in await chat.text("李福海", payload="mvote:1:against")

    clock.advance(minutes=1)
    # the hot issue: put to the vote, passed with the measure agreed
    await chat.text("孙建平", "/meeting_vote 1 2")
    for voter in ("王凤兰", "李福海", "陈永福"):
        assert "赞成" in await chat.text(voter, payload="mvote:2:for")
    await chat.script(
        "孙建平",
        [
            ("/meeting_decide 1", "第 2 项：每月一题"),
            ("1", "结果是"),
            ("1", "补充说明"),
            ("物业牵头拆除私装地锁，网格员每周巡查", "通过（赞成 3｜反对 0｜弃权 0）"),
            ("/meeting_minutes 1", "请写会议纪要"),
            ("与会各方同意加装电梯，并把私装地锁列为本月一题。", "以下公示将发给全社区居民"),
            ("1", "已公示联席会议 #1 的决定"),
        ],
    )
    clock.advance(minutes=1)
    stored = await meeting(chat, 1)
    assert stored.status == "published" and stored.broadcast_id is not None
    notice = (
        "【公示】劲松北社区联席会议（#1，2026-12-10 14:00，社区党群服务中心二楼会议室）决定如下"
    )
    for resident in ("王秀兰", "陈永福", "王凤兰", "李福海", "赵淑兰"):
        assert notice in await inbox_text(chat, resident), resident
    text = await inbox_text(chat, "王秀兰")
    assert "1. #1 加装电梯：通过（赞成 2，反对 0，弃权 1）" in text
    assert "每月一题：报事·私装地锁：通过（赞成 3，反对 0，弃权 0） — 物业牵头拆除私装地锁" in text
    assert "会议纪要：与会各方同意加装电梯" in text
    assert notice not in await inbox_text(chat, "刘思彤")  # another community
    # the notice is shown with the proposal
    shown = await chat.text("陈永福", "/proposal 1")
    assert "联席会议 #1（2026-12-10 14:00）表决：赞成 2｜反对 0｜弃权 1；结果：通过" in shown
    assert "联席会议 #1 的决定已于" in shown and "向全社区公示" in shown
    assert "责任单位：劲松物业公司｜资金来源：街道实事项目经费" in shown
    # once published, the meeting is a record: nothing changes it; residents may read it
    assert "已公示或已取消" in await chat.text("孙建平", "/meeting_invite 1")
    assert "王凤兰：赞成、李福海：赞成、陈永福：弃权" in await chat.text("王秀兰", "/meeting 1")
    assert await meeting_audit(chat) == [
        "meeting.schedule",
        *["meeting.invite"] * 3,
        "meeting.outcome",
        "meeting.outcome",
        "meeting.minutes",
        "meeting.publish",
    ]


async def test_a_rejected_and_a_deferred_item(scheduled: Chat, clock: FakeClock) -> None:
    chat = scheduled
    clock.advance(minutes=1)
    await chat.script("孙建平", [("/meeting_invite 1", "身份"), ("1", "姓名"), ("王凤兰", "单位")])
    await chat.script("孙建平", [("跳过", "已邀请")])
    await chat.script(
        "孙建平",
        [
            ("/meeting_decide 1", "记录哪个议题"),
            ("1", "结果是"),
            ("2", "请写不通过的理由"),
            ("跳过", "请写说明"),
            ("该楼已列入区级加装电梯计划", "不通过"),
        ],
    )
    assert (await get(chat, 1)).status == "rejected"
    assert "经社区联席会议（第 1 次）研究，暂不予采纳。理由：该楼已列入区级加装电梯计划" in (
        await inbox_text(chat, "李福海")
    )
    # deferred: the hot issue waits; a proposal deferred would go back to "seconded"
    await chat.script(
        "孙建平", [("/meeting_decide 1", "记录哪个议题"), ("1", "结果是"), ("3", "补充说明")]
    )
    assert "暂缓" in await chat.text("孙建平", "跳过")


async def test_a_deferred_proposal_returns_to_the_next_agenda(scheduled: Chat) -> None:
    chat = scheduled
    await chat.script(
        "孙建平",
        [("/meeting_decide 1", "议题"), ("1", "结果"), ("3", "补充说明"), ("跳过", "暂缓")],
    )
    assert (await get(chat, 1)).status == "seconded"
    await chat.script(
        "王海燕",
        [
            ("/meeting_new", "什么时候"),
            ("12-17 14:00", "在哪里"),
            ("居委会", "1. 提案 #1「加装电梯」"),
        ],
    )


async def test_who_may_schedule_record_and_vote(scheduled: Chat, clock: FakeClock) -> None:
    chat = scheduled
    clock.advance(minutes=1)
    await chat.script("孙建平", [("/meeting_invite 1", "身份"), ("1", "姓名"), ("王凤兰", "单位")])
    await chat.text("孙建平", "跳过")
    await chat.text("孙建平", "/meeting_vote 1 1")
    denied = "没有权限"
    # what is on the meeting's agenda is decided there, not by /decide
    assert "已列入联席会议 #1 的议程" in await chat.text("王海燕", "/decide 1")
    assert denied in await chat.text("陈永福", "/meeting_new")  # a resident
    assert denied in await chat.text("李梦瑶", "/meeting_invite 1")  # another community's organizer
    assert denied in await chat.text("李梦瑶", "/meeting_vote 1 1")
    assert denied in await chat.text("李梦瑶", "/meeting_decide 1")
    assert denied in await chat.text("张磊", "/meeting_minutes 1")  # a grid worker
    # voting: only participants, only in their meeting
    assert "不是这次联席会议的参会人" in await chat.text("李福海", payload="mvote:1:for")
    assert "不是这次联席会议的参会人" in await chat.text("刘思彤", "/meeting 1")
    assert "不是这次联席会议的参会人" in await chat.text("李福海", "/meeting_attend 1")
    assert "赞成" in await chat.text("王凤兰", payload="mvote:1:for")
    clock.advance(minutes=1)
    # a second meeting in another community: 王凤兰 cannot vote there
    await chat.script(
        "李梦瑶", [("/meeting_new", "什么时候"), ("12-11 9:00", "在哪里"), ("百环社区居委会", "#2")]
    )
    await chat.script("李梦瑶", [("/meeting_invite 2", "身份"), ("1", "姓名"), ("刘思彤", "单位")])
    await chat.text("李梦瑶", "跳过")
    await chat.text("李梦瑶", "/meeting_vote 2 1")
    assert "不是这次联席会议的参会人" in await chat.text("王凤兰", payload="mvote:3:for")
    assert "赞成" in await chat.text("刘思彤", payload="mvote:3:for")
    assert await votes(chat) == ["for", "for"]
    assert await count(chat, MeetingParticipant) == 2 and await count(chat, Meeting) == 2
    assert "不是会议号" in await chat.text("王凤兰", "/meeting abc")
    assert "没有找到联席会议 #9" in await chat.text("孙建平", "/meeting 9")


async def test_no_growth_no_hot_issue(chat: Chat) -> None:
    await chat.script("王海燕", SCHEDULE[:1] + SCHEDULE[3:4])
    created = await chat.text("王海燕", "居委会")
    assert "1. 每月一题（本月无明显增长的问题）" in created
    assert "近 30 天没有比前期增多的报事或需求" in created


async def test_in_english(chat: Chat) -> None:
    await chat.text("孙建平", "/lang")
    await chat.text("孙建平", "2")
    await chat.script(
        "孙建平",
        [
            ("/meeting_new", "When is the joint meeting?"),
            ("12-10 14:00", "Where?"),
            ("Community centre", "Joint meeting #1 of 劲松北社区 scheduled"),
            ("/meeting_invite 1", "Invite them in which capacity?"),
            ("4", "participants' names"),
            ("王凤兰", "Which unit or organization"),
            ("skip", "Invited to joint meeting #1: 王凤兰"),
        ],
    )
    assert "邀请您以社会组织身份参加" in await inbox_text(chat, "王凤兰")  # in her language
