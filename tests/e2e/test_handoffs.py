"""吹哨报到 end to end, in Chinese: a report handed to 城管, answered, the reporter told, rated;
help and hand-back; overdue hand-offs escalated by the sweep; what a department may not see."""

from __future__ import annotations

from datetime import timedelta

from handlers.sweeps import PERIODIC, Sweeper
from storage.repos import agencies
from tests.support.agencies import LOCK_TEXT, handoff, report, whistle
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import inbox, inbox_choices, make_report, refused


async def test_a_report_handed_to_chengguan_is_answered_and_the_reporter_told(
    chat: Chat, clock: FakeClock
) -> None:
    rid = await make_report(chat.app, category="unlicensed_business", text=LOCK_TEXT)
    shown = await chat.text("张磊", f"/report_status {rid}")
    assert "吹哨（交给部门）" in shown
    await whistle(chat, rid)
    handed = await handoff(chat.app, 1)
    assert (handed.status, handed.due_at) == ("handed", clock() + timedelta(days=3))
    # Both of 城管's staff hear it with the three answers; the reporter hears where it went.
    for name in ("赵志强", "钱卫东"):
        assert await inbox(chat.app, name) == [
            f"吹哨 #1：张磊把报事 #{rid}（第一网格）交给劲松街道城管执法队：{LOCK_TEXT}\n"
            f"说明：请尽快处理，居民反映强烈\n请在 2026-12-03 10:00 前报到。"
        ]
        assert (await inbox_choices(chat.app, name))[0][:3] == ["hans:1", "hhelp:1", "hback:1"]
    assert (await inbox(chat.app, "王凤兰"))[-1] == (
        f"您的报事 #{rid} 已交给劲松街道城管执法队处理，期限 2026-12-03 10:00。"
    )
    assert await inbox(chat.app, "孙警官") == []  # 公安 was not handed it
    # The department's staff see it in their list and answer with a photo.
    assert "#1 报事#1 [待报到]" in await chat.text("钱卫东", "吹哨任务")
    assert "请写交办 #1 的处理结果" in await chat.text("钱卫东", payload="hans:1")
    done = await chat.text("钱卫东", "已依法取缔占道摊点，人行道已清理", photo="console:after")
    assert "已报到：交办 #1 已处理" in done
    answered = await handoff(chat.app, 1)
    assert (answered.status, answered.answer_photo) == ("answered", "console:after")
    assert answered.responded_at == answered.answered_at == clock()
    assert (await report(chat.app, rid)).status == "resolved"
    told = (await inbox(chat.app, "王凤兰"))[-1]
    assert told.startswith(f"您的报事 #{rid} 已由劲松街道城管执法队处理：已依法取缔占道摊点")
    assert (await inbox_choices(chat.app, "王凤兰"))[-1][0] == f"rrate:{rid}:1"
    assert (await inbox(chat.app, "张磊"))[-1] == (
        f"劲松街道城管执法队已报到（交办 #1，报事 #{rid}）：已依法取缔占道摊点，人行道已清理"
    )
    # A colleague's late answer changes nothing.
    assert "已有人处理" in await chat.text("赵志强", payload="hans:1")
    # The reporter rates it; the street sees the department's three rates.
    assert "谢谢" in await chat.text("王凤兰", payload=f"rrate:{rid}:5")
    rates = await chat.text("刘文静", "部门统计")
    assert "劲松街道城管执法队：交办 1 件，响应率 100%，解决率 100%，满意率 100%" in rates
    assert "劲松派出所：交办 0 件，响应率 —" in rates


async def test_a_department_asks_for_help_then_hands_back(chat: Chat) -> None:
    rid = await make_report(chat.app, category="unlicensed_business", text=LOCK_TEXT)
    await whistle(chat, rid)
    await chat.script(
        "赵志强",
        [
            ("/handoff 1", "部门：劲松街道城管执法队"),
            ("2", "交办 #1 需要什么协助？"),  # 请求协助
            ("摊主不配合，需要派出所协助", "已请求协助（交办 #1）"),
        ],
    )
    assert (await inbox(chat.app, "刘文静"))[-1] == (
        f"劲松街道城管执法队就交办 #1（报事 #{rid}）请求协助：摊主不配合，需要派出所协助"
    )
    assert (await handoff(chat.app, 1)).status == "help"
    await chat.script(
        "赵志强",
        [
            ("/handoff 1", "状态：请求协助"),
            ("3", "为什么退回"),
            ("不属于城管职责", "已退回交办 #1"),
        ],
    )
    assert (await inbox(chat.app, "张磊"))[-1].startswith("劲松街道城管执法队退回了交办 #1")
    assert (await report(chat.app, rid)).status == "open"  # back with the grid
    # Handed back, the report can be handed to another department.
    await chat.script("张磊", [(f"/whistle {rid}", "交给哪个部门"), ("2", "几天内")])


