"""Demo sections for 吹哨报到 (a report handed to 城管 and answered) and units' resources."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.demo.mobilization import _latest_activity
from bot.demo.script import DemoContext, Say, Section


def handoffs(d: DemoContext) -> Section:
    """A resident reports an unlicensed stall; the grid worker hands it to 城管 with a deadline
    (吹哨); 城管's staff report back with a photo (报到); the resident is told and rates it; the
    street sees each department's three rates."""
    return Section(
        "demo.handoffs",
        (
            Say("王凤兰", "报事"),
            Say("王凤兰", "3"),  # 无照经营
            Say(
                "王凤兰",
                d.pick("小区门口有人占道经营，堵住了人行道", "A stall blocks the pavement"),
            ),
            Say("王凤兰", d.pick("跳过", "skip")),  # no photo
            Say("王凤兰", "1"),  # in her own grid
            Say("王凤兰", "1"),  # submit
            Say("张磊", "/whistle 2"),
            Say("张磊", "1"),  # 劲松街道城管执法队
            Say("张磊", "3"),  # within three days
            Say("张磊", d.pick("居民反映强烈，请尽快处理", "Residents are upset")),
            Say("钱卫东", d.pick("吹哨任务", "/handoffs")),
            Say("钱卫东", "1"),  # view hand-off #1
            Say("钱卫东", "1"),  # 报到
            Say(
                "钱卫东",
                d.pick("已依法取缔占道摊点，人行道已清理", "Stall removed, pavement clear"),
                photo="console:photo-stall-cleared",
            ),
            Say("王凤兰", "5"),  # ★5 on the notice she got
            Say("王凤兰", d.pick("跳过", "skip")),
            Say("刘文静", d.pick("部门统计", "/dept_stats")),
        ),
    )


def unit_resources(d: DemoContext) -> Section:
    """The organizer reads the units' resource list, publishes an activity and books 劲松中学's
    hall for it; a second booking of the hall at the same time is refused; the school's staff
    sign the school up as a group of five."""
    org = "王海燕"
    local = d.clock().astimezone(ZoneInfo(d.tz))
    day = local.date() + timedelta(days=(5 - local.weekday()) % 7 or 7)  # next Saturday
    when = d.pick(f"{day.month}月{day.day}日 14:00-16:00", f"{day.isoformat()} 14:00 16:00")
    return Section(
        "demo.units",
        (
            Say(org, d.pick("资源清单", "/resources")),
            Say(org, "/activity_new"),
            Say(org, d.pick("邻里文艺汇演", "Neighbourhood show")),
            Say(org, d.pick("居民和学生同台演出", "Residents and students on one stage")),
            Say(org, when),
            Say(org, d.pick("劲松中学礼堂", "The school hall")),
            Say(org, "20"),  # twenty volunteers
            Say(org, "9"),  # skills
            Say(org, "1"),  # for 劲松北社区
            Say(org, "1"),  # publish
            Say(org, "/book 1"),  # 学校礼堂
            Say(org, "1"),  # for an activity
            Say(org, "", later=_latest_activity("{id}")),
            Say(org, "/book 1"),  # again, the same time: refused
            Say(org, "1"),
            Say(org, "", later=_latest_activity("{id}")),
            Say("何老师", "", later=_latest_activity("/unit_join {id} 5")),
        ),
    )
