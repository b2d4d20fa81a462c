"""Grid reports (报事) end to end, in Chinese first: reporting, "me too", handling, escalation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from handlers import reports
from handlers.core.dispatcher import Dispatcher
from handlers.core.messages import Location
from handlers.core.notify import Sink
from handlers.routes import build_routes
from storage.models import AuditEntry, GridReport, ReportMeToo, RoleGrant
from storage.repos import regions
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import (
    ROLES,
    count,
    get_report,
    inbox,
    inbox_choices,
    make_report,
    person_id,
    refused,
)

NEAR_103 = Location(39.8883, 116.4618)  # 劲松一区103号楼, 第一网格
TEXT = "103号楼下有人私装地锁，占了消防通道"
REPORT = [
    ("报事", "报事：请选择问题类别"),
    ("5", "请简单描述问题"),
    (TEXT, "有照片吗"),
    ("跳过", "问题在哪里？可以发送位置"),
    ("1", "请确认报事：\n类别：私装地锁"),
    ("1", "已提交报事 #1，已转给第一网格的网格员，将在 2026-12-01 10:00 前回应"),
]


async def report_with_photo_and_location(chat: Chat, who: str = "王凤兰") -> None:
    """The reporting dialog with a captioned photo and a shared location."""
    await chat.script(who, REPORT[:2])
    assert "问题在哪里" in await chat.text(who, TEXT, photo="tg:file123")
    shown = await chat.text(who, location=NEAR_103)
    assert "照片：有\n位置：劲松一区103号楼" in shown
    assert "已提交报事" in await chat.text(who, "1")


async def test_a_resident_reports_a_ground_lock_with_photo_and_location(chat: Chat) -> None:
    await report_with_photo_and_location(chat)
    report = await get_report(chat.app, 1)
    assert (report.category, report.text, report.photo_ref) == ("ground_lock", TEXT, "tg:file123")
    assert (report.lat, report.lon, report.status) == (39.8883, 116.4618, "open")
    async with chat.app.db.transaction() as session:
        building = await regions.by_code(session, "CY-JS-01-G1-B3")
        grid = await regions.by_code(session, "CY-JS-01-G1")
    assert building and grid and (report.region_id, report.grid_id) == (building.id, grid.id)
    assert report.assignee_id == await person_id(chat.app, "张磊")
    now = chat.app.deps.clock()
    assert report.respond_due == now + timedelta(hours=24)
    assert report.resolve_due == now + timedelta(days=7)
    assert await inbox(chat.app, "张磊") == [
        f"新报事 #1（私装地锁，第一网格）：{TEXT}\n位置：劲松一区103号楼（第一网格）"
    ]
    assert await inbox_choices(chat.app, "张磊") == [
        [
            "rack:1",
            "/report_status 1",
            "relay:report:1",
        ]  # "发消息": to the reporter, numbers hidden
    ]


async def test_a_neighbour_says_me_too_instead_of_a_duplicate(chat: Chat) -> None:
    await report_with_photo_and_location(chat)
    await chat.script(
        "陈永福",
        [
            ("/report", "类别"),
            ("5", "描述"),
            ("楼下车位被人装了地锁", "有照片吗"),
            ("1", "问题在哪里"),
            ("1", f"1. 我也遇到了：#1 {TEXT[:24]}（1 人反映）"),
            ("1", "已记录：您也遇到了报事 #1 的问题（现在 2 人反映）"),
        ],
    )
    report = await get_report(chat.app, 1)
    assert (report.metoo_count, report.priority) == (1, 1)
    assert await count(chat.app, GridReport) == 1
    assert "报事 #1（私装地锁）又有邻居反映，现在共 2 人。" in await inbox(chat.app, "张磊")
    # once per person: asked again, the report is not offered and nothing is counted twice
    await chat.script("陈永福", [("/report", "类别"), ("5", "描述"), ("又看到地锁了", "照片")])
    await chat.script("陈永福", [("1", "问题在哪里"), ("1", "请确认报事")])
    assert (await get_report(chat.app, 1)).metoo_count == 1
    # the reporter is not offered her own report
    await chat.script("王凤兰", [("/report", "类别"), ("5", "描述"), ("地锁还在", "照片")])
    await chat.script("王凤兰", [("1", "问题在哪里"), ("1", "请确认报事")])


async def test_me_too_on_a_report_closed_meanwhile_is_refused(chat: Chat) -> None:
    await report_with_photo_and_location(chat)
    steps = [("/report", "类别"), ("5", "描述"), ("地锁", "照片"), ("1", "位置")]
    await chat.script("陈永福", [*steps, ("1", "我也遇到了：#1")])
    async with chat.app.db.transaction() as session:
        await session.execute(update(GridReport).values(status="closed"))
    text = await chat.text("陈永福", "1")
    assert "报事 #1 的状态刚刚有了变化" in text and "刚才的类似报事已经不在办理中" in text
    assert await count(chat.app, ReportMeToo) == 0
    await chat.script("陈永福", [("1", "请确认报事"), ("1", "已提交报事 #2")])  # file it anew


async def test_a_location_outside_the_grids_falls_back_to_choosing(chat: Chat) -> None:
    await chat.script("王凤兰", REPORT[:4])
    text = await chat.text("王凤兰", location=Location(31.23, 121.47))  # Shanghai
    assert "这个位置不在本街道的网格范围内" in text
    await chat.script(
        "王凤兰",
        [
            ("2", "请选择社区"),
            ("2", "请选择网格"),  # 百环社区
            ("2", "在哪栋楼附近"),  # 第二网格
            ("5", "位置：第二网格"),  # not sure which building
            ("1", "已转给第二网格的网格员"),
        ],
    )
    report = await get_report(chat.app, 1)
    assert report.assignee_id == await person_id(chat.app, "周倩")
    assert report.lat is None and report.region_id == report.grid_id


async def test_bad_report_input_gets_a_clear_reply(chat: Chat) -> None:
    await chat.script("王凤兰", REPORT[:1])
    # words naming no option are refused ("地锁" alone now picks 私装地锁: see test_understanding)
    assert "请从下面的选项中选择" in await chat.text("王凤兰", "火星基地")
    await chat.script("王凤兰", REPORT[1:2])
    assert "请用文字描述一下问题" in await chat.text("王凤兰", "")
    assert "最多 1000 字" in await chat.text("王凤兰", "锁" * 1001)
    assert "内容太长了（最多 2000 个字）" in await chat.text("王凤兰", "锁" * 10_000)
    text = await chat.text("王凤兰", "", photo="tg:only-a-photo")
    assert "请用文字描述一下问题（照片已收到的话会保留）" in text
    assert "问题在哪里" in await chat.text("王凤兰", TEXT)  # the photo was kept: no photo step
    assert "或从下面的选项中选择" in await chat.text("王凤兰", payload="r99999")
    await chat.script("王凤兰", [("1", "照片：有"), ("1", "已提交报事 #1")])
    assert (await get_report(chat.app, 1)).photo_ref == "tg:only-a-photo"
    await chat.script("王凤兰", REPORT[:3])
    assert "请发送一张照片，或点「跳过」" in await chat.text("王凤兰", "稍后再拍")
    assert "找不到编号为 999 的报事" in await chat.text("王凤兰", "/report_status 999")
    assert "请在命令后面写报事编号" in await chat.text("王凤兰", "/report_status x")


# -- handling and rating -------------------------------------------------------------------------


async def test_the_grid_worker_handles_it_and_the_reporter_rates(chat: Chat) -> None:
    await report_with_photo_and_location(chat)
    listed = await chat.text("张磊", "/reports_grid")
    assert "#1 私装地锁 · 待受理" in listed
    await chat.script(
        "张磊",
        [
            ("1", "回应期限：2026-12-01 10:00"),
            ("1", "已受理报事 #1"),
            ("1", "请填写报事 #1 的处理进展"),
            ("已约物业明天上午拆除", "已记录报事 #1 的进展"),
            ("/report_status 1", "进展：已约物业明天上午拆除"),
            ("2", "请填写报事 #1 的办结说明"),
            ("地锁已拆除，消防通道畅通", "处理后的照片"),
            ("跳过", "报事 #1 已办结"),
        ],
    )
    assert await inbox(chat.app, "王凤兰") == [
        "您反映的报事 #1（私装地锁）已由网格员张磊受理，正在处理。",
        "您反映的报事 #1（私装地锁）有新进展：已约物业明天上午拆除",
        "您的报事 #1（私装地锁）已办结：地锁已拆除，消防通道畅通\n"
        "请为处理结果打分，或告诉我们问题没解决：",
    ]
    assert (await inbox_choices(chat.app, "王凤兰"))[-1][-1] == "rdispute:1"
    await chat.script(
        "王凤兰",
        [
            ("/reports", "#1 私装地锁 · 已办结，待评价"),
            ("1", "办结说明：地锁已拆除，消防通道畅通"),
            ("4", "谢谢您对报事 #1 的评价：★★★★。这件事已关闭"),
            ("很及时", "已记录您的意见"),
        ],
    )
    report = await get_report(chat.app, 1)
    assert (report.status, report.rating, report.rating_comment) == ("closed", 4, "很及时")
    assert report.acknowledged_at is not None and report.resolved_at is not None
    assert "已经评价过了" in await chat.text("王凤兰", payload="rrate:1:5")


async def test_a_low_rating_reopens_once_then_goes_to_the_street(chat: Chat) -> None:
    report_id = await make_report(chat.app)
    await chat.text("张磊", payload=f"rclose:{report_id}")
    await chat.text("张磊", "已处理")
    await chat.text("张磊", "跳过")  # no photo after the fix
    text = await chat.text("王凤兰", payload=f"rrate:{report_id}:2")
    assert "报事 #1 已重新办理，网格员会再跟进" in text
    report = await get_report(chat.app, report_id)
    assert (report.status, report.reopened_count, report.rating) == ("reopened", 1, 2)
    assert report.resolve_due == chat.app.deps.clock() + timedelta(days=7)
    assert "居民不满意（★★），已重新办理" in (await inbox(chat.app, "张磊"))[-1]
    await chat.text("王凤兰", "跳过")
    await chat.text("张磊", payload=f"rclose:{report_id}")
    await chat.text("张磊", "这次真的拆了")
    await chat.text("张磊", "跳过")
    text = await chat.text("王凤兰", payload=f"rrate:{report_id}:1")
    assert "已经重新办理过一次，您的意见已转给街道" in text
    report = await get_report(chat.app, report_id)
    assert (report.status, report.reopened_count, report.rating) == ("closed", 1, 1)
    assert "重新办理后居民仍不满意（★）" in (await inbox(chat.app, "刘文静"))[-1]


async def test_a_dispute_reopens_once_and_a_second_is_recorded(chat: Chat) -> None:
    report_id = await make_report(chat.app, status="resolved", resolution_note="已处理")
    await chat.script(
        "王凤兰",
        [
            ("/report_status 1", "6. 问题没解决"),
            ("6", "报事 #1 哪里没解决？"),
            ("地锁还在", "已收到您的异议，报事 #1 已重新办理"),
        ],
    )
    assert (await get_report(chat.app, report_id)).status == "reopened"
    assert "居民有异议：地锁还在" in await chat.text("张磊", "/report_status 1")
    await chat.text("张磊", payload=f"rclose:{report_id}")
    await chat.text("张磊", "已再次处理")
    await chat.text("张磊", "跳过")
    await chat.text("王凤兰", payload=f"rdispute:{report_id}")
    text = await chat.text("王凤兰", "还是没拆")
    assert "已记录您的异议。报事 #1 已经重新办理过一次" in text
    report = await get_report(chat.app, report_id)
    assert (report.status, report.reopened_count) == ("closed", 1)
    async with chat.app.db.transaction() as session:
        disputes = await session.execute(
            select(AuditEntry).where(AuditEntry.action == "report.dispute")
        )
        assert [e.details["reopened"] for e in disputes.scalars()] == [True, False]


async def test_acting_on_a_report_that_changed_meanwhile_is_a_conflict(chat: Chat) -> None:
    report_id = await make_report(chat.app)
    assert "请填写报事 #1 的办结说明" in await chat.text("张磊", payload=f"rclose:{report_id}")
    await chat.text("王海燕", payload=f"rclose:{report_id}")
    await chat.text("王海燕", "社区已处理")
    assert "报事 #1 已办结" in await chat.text("王海燕", "跳过")
    text = await chat.text("张磊", "我也处理了")  # the note typed while it was closed
    assert "报事 #1 的状态刚刚有了变化" in text
    assert "状态刚刚有了变化" in await chat.text("张磊", payload=f"rack:{report_id}")
    assert "状态刚刚有了变化" in await chat.text("张磊", payload=f"rnote:{report_id}")
    assert (await get_report(chat.app, report_id)).resolution_note == "社区已处理"
    assert len(await inbox(chat.app, "王凤兰")) == 1  # one resolution notice, not two


async def test_beyond_authority_goes_to_the_street_list(chat: Chat) -> None:
    report_id = await make_report(chat.app, category="illegal_construction", text="违建三层小楼")
    await chat.script(
        "张磊",
        [
            (f"/report_status {report_id}", "4. 超出社区权限"),
            ("4", "将提交街道研判，不影响考核"),
            ("涉及产权认定，需要街道城管执法", "已将报事 #1 标记为超出社区权限"),
        ],
    )
    assert (await get_report(chat.app, report_id)).beyond_authority
    assert "超出社区权限，请街道研判" in (await inbox(chat.app, "刘文静"))[-1]
    assert "超出社区权限，已提交街道研判" in (await inbox(chat.app, "王凤兰"))[-1]
    assert "🏛超出社区权限" in await chat.text("刘文静", "/reports_street")
    assert "已经标记为超出社区权限" in await chat.text("张磊", payload=f"rbeyond:{report_id}")


async def test_reports_fall_back_to_the_organizers_without_a_grid_worker(chat: Chat) -> None:
    worker = await person_id(chat.app, "张磊")
    async with chat.app.db.transaction() as session:
        await session.execute(
            update(RoleGrant)
            .where(RoleGrant.person_id == worker)
            .values(revoked_at=chat.app.deps.clock())
        )
    await report_with_photo_and_location(chat)
    organizers = {await person_id(chat.app, n) for n in ("王海燕", "孙建平")}
    assert (await get_report(chat.app, 1)).assignee_id in organizers
    for name in ("王海燕", "孙建平"):
        assert "新报事 #1（私装地锁，第一网格）" in (await inbox(chat.app, name))[0]
    assert await inbox(chat.app, "张磊") == []


# -- deadlines and escalation --------------------------------------------------------------------


async def test_overdue_reports_escalate_to_the_street_once_per_level(
    chat: Chat, clock: FakeClock
) -> None:
    late = await make_report(chat.app)
    answered = await make_report(chat.app, text="另一处地锁")
    await chat.text("张磊", payload=f"rack:{answered}")
    clock.advance(hours=23)
    async with chat.app.db.transaction() as session:
        assert await reports.escalate_overdue(Sink.bare(session, chat.app.deps, clock())) == []
    clock.advance(hours=2)
    async with chat.app.db.transaction() as session:
        escalated = await reports.escalate_overdue(Sink.bare(session, chat.app.deps, clock()))
        assert [(r.id, r.escalation_level) for r in escalated] == [(late, 1)]
    street = await inbox(chat.app, "刘文静")
    assert street == [
        "⚠ 报事 #1（私装地锁，第一网格）超时未回应（期限 2026-12-01 10:00），已上报街道。"
    ]
    assert "已上报街道，请尽快处理" in (await inbox(chat.app, "张磊"))[-1]
    async with chat.app.db.transaction() as session:  # again: nothing new
        assert await reports.escalate_overdue(Sink.bare(session, chat.app.deps, clock())) == []
    assert len(await inbox(chat.app, "刘文静")) == 1
    clock.advance(days=6)
    async with chat.app.db.transaction() as session:
        escalated = await reports.escalate_overdue(Sink.bare(session, chat.app.deps, clock()))
        assert sorted((r.id, r.escalation_level) for r in escalated) == [(late, 2), (answered, 2)]
    assert "超时未办结" in (await inbox(chat.app, "刘文静"))[-1]
    assert "⬆已上报街道" in await chat.text("刘文静", "/reports_street")
    assert "⏰已超时" in await chat.text("张磊", "/reports_grid")


async def test_deadlines_per_category_can_be_configured(chat: Chat) -> None:
    app = chat.app
    config = replace(app.deps.config, report_deadlines={"ground_lock": (2, 7 * 24)})
    app.deps = replace(app.deps, config=config)
    app.dispatcher = Dispatcher(app.deps, build_routes())
    await chat.script("王凤兰", [*REPORT[:-1], ("1", "将在 2026-11-30 12:00 前回应")])
    report = await get_report(app, 1)
    assert report.respond_due == app.deps.clock() + timedelta(hours=2)
    assert report.resolve_due == app.deps.clock() + timedelta(days=7)
    assert reports.deadlines(config, "illegal_ads")[1] == timedelta(days=2)


# -- who may do what ---------------------------------------------------------------------------

STAFF_HERE = {"grid_worker_here": "ok", "organizer_here": "ok", "admin": "ok"}
TABLE: dict[str, dict[str, str]] = {
    "create": dict.fromkeys(ROLES, "ok") | {"unregistered": "no"},
    "view": dict.fromkeys(ROLES, "no") | {"owner": "ok"} | STAFF_HERE,
    "acknowledge": dict.fromkeys(ROLES, "no") | STAFF_HERE,
    "note": dict.fromkeys(ROLES, "no") | STAFF_HERE,
    "close": dict.fromkeys(ROLES, "no") | STAFF_HERE,
    "beyond": dict.fromkeys(ROLES, "no") | STAFF_HERE,
    "rate": dict.fromkeys(ROLES, "no") | {"owner": "ok"},
    "dispute": dict.fromkeys(ROLES, "no") | {"owner": "ok"},
    "list_grid": dict.fromkeys(ROLES, "no")
    | STAFF_HERE
    | {"grid_worker_elsewhere": "hidden", "organizer_elsewhere": "hidden"},
    "list_street": dict.fromkeys(ROLES, "no")
    | {"organizer_here": "ok", "admin": "ok", "organizer_elsewhere": "hidden"},
}
DONE = {
    "create": "请选择问题类别",
    "view": "报事 #{id}\n",
    "acknowledge": "已受理报事 #{id}",
    "note": "处理进展",
    "close": "办结说明",
    "beyond": "不影响考核",
    "rate": "谢谢您对报事 #{id} 的评价",
    "dispute": "哪里没解决",
    "list_grid": "#{id} 私装地锁",
    "list_street": "#{id} 私装地锁",
}
COMMANDS = {
    "create": "/report",
    "view": "/report_status {id}",
    "list_grid": "/reports_grid",
    "list_street": "/reports_street",
}
BUTTONS = {
    "acknowledge": "rack:{id}",
    "note": "rnote:{id}",
    "close": "rclose:{id}",
    "beyond": "rbeyond:{id}",
    "rate": "rrate:{id}:4",
    "dispute": "rdispute:{id}",
}


@pytest.mark.parametrize("action", sorted(TABLE))
async def test_authorization_table(chat: Chat, action: str) -> None:
    got = {}
    for role, who in ROLES.items():
        fields: dict[str, object] = {}
        if action in ("rate", "dispute"):
            fields = {"status": "resolved", "resolution_note": "已处理"}
        if action == "list_street":
            fields = {"beyond_authority": True}
        rid = await make_report(chat.app, **fields)
        if action in COMMANDS:
            text = await chat.text(who, COMMANDS[action].format(id=rid))
        else:
            text = await chat.text(who, payload=BUTTONS[action].format(id=rid))
        done = DONE[action].format(id=rid)
        got[role] = "no" if refused(text) else "ok" if done in text else "hidden"
        await chat.text(who, "/cancel")
    assert got == TABLE[action]


async def test_refused_actions_change_nothing(chat: Chat) -> None:
    report_id = await make_report(chat.app, status="resolved", resolution_note="已处理")
    for who in ("陈永福", "杨帆", "李梦瑶", "路人甲"):
        await chat.text(who, payload=f"rrate:{report_id}:1")
        await chat.text(who, payload=f"rack:{report_id}")
    report = await get_report(chat.app, report_id)
    assert (report.status, report.rating, report.reopened_count) == ("resolved", None, 0)


# -- export and English --------------------------------------------------------------------------


async def test_export_rows_are_flat_and_scoped(chat: Chat) -> None:
    await report_with_photo_and_location(chat)
    async with chat.app.db.transaction() as session:
        community = await regions.by_code(session, "CY-JS-01")
        elsewhere = await regions.by_code(session, "CY-JS-02")
        assert community is not None and elsewhere is not None
        rows = await reports.export_rows(session, community)
        assert await reports.export_rows(session, elsewhere) == []
    assert len(rows) == 1
    row = rows[0]
    assert (row["category"], row["grid_code"], row["photo"]) == (
        "ground_lock",
        "CY-JS-01-G1",
        "tg:file123",
    )
    assert "reporter" not in row and "reporter_id" not in row
    assert all(isinstance(v, str | int | float | bool) for v in row.values())


async def test_an_english_speaking_resident_reports_a_problem(chat: Chat) -> None:
    await chat.script(
        "Michael Brown",
        [
            ("/report", "Report a problem: choose the kind of problem."),
            ("6", "Describe the problem briefly"),
            ("Flyers glued all over the lift door", "Do you have a photo?"),
            ("1", "My own grid (第二网格)"),
            ("1", "Kind: Illegal flyers"),
            ("1", "Report #1 was sent to the grid worker of 第二网格"),
        ],
    )
    assert (await get_report(chat.app, 1)).resolve_due == chat.app.deps.clock() + timedelta(days=2)
