"""Units in the area (驻区单位) end to end, in Chinese: a unit registers and is approved, lists
what it offers and needs; organizers book a venue for an activity (a double booking refused)
and equipment for a practical project; a unit signs up as a group; only own resources."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from handlers.admin.exports import exporter, write
from tests.support.agencies import make_activity, make_project, resource_id
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import inbox, inbox_choices, refused


async def test_a_unit_registers_is_approved_and_lists_what_it_offers(chat: Chat) -> None:
    await chat.script(
        "陈永福",
        [
            ("单位注册", "单位名称："),
            ("劲松社区卫生服务站", "已提交单位注册：劲松社区卫生服务站（#2，劲松北社区）"),
            ("/resource_add", "您还不是已通过审核的驻区单位的工作人员"),
        ],
    )
    assert (await inbox(chat.app, "王海燕"))[-1] == (
        "新单位注册待审核：劲松社区卫生服务站（#2，劲松北社区），申请人 陈永福"
    )
    assert (await inbox_choices(chat.app, "王海燕"))[-1] == ["unitok:2", "unitno:2"]
    assert refused(await chat.text("李梦瑶", payload="unitok:2"))  # another community's
    assert "已通过劲松社区卫生服务站的注册" in await chat.text("王海燕", payload="unitok:2")
    assert "已审核" in await chat.text("王海燕", payload="unitno:2")
    assert "现在可以用 /resource_add 登记资源了" in (await inbox(chat.app, "陈永福"))[-1]
    await chat.script(
        "陈永福",
        [
            ("登记资源", "是单位能提供的，还是需要的？"),
            ("1", "哪一类？"),  # 提供资源
            ("1", "名称"),  # 场地
            ("健康教室", "可容纳多少人？"),
            ("40", "什么时间可用"),
            (
                "工作日晚上",
                "已登记（提供资源）：#4 劲松社区卫生服务站·健康教室（场地，40，工作日晚上）",
            ),
            ("/resource_add", "是单位能提供的"),
            ("2", "哪一类？"),  # 需要资源
            ("2", "名称"),  # 设备
            ("血压计", "有几件"),
            ("5", "什么时间可用"),
            ("跳过", "已登记（需要资源）：#5"),
        ],
    )
    listed = await chat.text("王海燕", "资源清单")
    assert "提供资源：\n#1 劲松中学·学校礼堂（场地，200，周末全天）" in listed
    assert "#4 劲松社区卫生服务站·健康教室" in listed
    assert "需要资源：\n#3 劲松中学·学生社会实践岗位" in listed
    units = await chat.text("王海燕", "/units")
    assert "#1 劲松中学（已通过）" in units and "#2 劲松社区卫生服务站（已通过）" in units


async def test_a_venue_is_booked_for_an_activity_and_a_double_booking_refused(
    chat: Chat, clock: FakeClock
) -> None:
    saturday = clock() + timedelta(days=5)
    first = await make_activity(chat.app, "邻里文艺汇演", saturday, hours=3)
    clash = await make_activity(chat.app, "健康讲座", saturday + timedelta(hours=2))
    hall = await resource_id(chat.app, "学校礼堂")
    await chat.script(
        "王海燕",
        [
            (f"/book {hall}", "预约用于："),
            ("1", "活动编号："),  # 志愿活动
            (str(first), "已预约 #1：#1 劲松中学·学校礼堂（场地，200，周末全天）"),
        ],
    )
    assert (await inbox(chat.app, "何老师"))[-1] == (
        f"王海燕预约了贵单位的学校礼堂（1），2026-12-05 10:00–2026-12-05 13:00，用于活动 #{first}。"
    )
    await chat.script(
        "王海燕",
        [
            (f"/book {hall}", "预约用于："),
            ("1", "活动编号："),
            (str(clash), "学校礼堂在 2026-12-05 10:00–2026-12-05 13:00 已被预约，不能重复预约。"),
        ],
    )
    # Equipment is booked up to its quantity; a practical project gives its own time.
    sound = await resource_id(chat.app, "音响设备")
    project = await make_project(chat.app, "小区文化墙改造", clock())
    await chat.script(
        "王海燕",
        [
            (f"/book {sound}", "预约用于："),
            ("2", "实事项目（提案）编号："),
            (str(project), "什么时间使用"),
            ("12月5日 9:00-12:00", "音响设备共 2，预约多少？"),
            ("2", f"数量 2，2026-12-05 09:00–2026-12-05 12:00，用于实事项目 #{project}。"),
            (f"/book {sound}", "预约用于："),
            ("1", "活动编号："),
            (str(first), "音响设备共 2"),
            ("1", "音响设备这段时间只剩 0 可预约。"),
        ],
    )
    # Only the unit's own community books; a resident may not book at all.
    assert refused(await chat.text("李梦瑶", f"/book {hall}"))
    assert refused(await chat.text("陈永福", f"/book {hall}"))
    # The 资源清单 and 项目清单 exports, with Chinese headers, through the one export writer.
    async with chat.app.db.transaction() as session:
        resources = await exporter("resources")(session, None)
        projects = await exporter("project_list")(session, None)
        needs = await exporter("unit_needs")(session, None)
    lines = list(csv.reader(io.StringIO(write(resources, "csv").decode("utf-8-sig"))))
    assert lines[0] == ["编号", "单位", "社区", "类别", "名称", "数量", "时间", "已预约次数"]
    assert lines[1] == ["1", "劲松中学", "劲松北社区", "venue", "学校礼堂", "200", "周末全天", "1"]
    assert [p["使用资源"] for p in projects if p["编号"] == project] == ["劲松中学·音响设备"]
    assert [n["名称"] for n in needs] == ["学生社会实践岗位"]


async def test_units_act_only_on_their_own_resources(chat: Chat) -> None:
    await chat.script("陈永福", [("单位注册", "单位名称"), ("劲松社区卫生服务站", "已提交")])
    hall = await resource_id(chat.app, "学校礼堂")
    assert refused(await chat.text("陈永福", f"/resource_off {hall}"))  # not his unit's
    await chat.text("王海燕", payload="unitok:2")
    assert refused(await chat.text("陈永福", f"/resource_off {hall}"))
    assert refused(await chat.text("王凤兰", "/resources"))
    assert "已撤下资源 #1 学校礼堂" in await chat.text("何老师", f"/resource_off {hall}")
    assert "#1 劲松中学·学校礼堂" not in await chat.text("王海燕", "/resources")


async def test_a_units_lead_invites_a_colleague(chat: Chat) -> None:
    assert "不是已通过审核的驻区单位的负责人" in await chat.text("陈永福", "/unit_invite")
    answer = await chat.text("何老师", "/unit_invite")
    assert "请把这个邀请码交给劲松中学的同事" in answer
    code = answer.rsplit("\n", 1)[-1]
    assert "您已加入劲松中学" in await chat.text("陈永福", f"/join {code}")
    hall = await resource_id(chat.app, "学校礼堂")
    assert "已撤下资源 #1 学校礼堂" in await chat.text("陈永福", f"/resource_off {hall}")
    assert "负责人" in await chat.text("陈永福", "/unit_invite")  # staff, not a lead


async def test_a_unit_volunteers_as_a_group(chat: Chat, clock: FakeClock) -> None:
    activity = await make_activity(chat.app, "社区大扫除", clock() + timedelta(days=2), slots=12)
    assert "请这样写" in await chat.text("何老师", "单位报名")
    assert "劲松中学已以单位名义报名“社区大扫除”，10 人" in await chat.text(
        "何老师", f"/unit_join {activity} 10"
    )
    assert (await inbox(chat.app, "王海燕"))[-1] == "劲松中学以单位名义报名了“社区大扫除”，10 人。"
    assert "只剩 12 个名额" in await chat.text("何老师", f"/unit_join {activity} 13")
    assert "不是" in await chat.text("陈永福", f"/unit_join {activity} 2")  # not a unit's staff
    # The unit's places count against the activity's slots for individual sign-ups too.
    from storage.repos import activities

    async with chat.app.db.transaction() as session:
        assert await activities.taken(session, activity) == 10


async def test_a_unit_lists_a_resource_in_english(chat: Chat) -> None:
    await chat.text("何老师", "/lang")
    await chat.text("何老师", "2")
    await chat.script(
        "何老师",
        [
            ("/resource_add", "Does the unit offer it or need it?"),
            ("1", "What kind?"),
            ("4", "Its name"),  # money
            ("Reading fund", "How much (yuan)?"),
            ("5000", "When is it available"),
            ("skip", "Listed (offers): #4 劲松中学 · Reading fund (money, 5000, —)"),
        ],
    )
