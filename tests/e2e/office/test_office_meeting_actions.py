"""The organizer's meeting actions on the office pages, through the real ASGI app: participants
invited (told through the bot, with the attend/decline buttons), an item's outcome recorded with
the votes cast in the room and a note (the proposal becomes a project; its author and every
co-signer hear it), the minutes written and the public notice (公示) broadcast to the community
and shown with the proposal. Refusals answer with the reason and change nothing."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from storage.models import MeetingItem, MeetingParticipant, Region
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.meetings import hot_month, meeting, meeting_audit, votes
from tests.support.office import client, office_settings, sign_in
from tests.support.proposals import get, inbox, inbox_text, propose, set_threshold


@pytest.fixture
def settings() -> Settings:
    return office_settings()


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _participants(chat: Chat) -> list[tuple[int, str, str]]:
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(
                MeetingParticipant.id, MeetingParticipant.capacity, MeetingParticipant.answer
            ).order_by(MeetingParticipant.id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def _items(chat: Chat) -> list[tuple[int, str | None, str | None]]:
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(MeetingItem.id, MeetingItem.outcome, MeetingItem.outcome_note).order_by(
                MeetingItem.position, MeetingItem.id
            )
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def _scheduled(chat: Chat, clock: FakeClock, http: httpx.AsyncClient) -> str:
    """Proposal #1 (co-signed by 李福海 and 赵淑兰) and the hot issue on meeting #1's agenda."""
    await set_threshold(chat, "CY-JS-01", 2)
    await hot_month(chat, clock.now)
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    await chat.text("李福海", "/cosign 1")
    await chat.text("赵淑兰", "/cosign 1")
    async with chat.app.db.transaction() as session:
        community = await session.scalar(select(Region.id).where(Region.code == "CY-JS-01"))
    csrf = await sign_in(chat, http, "王海燕")
    done = await http.post(
        f"/office/region/{community}/meetings",
        data={"csrf": csrf, "date": "2026-12-10", "time": "14:00", "place": "党群服务中心"},
    )
    assert done.status_code == 303
    return csrf