async def test_an_overdue_hand_off_is_escalated_by_the_sweep_once(
    chat: Chat, clock: FakeClock
) -> None:
    rid = await make_report(chat.app, category="unlicensed_business", text=LOCK_TEXT)
    await whistle(chat, rid, days="1")
    sweeper = Sweeper(
        chat.app.deps, periodic=tuple(p for p in PERIODIC if p.kind == "escalate_handoffs")
    )
    assert (await sweeper.tick()).kinds.get("escalate_handoffs") == 1
    assert (await handoff(chat.app, 1)).escalation_level == 0  # not due yet
    clock.advance(days=1, minutes=10)
    assert (await sweeper.tick()).kinds == {"escalate_handoffs": 1}
    assert (await handoff(chat.app, 1)).escalation_level == 1
    expected = (
        f"⚠ 超期督办：交办 #1（报事 #{rid}，第一网格）"
        "劲松街道城管执法队未在 2026-12-01 10:00 前报到。"
    )
    for name in ("刘文静", "赵志强", "张磊"):  # the street, 城管's lead, the worker who handed it
        assert (await inbox(chat.app, name))[-1] == expected, name
    assert expected not in await inbox(chat.app, "钱卫东")  # staff, not the lead
    assert "⚠ 已超期督办" in await chat.text("赵志强", "/handoff 1")
    clock.advance(minutes=10)
    await sweeper.tick()
    assert (await inbox(chat.app, "刘文静")).count(expected) == 1  # once only
    # Answered late, the response is counted as not on time.
    await chat.text("钱卫东", payload="hans:1")
    await chat.text("钱卫东", "已处理")
    async with chat.app.db.transaction() as session:
        rows = {d.code: rest for d, *rest in await agencies.rate_counts(session, None)}
    assert rows["CY-JS-CG"] == [1, 0, 1, 0, 0]


async def test_departments_see_and_act_only_on_what_was_handed_to_them(chat: Chat) -> None:
    rid = await make_report(chat.app, category="unlicensed_business", text=LOCK_TEXT)
    other = await make_report(chat.app, text="另一个报事")
    await whistle(chat, rid)
    # 公安's staff: not handed this one.
    for said in ("/handoff 1", f"/report_status {rid}"):
        assert refused(await chat.text("孙警官", said)), said
    assert refused(await chat.text("孙警官", payload="hans:1"))
    assert "还没有交办" in await chat.text("孙警官", "/handoffs")
    # 城管's staff see the report handed to them, not the grid's other reports.
    assert LOCK_TEXT in await chat.text("赵志强", f"/report_status {rid}")
    assert refused(await chat.text("赵志强", f"/report_status {other}"))
    assert refused(await chat.text("赵志强", f"/whistle {other}"))
    # Residents and a grid worker of another grid may not hand reports on.
    assert refused(await chat.text("陈永福", f"/whistle {rid}"))
    assert refused(await chat.text("杨帆", f"/whistle {other}"))
    assert refused(await chat.text("陈永福", "/handoffs"))
    assert refused(await chat.text("陈永福", "/dept_stats"))
    # A report is handed to one department at a time.
    assert "已交办（#1）" in await chat.text("王海燕", f"/whistle {rid}")


async def test_staff_join_a_department_by_invite_code(chat: Chat, clock: FakeClock) -> None:
    from handlers.departments import create_invites

    async with chat.app.db.transaction() as session:
        (code,) = await create_invites(session, clock(), department_code="CY-JS-GA")
    assert refused(await chat.text("陈永福", "/handoffs"))
    assert "您已加入劲松派出所" in await chat.text("陈永福", f"/join {code.lower()}")
    assert "还没有交办" in await chat.text("陈永福", "/handoffs")
    assert "邀请码无效" in await chat.text("王凤兰", f"/join {code}")  # single use


async def test_a_department_answers_in_english(chat: Chat) -> None:
    rid = await make_report(chat.app, category="unlicensed_business", text=LOCK_TEXT)
    await whistle(chat, rid)
    await chat.text("赵志强", "/lang")
    await chat.text("赵志强", "2")  # English
    await chat.script(
        "赵志强",
        [
            ("/handoffs", "Handed to your department (1):\n#1 report #1 [waiting]"),
            ("/handoff 1", "Department: 劲松街道城管执法队"),
            ("1", "What was done about hand-off #1?"),
            ("Stall removed", "Reported back: hand-off #1 done"),
        ],
    )
