"""Service needs (服务需求) end to end, in Chinese first: asking, entry door to door, rating."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from handlers import needs
from handlers.core.errors import Conflict
from handlers.core.notify import Sink
from storage.models import Identity, Need, Person, Region
from storage.repos import regions
from tests.support.chat import Chat
from tests.support.needs_reports import (
    ROLES,
    count,
    get_need,
    inbox,
    inbox_choices,
    make_need,
    move_need,
    person_id,
    refused,
)

# 王凤兰 asks for someone to take her to the doctor tomorrow morning (the clock: Monday 10:00).
ASK = [
    ("需求", "您需要什么服务？"),
    ("陪老人看病", "1. 陪诊服务"),
    ("1", "什么时间方便？"),
    ("2", "1. 在家（劲松北社区 劲松一区103号楼）"),
    ("1", "还有什么需要说明的吗？"),
    ("需要轮椅", "服务：陪诊服务\n时间：2026-12-01 08:00–12:00\n地点：劲松北社区 劲松一区103号楼"),
    ("1", "已提交服务需求 #1（陪诊服务），状态：待匹配"),
]


async def test_an_elderly_resident_finds_medical_escort_and_follows_it(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    need = await get_need(chat.app, 1)
    assert need.status == "open" and need.notes == "需要轮椅"
    assert need.window_start == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    assert need.window_end == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert need.person_id == need.entered_by_id == await person_id(chat.app, "王凤兰")
    async with chat.app.db.transaction() as session:
        home = await regions.by_code(session, "CY-JS-01-G1-B3")
    assert home is not None and need.region_id == home.id
    listed = await chat.text("王凤兰", "/needs")
    assert "#1 陪诊服务 · 待匹配 · 2026-12-01 08:00–12:00" in listed
    shown = await chat.text("王凤兰", "1")  # the view button
    assert "服务需求 #1" in shown and "状态：待匹配" in shown and "取消这项需求" in shown
    assert "服务对象类别" not in shown  # staff-only


async def test_a_free_time_is_read_in_local_time_and_stored_in_utc(chat: Chat) -> None:
    await chat.script("王凤兰", ASK[:3])
    await chat.script("王凤兰", [("12月3日 14:00-16:00", "在哪里提供服务"), ("1", "说明")])
    await chat.script("王凤兰", [("跳过", "时间：2026-12-03 14:00–16:00"), ("1", "已提交")])
    need = await get_need(chat.app, 1)
    assert (need.window_start, need.window_end) == (
        datetime(2026, 12, 3, 6, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
    )


async def test_flexible_time_and_a_typed_place(chat: Chat) -> None:
    await chat.script("王凤兰", ASK[:3])
    await chat.script(
        "王凤兰",
        [
            ("5", "在哪里提供服务"),  # any time
            ("朝阳医院门诊楼", "说明"),
            ("1", "时间：时间灵活\n地点：朝阳医院门诊楼"),
            ("1", "已提交"),
        ],
    )
    need = await get_need(chat.app, 1)
    assert need.window_start is None and need.place == "朝阳医院门诊楼"


async def test_bad_answers_are_explained_and_nothing_is_lost(chat: Chat) -> None:
    await chat.script("王凤兰", ASK[:1])
    assert "请用文字描述" in await chat.text("王凤兰", "")
    assert "最多 100 字" in await chat.text("王凤兰", "陪" * 101)
    assert "内容太长了（最多 2000 个字）" in await chat.text("王凤兰", "长" * 10_000)
    assert "没有找到和「火星移民」相符的服务项目" in await chat.text("王凤兰", "火星移民")
    await chat.script("王凤兰", ASK[1:3])
    assert "没看懂这个时间" in await chat.text("王凤兰", "改天吧")
    assert "已经过去了" in await chat.text("王凤兰", "今天早上7点")
    assert "结束时间要晚于开始时间" in await chat.text("王凤兰", "明天16:00-14:00")
    assert "最多半年以内" in await chat.text("王凤兰", "2027-12-01 10:00-11:00")
    await chat.script("王凤兰", ASK[3:5])
    assert "最多 500 字" in await chat.text("王凤兰", "备" * 501)
    await chat.script("王凤兰", ASK[5:])
    assert await count(chat.app, Need) == 1


async def test_back_lets_the_resident_rephrase(chat: Chat) -> None:
    # "none of these" goes to a person now (tests/e2e/test_understanding.py); "back" rephrases
    await chat.script("王凤兰", ASK[:2])
    await chat.script("王凤兰", [("返回", "您需要什么服务"), ("理发", "1. 义务理发")])
    await chat.script("王凤兰", [("返回", "您需要什么服务"), ("送饭", "1. 居家养老助餐")])
    await chat.script("王凤兰", [("1", "什么时间方便"), ("取消", "已取消")])
    assert await count(chat.app, Need) == 0


async def test_a_replayed_submit_creates_one_need(chat: Chat) -> None:
    await chat.script("王凤兰", ASK[:-1])
    first = await chat.say("王凤兰", "1", update_key="tg-777")
    again = await chat.say("王凤兰", "1", update_key="tg-777")
    assert first == again and await count(chat.app, Need) == 1


async def test_the_resident_cancels_an_open_need(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    await chat.script(
        "王凤兰",
        [
            ("/need_status 1", "取消这项需求"),
            ("1", "确定要取消服务需求 #1（陪诊服务）吗？"),
            ("1", "服务需求 #1（陪诊服务）已取消"),
        ],
    )
    assert (await get_need(chat.app, 1)).status == "cancelled"
    assert "已取消" in await chat.text("王凤兰", "/need_status 1")
    assert "取消这项需求" not in await chat.text("王凤兰", "/need_status 1")


async def test_a_need_that_changed_meanwhile_is_not_cancelled(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    assert "确定要取消" in await chat.text("王凤兰", payload="needcancel:1:open")
    await move_need(chat.app, 1, "matching", "assigned")  # a volunteer took it meanwhile
    text = await chat.text("王凤兰", payload="needcancel:1:open:yes")
    assert "状态刚刚有了变化，这次操作没有执行" in text
    assert (await get_need(chat.app, 1)).status == "assigned"
    text = await chat.text("王凤兰", payload="needcancel:1:assigned:yes")
    assert "已安排志愿者，不能自行取消" in text
    # staff may still cancel an assigned need; the resident is told
    assert "已取消" in await chat.text("王海燕", payload="needcancel:1:assigned:yes")
    assert "服务需求 #1（陪诊服务）已取消。" in (await inbox(chat.app, "王凤兰"))[-1]


async def test_state_changes_are_validated_and_pushed_to_the_resident(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    await move_need(chat.app, 1, "matching", "assigned", "done", actor="王海燕")
    texts = await inbox(chat.app, "王凤兰")
    assert texts == [
        "正在为您的服务需求 #1（陪诊服务）匹配志愿者。",
        "您的服务需求 #1（陪诊服务）已安排志愿者。",
        "服务需求 #1（陪诊服务，王凤兰）已完成。请为这次服务打分：",
    ]
    assert (await inbox_choices(chat.app, "王凤兰"))[-1] == [
        f"needrate:1:{stars}" for stars in range(1, 6)
    ]
    need = await get_need(chat.app, 1)
    assert need.status == "done" and need.closed_at is not None
    for bad in ("open", "cancelled", "done"):  # done is final
        with pytest.raises(Conflict):
            await move_need(chat.app, 1, bad)


async def test_set_status_refuses_a_stale_copy(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    await move_need(chat.app, 1, "matching")  # someone else moved it
    async with chat.app.db.transaction() as session:
        stale = await session.get(Need, 1)
        assert stale is not None
        set_committed_value(stale, "status", "open")  # what the caller saw before
        with pytest.raises(Conflict) as raised:
            await needs.set_status(
                Sink.bare(session, chat.app.deps, chat.app.deps.clock()),
                stale,
                "assigned",
                None,
            )
        assert raised.value.key == "needs.changed" and stale.status == "matching"
    with pytest.raises(Conflict) as raised:
        await move_need(chat.app, 1, "done")  # matching → done skips the assignment
    assert raised.value.key == "needs.bad_transition"


async def test_open_needs_are_handed_off_by_region(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    mine = await make_need(chat.app, "刘思彤")  # 百环社区
    await move_need(chat.app, mine, "cancelled")
    other = await make_need(chat.app, "黄志伟")  # 百环社区 too
    async with chat.app.db.transaction() as session:
        jinsong = await regions.by_code(session, "CY-JS-01")
        street = await regions.by_code(session, "CY-JS")
        assert [n.id for n in await needs.open_needs(session, jinsong)] == [1]
        assert [n.id for n in await needs.open_needs(session, street)] == [1, other]
        assert [n.id for n in await needs.open_needs(session)] == [1, other]


async def test_the_resident_rates_a_done_need_once(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    await move_need(chat.app, 1, "assigned", "done")
    await chat.script(
        "王凤兰",
        [
            ("/need_status 1", "★5 非常满意"),
            ("5", "谢谢您对服务需求 #1 的评价：★★★★★"),
            ("志愿者很耐心", "已记录您的意见"),
        ],
    )
    assert "已经评价过了" in await chat.text("王凤兰", payload="needrate:1:1")
    need = await get_need(chat.app, 1)
    assert (need.rating, need.rating_comment) == (5, "志愿者很耐心")
    assert "评价：★★★★★ 志愿者很耐心" in await chat.text("王凤兰", "/need_status 1")


async def test_rating_needs_a_done_need_and_the_beneficiary(chat: Chat) -> None:
    await chat.script("王凤兰", ASK)
    assert "还没有完成" in await chat.text("王凤兰", payload="needrate:1:4")
    await move_need(chat.app, 1, "assigned", "done")
    assert refused(await chat.text("张磊", payload="needrate:1:4"))
    assert "评价" in await chat.text("王凤兰", payload="needrate:1:4")
    assert "好的，谢谢" in await chat.text("王凤兰", "跳过")
    assert (await get_need(chat.app, 1)).rating == 4


# -- door-to-door collection (入户收集) -----------------------------------------------------------

VISIT_SERVICE = [
    ("老人洗澡", "1. 助浴服务"),
    ("1", "什么时间方便"),
    ("明天下午", "1. 在家（劲松北社区 劲松一区104号楼）"),
    ("1", "还有什么需要说明"),
    ("独居，腿脚不便", "服务对象类别（仅工作人员可见"),
    ("5", "5. ✅ 独居老人"),
    ("6", "6. ✅ 困难家庭"),
    ("6", "6. 困难家庭"),  # toggled off again
    ("3", "3. ✅ 残疾人"),
]


async def test_a_grid_worker_enters_a_need_for_a_resident_after_a_visit(chat: Chat) -> None:
    await chat.script(
        "张磊",
        [
            ("/visit", "入户收集（第一网格）：请输入居民姓名"),
            ("陈", "1. 陈永福（劲松一区104号楼）"),
            ("1", "您需要什么服务"),
            *VISIT_SERVICE,
            ("9", "「残疾人、独居老人」属于敏感个人信息"),
            ("1", "居民：陈永福（劲松北社区 劲松一区104号楼）\n服务对象类别：残疾人、独居老人"),
            ("1", "已为陈永福登记服务需求 #1（助浴服务），状态：待匹配"),
        ],
    )
    need = await get_need(chat.app, 1)
    assert need.person_id == await person_id(chat.app, "陈永福")
    assert need.entered_by_id == await person_id(chat.app, "张磊")
    assert sorted(need.target_groups) == ["disabled", "elderly_alone"]
    assert "网格员张磊为您登记了服务需求 #1（助浴服务）" in (await inbox(chat.app, "陈永福"))[0]
    # the resident sees the need, never the tags; staff see both
    resident_view = await chat.text("陈永福", "/need_status 1")
    assert "助浴服务" in resident_view and "独居老人" not in resident_view
    assert "服务对象类别（仅工作人员可见）：残疾人、独居老人" in await chat.text(
        "王海燕", "/need_status 1"
    )
    listed = await chat.text("王海燕", "/needs_open")
    assert "#1 助浴服务 · 陈永福 · 待匹配" in listed and "［残疾人、独居老人］" in listed


async def test_a_resident_without_a_phone_is_recorded_and_the_worker_rates(chat: Chat) -> None:
    await chat.script(
        "张磊",
        [
            ("入户收集", "请输入居民姓名"),
            ("刘桂香", "第一网格没有找到「刘桂香」。要新建这位居民吗？"),
            ("1", "刘桂香住在哪栋楼？"),
            ("4", "您需要什么服务"),
            *VISIT_SERVICE,
            ("9", "敏感个人信息"),
            ("1", "居民：刘桂香"),
            ("1", "已为刘桂香登记服务需求 #1（助浴服务）"),
        ],
    )
    async with chat.app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == "刘桂香"))
        ).scalar_one()
        idents = await session.execute(select(Identity).where(Identity.person_id == person.id))
        assert idents.first() is None  # no channel identity
        home = await session.get(Region, person.home_region_id)
        assert home is not None and home.code == "CY-JS-01-G1-B4"
    await move_need(chat.app, 1, "assigned", "done")
    done = (await inbox(chat.app, "张磊"))[-1]
    assert "服务需求 #1（助浴服务，刘桂香）已完成" in done
    assert refused(await chat.text("王海燕", payload="needrate:1:5"))  # not the one who entered it
    assert "谢谢您对服务需求 #1 的评价" in await chat.text("张磊", payload="needrate:1:5")


async def test_organizers_and_admins_choose_the_grid_first(chat: Chat) -> None:
    await chat.script(
        "王海燕",
        [
            ("/visit", "请选择网格"),
            ("2", "入户收集（第二网格）"),
            ("李", "李福海（劲松一区106号楼）"),
        ],
    )
    await chat.script(
        "刘文静",
        [("/visit", "请选择社区"), ("2", "请选择网格"), ("1", "入户收集（第一网格）")],
    )


async def test_a_grid_worker_finds_only_residents_of_their_grid(chat: Chat) -> None:
    await chat.script("杨帆", [("/visit", "第二网格"), ("王凤兰", "第二网格没有找到「王凤兰」")])
    assert "请从下面的选项中选择" in await chat.text("杨帆", payload="p1")
    assert "请输入居民姓名" in await chat.text("杨帆", "2")  # search again
    assert "李福海（劲松一区106号楼）" in await chat.text("杨帆", "李")


async def test_bad_visit_input_is_explained(chat: Chat) -> None:
    await chat.script("张磊", [("/visit", "请输入居民姓名")])
    assert "请输入居民姓名。" in await chat.text("张磊", "")
    assert "最多 30 字" in await chat.text("张磊", "名" * 31)
    await chat.script("张磊", [("刘桂香", "新建居民"), ("1", "住在哪栋楼")])
    assert "请从下面的选项中选择" in await chat.text("张磊", payload="r99999")


# -- who may do what ---------------------------------------------------------------------------

# action → role → "ok" (done), "no" (refused), "hidden" (allowed, but the need is not listed/found)
TABLE: dict[str, dict[str, str]] = {
    "view": dict.fromkeys(ROLES, "no")
    | {"owner": "ok", "grid_worker_here": "ok", "organizer_here": "ok", "admin": "ok"},
    "cancel": dict.fromkeys(ROLES, "no")
    | {"owner": "ok", "grid_worker_here": "ok", "organizer_here": "ok", "admin": "ok"},
    "rate": dict.fromkeys(ROLES, "no") | {"owner": "ok"},
    "create": dict.fromkeys(ROLES, "ok") | {"unregistered": "no"},
    "list_open": {
        "owner": "no",
        "other_resident": "no",
        "grid_worker_here": "ok",
        "grid_worker_elsewhere": "hidden",
        "organizer_here": "ok",
        "organizer_elsewhere": "hidden",
        "admin": "ok",
        "unregistered": "no",
    },
    "visit": {
        "owner": "no",
        "other_resident": "no",
        "grid_worker_here": "ok",
        "grid_worker_elsewhere": "hidden",
        "organizer_here": "ok",
        "organizer_elsewhere": "hidden",
        "admin": "ok",
        "unregistered": "no",
    },
}


async def _act(chat: Chat, action: str, who: str, need_id: int) -> str:
    if action == "view":
        return await chat.text(who, f"/need_status {need_id}")
    if action == "cancel":
        return await chat.text(who, payload=f"needcancel:{need_id}:open:yes")
    if action == "rate":
        await move_need(chat.app, need_id, "assigned", "done")
        return await chat.text(who, payload=f"needrate:{need_id}:4")
    if action == "create":
        return await chat.text(who, "/need")
    if action == "list_open":
        return await chat.text(who, "/needs_open")
    # visit: find 王凤兰 (第一网格, 劲松北社区)
    text = await chat.text(who, "/visit")
    if "请选择社区" in text:
        text = await chat.text(who, "1")
    if "请选择网格" in text:
        text = await chat.text(who, "1")
    if refused(text):
        return text
    return await chat.text(who, "王凤兰")


def _outcome(action: str, text: str, need_id: int) -> str:
    if refused(text):
        return "no"
    done = {
        "view": f"服务需求 #{need_id}",
        "cancel": "已取消",
        "rate": "谢谢您对服务需求",
        "create": "您需要什么服务",
        "list_open": f"#{need_id} 陪诊服务",
        "visit": "王凤兰（劲松一区103号楼）",
    }[action]
    return "ok" if done in text else "hidden"


@pytest.mark.parametrize("action", sorted(TABLE))
async def test_authorization_table(chat: Chat, action: str) -> None:
    got, want = {}, TABLE[action]
    for role, who in ROLES.items():
        need_id = await make_need(chat.app)
        got[role] = _outcome(action, await _act(chat, action, who, need_id), need_id)
        await chat.text(who, "/cancel")  # leave any flow before the next role
    assert got == want


async def test_refusals_change_nothing(chat: Chat) -> None:
    need_id = await make_need(chat.app)
    for who in ("陈永福", "杨帆", "李梦瑶", "路人甲"):
        await chat.text(who, payload=f"needcancel:{need_id}:open:yes")
    assert (await get_need(chat.app, need_id)).status == "open"
    assert await inbox(chat.app, "王凤兰") == []


async def test_unknown_and_malformed_ids_get_a_clear_reply(chat: Chat) -> None:
    assert "找不到编号为 999 的服务需求" in await chat.text("王凤兰", "/need_status 999")
    assert "请在命令后面写需求编号" in await chat.text("王凤兰", "/need_status abc")
    assert "您还没有提过服务需求" in await chat.text("王凤兰", "/need_status")
    assert "这个按钮已经失效" in await chat.text("王凤兰", payload="needgone:1")


# -- export and English --------------------------------------------------------------------------


async def test_export_rows_leave_out_target_groups_unless_asked(chat: Chat) -> None:
    await chat.script(
        "张磊",
        [
            ("/visit", "姓名"),
            ("陈", "陈永福"),
            ("1", "服务"),
            *VISIT_SERVICE,
            ("9", "敏感个人信息"),
            ("1", "居民"),
            ("1", "已为陈永福登记"),
        ],
    )
    async with chat.app.db.transaction() as session:
        community = await regions.by_code(session, "CY-JS-01")
        elsewhere = await regions.by_code(session, "CY-JS-02")
        assert community is not None and elsewhere is not None
        rows = await needs.export_rows(session, community)
        sensitive = await needs.export_rows(session, community, include_sensitive=True)
        assert await needs.export_rows(session, elsewhere) == []
    assert len(rows) == 1 and "target_groups" not in rows[0]
    assert rows[0]["service"] == "助浴服务" and rows[0]["person"] == "陈永福"
    assert rows[0]["door_to_door"] is True and rows[0]["status"] == "open"
    assert sensitive[0]["target_groups"] == "elderly_alone;disabled"
    assert all(isinstance(v, str | int | bool) for v in rows[0].values())


async def test_an_english_speaking_resident_asks_for_help(chat: Chat) -> None:
    await chat.script(
        "Michael Brown",
        [
            ("/need", "What service do you need?"),
            ("medical escort to hospital", "1. Medical escort service"),
            ("1", "When would suit you?"),
            ("tomorrow 9:00-11:00", "1. At home (百环社区 百环家园7号楼)"),
            ("1", "Anything else we should know?"),
            ("1", "Time: 1 Dec 2026 09:00–11:00"),
            ("1", "Your request #1 (Medical escort service) was submitted"),
            ("/needs", "#1 Medical escort service · waiting for a volunteer"),
        ],
    )
    await move_need(chat.app, 1, "matching")
    notice = (await inbox(chat.app, "Michael Brown"))[-1]
    assert notice == "We are finding a volunteer for your request #1 (Medical escort service)."


async def test_target_groups_need_the_residents_consent(chat: Chat) -> None:
    await chat.script(
        "张磊",
        [
            ("/visit", "请输入居民姓名"),
            ("陈", "陈永福"),
            ("1", "您需要什么服务"),
            *VISIT_SERVICE,
            ("9", "只有居民本人（或监护人）当面明确同意后才能记录"),
            ("2", "服务对象类别：—"),
            ("1", "已为陈永福登记服务需求 #1"),
        ],
    )
    need = await get_need(chat.app, 1)
    assert need.target_groups == []
    async with chat.app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == "陈永福"))
        ).scalar_one()
        assert person.sensitive_consent_at is None