async def test_invite_decide_write_minutes_and_publish_on_the_page(
    chat: Chat, clock: FakeClock
) -> None:
    async with client(chat.app) as http:
        csrf = await _scheduled(chat, clock, http)
        page = await http.get("/office/meetings/1")
        assert 'id="form-invite"' in page.text and 'id="form-outcome"' in page.text
        assert 'id="form-minutes"' not in page.text  # items are still undecided
        for code in ("居民代表", "物业", "业委会", "社会组织", "驻区单位"):
            assert code in page.text

        # invite: a name not registered invites no one (all or nothing), and says which
        missing = await http.post(
            "/office/meetings/1/invite",
            data={"csrf": csrf, "capacity": "resident_rep", "names": "王凤兰 张三丰"},
        )
        assert missing.status_code == 400 and "没有找到这些已注册的人：张三丰" in missing.text
        assert await _participants(chat) == []
        invited = await http.post(
            "/office/meetings/1/invite",
            data={"csrf": csrf, "capacity": "resident_rep", "names": "王凤兰、李福海"},
        )
        assert invited.status_code == 303
        assert invited.headers["location"].endswith("?done=invited")
        shown = (await http.get(invited.headers["location"])).text
        assert "已邀请，参会人已通过本平台收到通知" in shown
        committee = await http.post(
            "/office/meetings/1/invite",
            data={
                "csrf": csrf,
                "capacity": "owners_committee",
                "names": "陈永福",
                "affiliation": "劲松北社区业委会",
            },
        )
        assert committee.status_code == 303
        again = await http.post(
            "/office/meetings/1/invite",
            data={"csrf": csrf, "capacity": "property", "names": "王凤兰"},
        )
        assert again.status_code == 409 and "已经邀请过：王凤兰" in again.text
        assert [(c, a) for _, c, a in await _participants(chat)] == [
            ("resident_rep", "invited"),
            ("resident_rep", "invited"),
            ("owners_committee", "invited"),
        ]
        invitation = (await inbox(chat, "陈永福"))[-1]
        assert "邀请您以业委会身份参加：2026-12-10 14:00，党群服务中心" in invitation["text"]
        assert invitation["choices"] == [["参加", "mtg:1:attend"], ["不参加", "mtg:1:decline"]]
        assert "邀请您以居民代表身份参加" in (await inbox(chat, "李福海"))[-1]["text"]

        # participants answer in chat; one declines and cannot be given a vote
        await chat.text("李福海", payload="mtg:1:decline")
        wang, li, chen = (p for p, _, _ in await _participants(chat))
        page = (await http.get("/office/meetings/1")).text
        assert f'name="vote_{wang}"' in page and f'name="vote_{li}"' not in page
        item, hot = (i for i, _, _ in await _items(chat))
        declined = await http.post(
            "/office/meetings/1/outcome",
            data={"csrf": csrf, "item": str(item), "outcome": "deferred", f"vote_{li}": "for"},
        )
        assert declined.status_code == 400 and "已答复不参加" in declined.text
        # a proposal passed needs its owner and target date, as in chat
        no_owner = await http.post(
            "/office/meetings/1/outcome",
            data={"csrf": csrf, "item": str(item), "outcome": "passed", "target": "2027-06-30"},
        )
        assert no_owner.status_code == 400 and "请填写负责单位或负责人" in no_owner.text
        assert await votes(chat) == [] and (await get(chat, 1)).status == "on_agenda"

        # the outcome with the votes cast in the room and a note
        passed = await http.post(
            "/office/meetings/1/outcome",
            data={
                "csrf": csrf,
                "item": str(item),
                "outcome": "passed",
                f"vote_{wang}": "for",
                f"vote_{chen}": "abstain",
                "owner": "劲松北社区居委会",
                "owner_unit": "劲松物业公司",
                "funding": "街道实事项目经费",
                "target": "2027-06-30",
                "note": "先做103号楼",
            },
        )
        assert passed.status_code == 303 and passed.headers["location"].endswith("?done=outcome")
        shown = _plain((await http.get(passed.headers["location"])).text)
        assert "已记录议题结果" in shown and "#1 加装电梯 — 通过" in shown
        assert "赞成 1，反对 0，弃权 1" in shown and "王凤兰：赞成、陈永福：弃权" in shown
        assert await votes(chat) == ["for", "abstain"]
        assert (await _participants(chat))[2][2] == "attend"  # voting is attending
        project = await get(chat, 1)
        assert (project.status, project.owner, project.owner_unit, project.funding_source) == (
            "accepted",
            "劲松北社区居委会",
            "劲松物业公司",
            "街道实事项目经费",
        )
        for follower in ("王凤兰", "李福海", "赵淑兰"):  # the author and every co-signer
            assert "经社区联席会议（第 1 次）研究，已立项为实事项目" in await inbox_text(
                chat, follower
            )
        twice = await http.post(
            "/office/meetings/1/outcome",
            data={"csrf": csrf, "item": str(item), "outcome": "rejected", "note": "重复"},
        )
        assert twice.status_code == 409 and "已经有结果了" in twice.text  # decided once

        # the minutes wait for every item; a rejection carries its reason
        early = await http.post("/office/meetings/1/minutes", data={"csrf": csrf, "minutes": "x"})
        assert early.status_code == 400 and "还有议题没有结果：第 2 项" in early.text
        no_reason = await http.post(
            "/office/meetings/1/outcome",
            data={"csrf": csrf, "item": str(hot), "outcome": "rejected", "note": " "},
        )
        assert no_reason.status_code == 400
        hot_done = await http.post(
            "/office/meetings/1/outcome",
            data={
                "csrf": csrf,
                "item": str(hot),
                "outcome": "passed",
                f"vote_{wang}": "for",
                "note": "物业牵头拆除私装地锁",
            },
        )
        assert hot_done.status_code == 303
        assert [(o, n) for _, o, n in await _items(chat)] == [
            ("passed", "先做103号楼"),
            ("passed", "物业牵头拆除私装地锁"),
        ]

        # the minutes, kept; then the notice published to the community
        page = (await http.get("/office/meetings/1")).text
        assert 'id="form-minutes"' in page and 'id="form-outcome"' not in page
        saved = await http.post(
            "/office/meetings/1/minutes",
            data={"csrf": csrf, "minutes": "与会各方同意加装电梯。"},
        )
        assert saved.status_code == 303 and saved.headers["location"].endswith("?done=minutes")
        assert "会议纪要已保存" in (await http.get(saved.headers["location"])).text
        stored = await meeting(chat, 1)
        assert (stored.minutes, stored.status) == ("与会各方同意加装电梯。", "held")
        clock.advance(minutes=1)
        published = await http.post(
            "/office/meetings/1/publish",
            data={"csrf": csrf, "minutes": "与会各方同意加装电梯，并拆除私装地锁。"},
        )
        assert published.status_code == 303
        shown = _plain((await http.get(published.headers["location"])).text)
        sent = int(published.headers["location"].rsplit("sent=", 1)[1])
        assert sent > 3 and f"已公示，正在发给 {sent} 位居民" in shown
        assert "与会各方同意加装电梯，并拆除私装地锁。" in shown
        assert 'id="form-invite"' not in shown and 'id="form-minutes"' not in shown
        closed = await http.post(
            "/office/meetings/1/invite",
            data={"csrf": csrf, "capacity": "unit", "names": "王秀兰"},
        )
        assert closed.status_code == 400 and "已公示或已取消" in closed.text
    stored = await meeting(chat, 1)
    assert stored.status == "published" and stored.broadcast_id is not None
    notice = "【公示】劲松北社区联席会议（#1，2026-12-10 14:00，党群服务中心）决定如下"
    for resident in ("王秀兰", "陈永福", "王凤兰", "李福海", "赵淑兰"):
        assert notice in await inbox_text(chat, resident), resident
    assert "1. #1 加装电梯：通过（赞成 1，反对 0，弃权 1） — 先做103号楼" in await inbox_text(
        chat, "王秀兰"
    )
    assert notice not in await inbox_text(chat, "刘思彤")  # another community
    shown = await chat.text("陈永福", "/proposal 1")  # the notice, shown with the proposal
    assert "联席会议 #1 的决定已于" in shown and "向全社区公示" in shown
    assert await meeting_audit(chat) == [
        "meeting.schedule",
        "meeting.invite",
        "meeting.invite",
        "meeting.outcome",
        "meeting.outcome",
        "meeting.minutes",
        "meeting.minutes",
        "meeting.publish",
    ]


