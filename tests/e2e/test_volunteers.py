"""Volunteer profiles end to end: sign-up, the profile and its edits, pause/resume, bad input."""

from __future__ import annotations

import pytest

from matching.taxonomy import SLOTS
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.volunteering import Talk, person_id, profile, region_id

WEEKEND = [s for s in SLOTS if s.startswith(("sat", "sun"))]

# 陈永福 (劲松北社区 第一网格) signs up: a skill by group, one typed, weekends, defaults kept.
SIGN_UP = [
    ("志愿者", "您能提供哪些志愿服务"),
    ("1", "「养老助老」"),  # the elderly-care group
    ("5", "已选 1/10"),  # 代购代办
    ("12", "已选：代购代办"),  # back to the groups
    ("陪老人看病", "已添加：陪诊"),  # typed words, matched through the synonyms
    ("13", "还有其他特长吗"),  # done
    ("会开车，可以接送", "您一般什么时间方便"),
    ("3", "已选：周六、周日 全天"),  # weekends
    ("5", "您常住在哪个网格"),  # done
    ("1", "您愿意在多大范围内服务"),  # keep 第一网格
    ("3", "每周最多愿意接几次任务"),  # the community
    ("2", "您有下列证书吗"),  # twice a week
    ("13", "已选：机动车驾驶证"),
    ("14", "志愿者荣誉榜"),  # done
    ("1", "请核对您的志愿者信息"),  # show my name
]


@pytest.fixture
def talk(chat: Chat, clock: FakeClock) -> Talk:
    """The demo chat, paced."""
    return Talk(chat, clock)


async def test_resident_signs_up_with_skills_by_group_and_by_typing(talk: Talk) -> None:
    await talk.script("陈永福", SIGN_UP)
    summary = await talk.text("陈永福", "返回")  # back to the honour roll, and on again
    assert "志愿者荣誉榜" in summary
    summary = await talk.text("陈永福", "1")
    for expected in (
        "技能：代购代办、陪诊",
        "其他特长：会开车，可以接送",
        "服务时间：周六、周日 全天",
        "常住网格：第一网格",
        "服务范围：本社区",
        "每周最多：2 次",
        "证书：机动车驾驶证",
        "荣誉榜：同意署名",
    ):
        assert expected in summary
    assert "感谢您加入社区志愿者队伍" in await talk.text("陈永福", "1")
    stored = await profile(talk.chat, "陈永福")
    assert stored is not None
    assert stored.skills == ["errand_shopping", "medical_escort"]
    assert stored.free_skills == "会开车，可以接送"
    assert stored.availability == WEEKEND
    assert stored.home_grid_id == await region_id(talk.chat, "CY-JS-01-G1")
    assert (stored.reach, stored.max_tasks_week) == ("community", 2)
    assert stored.certifications == ["driving"] and stored.show_name and not stored.paused


async def test_cancel_midway_saves_nothing(talk: Talk) -> None:
    await talk.script("陈永福", SIGN_UP[:8])
    assert "已取消" in await talk.text("陈永福", "取消")
    assert await profile(talk.chat, "陈永福") is None


async def test_existing_profile_is_shown_and_each_part_edited(talk: Talk) -> None:
    shown = await talk.text("王秀兰", "/volunteer")
    assert "我的志愿者信息（接单中）" in shown
    assert "技能：陪诊、陪伴聊天、上门探访" in shown
    assert "服务时间：周一至周五 上午、下午" in shown
    assert "1. 修改技能" in shown and "9. ⏸ 暂停接单" in shown
    await talk.script(
        "王秀兰",
        [
            ("1", "已选：陪诊、陪伴聊天、上门探访"),  # edit the skills
            ("1", "「养老助老」"),
            ("1", "已选 2/10"),  # un-tick 陪诊
            ("13", "已更新您的志愿者信息"),  # saved at once, no confirmation
        ],
    )
    await talk.script(
        "王秀兰",
        [
            ("/volunteer_edit slots", "已选：周一至周五 上午、下午"),
            ("2", "已选：周一至周五 全天"),  # add weekday evenings
            ("4", "周一上午"),  # single slots
            ("1", "已选：周一 下午、晚上；周二至周五 全天"),  # un-tick Monday morning
            ("22", "已更新"),  # done
            ("/volunteer_edit load", "目前 3 次"),
            ("5", "每周最多：5 次"),
            ("/volunteer_edit honour", "荣誉榜"),
            ("2", "荣誉榜：不署名"),
            ("/volunteer_edit free", "当前：退休前在医院挂号处工作"),
            ("2", "其他特长：无"),  # clear it
        ],
    )
    stored = await profile(talk.chat, "王秀兰")
    assert stored is not None
    assert stored.skills == ["companionship", "home_visit"]
    assert "mon_am" not in stored.availability and "fri_ev" in stored.availability
    assert (stored.max_tasks_week, stored.show_name, stored.free_skills) == (5, False, "")


async def test_edit_keeps_other_parts_and_grid_can_change(talk: Talk) -> None:
    await talk.script(
        "王秀兰",
        [("/volunteer_edit grid", "✓ 就是第一网格"), ("3", "常住网格：第三网格")],
    )
    stored = await profile(talk.chat, "王秀兰")
    assert stored is not None and stored.home_grid_id == await region_id(talk.chat, "CY-JS-01-G3")
    assert stored.skills == ["medical_escort", "companionship", "home_visit"]


