"""Governance on the office pages, through the real ASGI app: a joint meeting scheduled from the
page with its agenda and hot issue, participants' answers, votes, minutes and the public notice;
moved and cancelled with the participants told; a report handed to 城管 from its page and seen
overdue on the hand-offs page with the departments' rates; units with resources and bookings and
their ledgers; organizations by category."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select, update

from bot.settings import Settings
from storage.models import Handoff, Meeting, MeetingItem, Region
from tests.support.agencies import make_activity, make_project, resource_id
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.meetings import hot_month, meeting
from tests.support.needs_reports import inbox, make_report
from tests.support.office import client, office_settings, sign_in
from tests.support.proposals import get, propose, set_threshold


@pytest.fixture
def settings() -> Settings:
    return office_settings()


async def _region(chat: Chat, code: str) -> int:
    async with chat.app.db.transaction() as session:
        found = await session.scalar(select(Region.id).where(Region.code == code))
        assert found is not None
        return int(found)


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_a_meeting_is_scheduled_on_the_page_and_shown_in_full(
    chat: Chat, clock: FakeClock
) -> None:
    await set_threshold(chat, "CY-JS-01", 2)
    await hot_month(chat, clock.now)
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    await chat.text("李福海", "/cosign 1")
    await chat.text("赵淑兰", "/cosign 1")
    community = await _region(chat, "CY-JS-01")
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        page = await http.get(f"/office/region/{community}/meetings")
        assert page.status_code == 200 and 'id="form-schedule"' in page.text
        past = await http.post(
            f"/office/region/{community}/meetings",
            data={"csrf": csrf, "date": "2020-01-01", "time": "09:00", "place": "会议室"},
        )
        assert past.status_code == 400 and "这个时间已经过去了" in past.text
        done = await http.post(
            f"/office/region/{community}/meetings",
            data={"csrf": csrf, "date": "2026-12-10", "time": "14:00", "place": "党群服务中心"},
        )
        assert done.status_code == 303 and done.headers["location"].endswith("?done=scheduled")
        shown = _plain((await http.get(done.headers["location"])).text)
        for expected in (
            "联席会议 #1｜劲松北社区",
            "2026-12-10 14:00",
            "尚未邀请参会人",
            "#1 加装电梯 — 待议",
            "每月一题：报事·私装地锁 — 待议",
            "报事·私装地锁：3 件（前期 1 件）",
        ):
            assert expected in shown, expected
        assert (await get(chat, 1)).status == "on_agenda"  # the chat's own use case ran
        # participants are invited and vote in chat; the page shows answers and votes by name
        clock.advance(minutes=1)
        await chat.script(
            "王海燕",
            [
                ("/meeting_invite 1", "身份"),
                ("1", "姓名"),
                ("王凤兰 李福海", "单位"),
                ("跳过", "已邀请"),
            ],
        )
        await chat.text("王凤兰", payload="mtg:1:attend")
        await chat.text("李福海", payload="mtg:1:decline")
        await chat.text("王海燕", "/meeting_vote 1 1")
        await chat.text("王凤兰", payload="mvote:1:for")
        shown = _plain((await http.get("/office/meetings/1")).text)
        assert "王凤兰 居民代表 参加" in shown and "李福海 居民代表 不参加" in shown
        assert "赞成 1，反对 0，弃权 0" in shown and "王凤兰：赞成" in shown
        data = (await http.get("/office/api/meetings/1")).json()
        assert [p["answer"] for p in data["participants"]] == ["attend", "decline"]
        assert data["agenda"][0]["votes"] == [{"name": "王凤兰", "choice": "for"}]
        assert data["agenda"][1]["kind"] == "hot_issue" and data["notice"] == ""
        listed = (await http.get(f"/office/api/regions/{community}/meetings")).json()
        assert [(m["id"], m["status"]) for m in listed] == [(1, "scheduled")]
        # moved from the page: the participants are told in chat
        moved = await http.post(
            "/office/meetings/1/move",
            data={"csrf": csrf, "date": "2026-12-12", "time": "09:30", "place": "社区活动室"},
        )
        assert moved.status_code == 303
        assert "已改期" in (await http.get(moved.headers["location"])).text
        assert "改到 2026-12-12 09:30，社区活动室" in (await inbox(chat.app, "王凤兰"))[-1]
        # the outcome, minutes and notice (recorded in chat) appear with the notice text
        async with chat.app.db.transaction() as session:
            await session.execute(
                update(MeetingItem).where(MeetingItem.meeting_id == 1).values(outcome="passed")
            )
            await session.execute(
                update(Meeting)
                .where(Meeting.id == 1)
                .values(status="published", minutes="同意加装电梯。", published_at=clock())
            )
        shown = _plain((await http.get("/office/meetings/1")).text)
        assert "同意加装电梯。" in shown and "#1 加装电梯 — 通过" in shown
        assert 'id="form-cancel"' not in (await http.get("/office/meetings/1")).text
        notice = (await http.get("/office/api/meetings/1")).json()["notice"]
        assert "加装电梯" in notice and "同意加装电梯。" in notice


async def test_a_meeting_is_cancelled_on_the_page(chat: Chat, clock: FakeClock) -> None:
    community = await _region(chat, "CY-JS-01")
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        await http.post(
            f"/office/region/{community}/meetings",
            data={"csrf": csrf, "date": "2026-12-10", "time": "14:00", "place": "党群服务中心"},
        )
        clock.advance(minutes=1)
        await chat.script(
            "王海燕",
            [("/meeting_invite 1", "身份"), ("2", "姓名"), ("陈永福", "单位"), ("物业", "已邀请")],
        )
        empty = await http.post("/office/meetings/1/cancel", data={"csrf": csrf, "reason": " "})
        assert empty.status_code == 400 and (await meeting(chat, 1)).status == "scheduled"
        done = await http.post("/office/meetings/1/cancel", data={"csrf": csrf, "reason": "停电"})
        assert done.status_code == 303
        assert "会议已取消" in (await http.get(done.headers["location"])).text
    assert (await meeting(chat, 1)).status == "cancelled"
    assert "已取消。原因：停电" in (await inbox(chat.app, "陈永福"))[-1]


async def test_a_report_is_handed_to_chengguan_from_its_page(chat: Chat, clock: FakeClock) -> None:
    report = await make_report(chat.app)
    community = await _region(chat, "CY-JS-01")
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        page = (await http.get(f"/office/reports/{report}")).text
        assert 'id="form-handoff"' in page and "劲松街道城管执法队" in page
        async with chat.app.db.transaction() as session:
            from storage.repos import agencies

            chengguan = await agencies.department_by_code(session, "CY-JS-CG")
            assert chengguan is not None
            dept = chengguan.id
        done = await http.post(
            f"/office/reports/{report}/handoff",
            data={"csrf": csrf, "department": str(dept), "days": "3", "note": "占道严重"},
        )
        assert done.status_code == 303 and done.headers["location"].endswith("?done=handoff")
        after = (await http.get(done.headers["location"])).text
        assert "已吹哨：部门已收到通知" in after and 'id="live-handoff"' in after
        assert 'id="form-handoff"' not in after
        again = await http.post(
            f"/office/reports/{report}/handoff",
            data={"csrf": csrf, "department": str(dept), "days": "3"},
        )
        assert again.status_code == 400  # one live hand-off per report
        told = (await inbox(chat.app, "赵志强"))[-1]
        assert f"#{report}" in told and "占道严重" in told
        listed = (await http.get(f"/office/region/{community}/handoffs")).text
        assert "劲松街道城管执法队" in listed and "楼下有人私装地锁" in listed
        assert 'class="late"' not in listed
        none_late = (await http.get(f"/office/region/{community}/handoffs?status=overdue")).text
        assert "楼下有人私装地锁" not in none_late
        clock.advance(days=4)
        await sign_in(chat, http, "王海燕")  # (the session lasts an hour)
        late = (await http.get(f"/office/region/{community}/handoffs?status=overdue")).text
        assert 'class="late"' in late and "楼下有人私装地锁" in late
        assert "待报到 · 已超期" in _plain(late)
        data = (await http.get(f"/office/api/regions/{community}/handoffs")).json()
        assert [(h["report_id"], h["overdue"]) for h in data["handoffs"]] == [(report, True)]
        assert [(r["name"], r["handed"], r["response"]) for r in data["rates"]] == [
            ("劲松街道城管执法队", 1, 0.0)
        ]
        assert "0%" in late  # the response rate in the table
    async with chat.app.db.transaction() as session:
        stored = (await session.execute(select(Handoff))).scalar_one()
    assert (stored.report_id, stored.note, stored.status) == (report, "占道严重", "handed")


async def test_units_their_resources_bookings_and_ledgers(chat: Chat, clock: FakeClock) -> None:
    activity = await make_activity(chat.app, "邻里文艺汇演", clock() + timedelta(days=5), hours=3)
    hall = await resource_id(chat.app, "学校礼堂")
    await make_project(chat.app, "小区文化墙改造", clock())
    await chat.script(
        "王海燕", [(f"/book {hall}", "预约用于："), ("1", "活动编号："), (str(activity), "已预约")]
    )
    community = await _region(chat, "CY-JS-01")
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        shown = _plain((await http.get(f"/office/region/{community}/units")).text)
        for expected in ("劲松中学", "已通过", "学校礼堂", "场地", "学生社会实践岗位", "需要"):
            assert expected in shown, (expected, shown)
        assert f"王海燕 · 活动 #{activity}" in shown
        ledgers = (await http.get(f"/office/region/{community}/ledgers")).text
        assert "资源清单（驻区单位）" in ledgers and "项目清单" in ledgers
        got = {}
        for kind in ("resources", "unit_needs", "project_list"):
            answer = await http.get(f"/office/region/{community}/ledger.xlsx?kind={kind}")
            assert answer.status_code == 200, kind
            sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
            got[kind] = [[c.value for c in row] for row in sheet.iter_rows()]
        resources = got["resources"]
        assert resources[0][:5] == ["编号", "单位", "社区", "类别", "名称"]
        assert resources[1][1:5] == ["劲松中学", "劲松北社区", "场地", "学校礼堂"]  # kind as a word
        assert resources[1][-1] == 1  # booked once
        assert [row[4] for row in got["unit_needs"][1:]] == ["学生社会实践岗位"]
        projects = got["project_list"]
        assert projects[0][:3] == ["编号", "项目", "社区"]
        assert [row[1:3] for row in projects[1:]] == [["小区文化墙改造", "劲松北社区"]]


async def test_organizations_by_category_with_their_status(chat: Chat) -> None:
    community = await _region(chat, "CY-JS-01")
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        shown = _plain((await http.get(f"/office/region/{community}/orgs")).text)
    for expected in ("文体", "劲松北社区红枫合唱团", "劲松北社区夕阳红舞蹈队", "备案"):
        assert expected in shown, (expected, shown)
    assert "朝阳区乐享社会工作事务所" not in shown  # the street's, not the community's


async def test_the_pages_in_english(chat: Chat) -> None:
    await chat.text("王海燕", "/lang")
    await chat.text("王海燕", "2")
    community = await _region(chat, "CY-JS-01")
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        meetings = (await http.get(f"/office/region/{community}/meetings")).text
        assert "Schedule a joint meeting" in meetings
        handoffs = (await http.get(f"/office/region/{community}/handoffs")).text
        assert "The three rates per department" in handoffs