async def test_a_rejection_and_a_deferral_on_the_page(chat: Chat, clock: FakeClock) -> None:
    async with client(chat.app) as http:
        csrf = await _scheduled(chat, clock, http)
        item, hot = (i for i, _, _ in await _items(chat))
        rejected = await http.post(
            "/office/meetings/1/outcome",
            data={"csrf": csrf, "item": str(item), "outcome": "rejected", "note": "楼体结构不允许"},
        )
        assert rejected.status_code == 303
        deferred = await http.post(
            "/office/meetings/1/outcome",
            data={"csrf": csrf, "item": str(hot), "outcome": "deferred"},
        )
        assert deferred.status_code == 303
        shown = _plain((await http.get("/office/meetings/1")).text)
        assert "#1 加装电梯 — 不通过" in shown and "楼体结构不允许" in shown
        # publish with the minutes typed in the same form
        done = await http.post(
            "/office/meetings/1/publish", data={"csrf": csrf, "minutes": "电梯方案不可行。"}
        )
        assert done.status_code == 303
    proposal = await get(chat, 1)
    assert (proposal.status, proposal.decision_reason) == ("rejected", "楼体结构不允许")
    for follower in ("王凤兰", "李福海", "赵淑兰"):
        assert "楼体结构不允许" in await inbox_text(chat, follower), follower
    assert (await meeting(chat, 1)).status == "published"
    async with chat.app.db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(MeetingParticipant))
    assert count == 0