async def test_pause_and_resume(talk: Talk) -> None:
    await talk.script(
        "王秀兰",
        [
            ("/pause", "已暂停接单"),
            ("/pause", "您已经暂停接单了"),
            ("/volunteer", "我的志愿者信息（已暂停接单）"),
            ("/resume", "欢迎回来"),
            ("/resume", "您正在接单中"),
            ("暂停接单", "已暂停接单"),
        ],
    )
    stored = await profile(talk.chat, "王秀兰")
    assert stored is not None and stored.paused


async def test_who_may_use_it(talk: Talk) -> None:
    assert "请先发送 /start" in await talk.text("stranger", "/volunteer")
    assert "您还没有登记为志愿者" in await talk.text("陈永福", "/pause")
    assert "您还没有登记为志愿者" in await talk.text("陈永福", "/volunteer_edit skills")


async def test_at_most_ten_skills(talk: Talk) -> None:
    await talk.script("陈永福", [("/volunteer", "最多 10 项"), ("1", "「养老助老」")])
    for n in range(1, 11):
        assert f"已选 {n}/10" in await talk.text("陈永福", str(n))
    refused = await talk.text("陈永福", "11")
    assert "最多选择 10 项技能" in refused and "已选 10/10" in refused
    assert "最多选择 10 项技能" in await talk.text("陈永福", "修水管")  # typing counts too
    assert "已选 9/10" in await talk.text("陈永福", "1")  # un-ticking still works


async def test_bad_input_is_asked_again(talk: Talk) -> None:
    await talk.script(
        "陈永福",
        [
            ("/volunteer", "您能提供哪些志愿服务"),
            ("99", "没有找到和「99」相近的技能"),  # a wrong number is read as words
            ("abc", "没有找到和「abc」相近的技能"),
            ("13", "还有其他特长吗"),  # no skill yet: the free text may still say something
            ("   ", "内容不能为空"),
            ("长" * 201, "最多 200 字，您写了 201 字"),
            ("1", "请至少选择一项技能"),  # skip with nothing at all
            ("返回", "您能提供哪些志愿服务"),
            ("修水管", "已添加：水管维修"),
            ("13", "还有其他特长吗"),
            ("1", "您一般什么时间方便"),  # skip
            ("5", "请至少选择一个时段"),
            ("4", "周一上午"),
            ("22", "请至少选择一个时段"),
            ("7", "已选：周三 上午"),
            ("22", "您常住在哪个网格"),
            ("1", "您愿意在多大范围内服务"),
            ("第五网格", "请从下面的选项中选择"),
            ("2", "每周最多愿意接几次任务"),
            ("0", "请选择 1 到 10 之间的次数"),
            ("15", "请选择 1 到 10 之间的次数"),
            ("十次", "请选择 1 到 10 之间的次数"),
            ("10", "您有下列证书吗"),
            ("没有", "志愿者荣誉榜"),
            ("也许", "请从下面的选项中选择"),
            ("2", "荣誉榜：不署名"),
            ("1", "感谢您加入"),
        ],
    )
    stored = await profile(talk.chat, "陈永福")
    assert stored is not None
    assert (stored.skills, stored.availability, stored.reach, stored.max_tasks_week) == (
        ["plumbing"],
        ["wed_am"],
        "grid",
        10,
    )


async def test_volunteer_signs_up_in_english(talk: Talk) -> None:
    await talk.script(
        "Michael Brown",
        [
            ("/volunteer", "What can you help with?"),
            ("escort to doctor", "Added: Medical escort"),
            ("13", "Anything else you are good at?"),
        ],
    )
    await talk.script(
        "Michael Brown",
        [
            ("Native English speaker", "When are you usually free?"),
            ("2", "Chosen: Mon–Fri evening"),
            ("5", "Which grid do you live in?"),
            ("1", "How far from home"),
            ("4", "At most how many tasks a week?"),
            ("1", "Do you hold any of these certificates?"),
            ("14", "honour roll"),
            ("2", "Honour roll: anonymous"),
            ("1", "Thank you for joining the community volunteers!"),
        ],
    )
    stored = await profile(talk.chat, "Michael Brown")
    assert stored is not None and stored.skills == ["medical_escort"]
    assert stored.home_grid_id == await region_id(talk.chat, "CY-JS-02-G2")
    assert await person_id(talk.chat, "Michael Brown")


async def test_skills_said_in_a_sentence_are_added(talk: Talk) -> None:
    """What volunteers type is a sentence, not a skill's name: "I can also fix a tap and help
    with shopping" once got "No skill close to …" (and so did 我会修水龙头，也能帮忙买菜)."""
    await talk.script(
        "Michael Brown",
        [
            ("/volunteer", "What can you help with?"),
            ("I can also fix a tap and help with shopping", "Added: Plumbing, Errands"),
        ],
    )
    await talk.script(
        "王凤兰",
        [
            ("/volunteer", "您能提供哪些志愿服务"),
            ("我会修水龙头，也能帮忙买菜", "已添加：水管维修、代购代办"),
        ],
    )
