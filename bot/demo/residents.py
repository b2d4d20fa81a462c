"""Demo sections for residents: registration, proposals, needs and their dispatch, grid reports."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.bootstrap import App
from bot.demo.script import DemoContext, Run, Say, Section, Wait
from handlers.core.messages import Location


def registration(d: DemoContext) -> Section:
    """A new resident registers, looks at their profile, then cancels a flow midway."""
    lang_choice = "1" if d.lang.startswith("zh") else "2"
    name = d.pick("小林", "Lin")
    return Section(
        "demo.registration",
        (
            Say(name, d.pick("你好", "hello")),
            Say(name, "/start"),
            Say(name, lang_choice),
            Say(name, "1"),  # resident
            Say(name, "1"),  # first community
            Say(name, "1"),  # first grid
            Say(name, d.pick("小林", "Lin")),
            Say(name, "1"),  # agree
            Say(name, "/me"),
            Say(name, "/lang"),
            Say(name, "/back"),
            Say(name, "/cancel"),
        ),
    )


def invitation(d: DemoContext) -> Section:
    """An organizer joins with an invite code the administrator made on the command line."""
    name = d.pick("赵主任", "Director Zhao")
    lang_choice = "1" if d.lang.startswith("zh") else "2"
    return Section(
        "demo.invitation",
        (
            Say(name, "/start"),
            Say(name, lang_choice),
            Say(name, "2"),  # invite code
            Say(name, "WRONG123"),
            Say(name, d.invite_code),
            Say(name, "2"),  # second community
            Say(name, "3"),  # skip grid
            Say(name, "1"),  # keep name
            Say(name, "1"),  # agree
            Say(name, "/me"),
        ),
    )


def proposals(d: DemoContext) -> Section:
    """A resident proposes, a neighbour co-signs instead of a duplicate, the organizer accepts it
    as a practical project, reports it done, and most of its followers confirm: it is closed."""
    return Section(
        "demo.proposals",
        (
            Say("王凤兰", "提案"),
            Say("王凤兰", d.pick("加装电梯", "Install a lift")),
            Say(
                "王凤兰",
                d.pick("103号楼六层没有电梯，老人上下楼太难。", "Building 103 has six floors"),
            ),
            Say("王凤兰", "1"),  # scope: my building
            Say("王凤兰", "6"),  # category: facilities
            Say("李福海", "/propose"),
            Say("李福海", d.pick("老楼加装电梯", "Install a lift in our old building")),
            Say("李福海", d.pick("老人出门难，希望给老楼装电梯。", "Old people can hardly go out")),
            Say("李福海", "1"),  # co-sign the similar proposal #1 instead
            Say("赵淑兰", "/cosign 1"),
            Say("陈永福", "/cosign 1"),  # the demo community's threshold (3) is reached
            Say("王海燕", "/agenda"),
            Say("王海燕", "/decide 1"),
            Say("王海燕", "1"),  # accept as a practical project
            Say("王海燕", d.pick("劲松北社区居委会、物业公司", "Residents' committee")),
            Say("王海燕", d.pick("劲松物业公司", "Jinsong Property")),  # unit in charge
            Say("王海燕", d.pick("街道实事项目经费", "Street project budget")),  # funding
            Say("王海燕", d.pick("12月31日", "12-31")),
            Say("王海燕", "/progress 1"),
            Say("王海燕", d.pick("电梯已安装并通过验收。", "The lift is installed and inspected.")),
            Say("王海燕", "2"),  # done
            Say("王凤兰", "/confirm 1"),
            Say("李福海", "/confirm 1"),
            Say("赵淑兰", "/confirm 1"),  # three of four followers confirmed: closed
            Say("王凤兰", "/proposals"),
        ),
    )


def service_needs(d: DemoContext) -> Section:
    """An elderly resident gives her door (🏠 填写门牌地址 under /me), asks for someone to take her
    to the doctor and follows it; a grid worker enters a need for a neighbour without a phone
    after a home visit, tagging target groups."""
    return Section(
        "demo.needs",
        (
            Say("王凤兰", "/me"),
            Say("王凤兰", "1"),  # 🏠 填写门牌地址: the door, seen only by whoever accepts her need
            Say("王凤兰", d.pick("3单元 502", "Entrance 3, Room 502")),
            Say("王凤兰", "需求"),
            Say("王凤兰", d.pick("陪老人看病", "medical escort to hospital")),
            Say("王凤兰", "1"),  # 陪诊服务
            Say("王凤兰", d.pick("明天上午", "tomorrow morning")),
            Say("王凤兰", "1"),  # at home
            Say("王凤兰", d.pick("要去朝阳医院，腿脚不便", "Chaoyang Hospital; I walk slowly")),
            Say("王凤兰", "1"),  # submit
            Say("王凤兰", "/needs"),
            Say("王凤兰", "1"),  # view the newest
            Say("杨帆", "/visit"),
            Say("杨帆", "刘桂香"),
            Say("杨帆", "1"),  # nobody of that name yet: record her
            Say("杨帆", "1"),  # 劲松一区105号楼
            Say("杨帆", d.pick("老人洗澡", "bathing help")),
            Say("杨帆", "1"),  # 助浴服务
            Say("杨帆", d.pick("本周末", "this weekend")),
            Say("杨帆", "1"),  # at her home
            Say("杨帆", d.pick("独居，行动不便", "lives alone, cannot walk far")),
            Say("杨帆", "5"),  # 独居老人
            Say("杨帆", "3"),  # 残疾人
            Say("杨帆", "9"),  # done
            Say("杨帆", "1"),  # she agreed, in person, to have them recorded
            Say("杨帆", "1"),  # submit
            Say("杨帆", "/needs_open"),
        ),
    )


async def _dispatch_open_needs(app: App) -> None:
    """What the scheduler's dispatch sweep does: offer every open need to its best matches."""
    from handlers.core.notify import Sink
    from handlers.tasks import dispatch_open

    async with app.db.transaction() as session:
        deps = app.deps
        await dispatch_open(Sink.bare(session, deps, deps.clock()), deps.config)


def tasks(d: DemoContext) -> Section:
    """The need is matched and offered with reasons; one volunteer declines, the next accepts,
    sees the place with the door, and the two talk through Linli (the relay, no numbers shown);
    next day the task is done, confirmed and rated, hours recorded."""
    tomorrow_noon = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    return Section(
        "demo.tasks",
        (
            Run("demo.tick_dispatch", _dispatch_open_needs),
            Say("王秀兰", "2"),  # declines the offer she was just sent
            Say("张淑珍", "1"),  # accepts: sees the place, and writes through Linli (no numbers)
            Say("程志刚", "1"),  # too late: the offer was withdrawn
            Say(
                "张淑珍",
                d.pick(
                    "/msg 1 王阿姨您好，我明早八点到您家楼下",
                    "/msg 1 Hello, 8am tomorrow at your door",
                ),
            ),
            Say("王凤兰", "1"),  # 💬 回复 on the relayed message: the thread opens
            Say("王凤兰", d.pick("好的，我在3单元门口等您", "Fine, I will wait at entrance 3")),
            Say("王凤兰", d.pick("结束", "end")),
            Wait(tomorrow_noon),
            Say("张淑珍", "/tasks"),
            Say("张淑珍", "/task_done 1"),  # done: asks the hours, bounded by the window
            Say("张淑珍", d.pick("3小时", "3")),
            Say("王凤兰", d.pick("确认完成", "/task_confirm 1")),  # confirms: hours recorded
            Say("王凤兰", "5"),  # rates the service
            Say("张淑珍", "/hours"),
        ),
    )


def grid_reports(d: DemoContext) -> Section:
    """A resident reports a private parking lock with a photo and his location; a neighbour says
    "me too"; the grid worker acknowledges and resolves it; the reporter rates the result."""
    return Section(
        "demo.reports",
        (
            Say("陈永福", "报事"),
            Say("陈永福", "5"),  # 私装地锁
            Say(
                "陈永福",
                d.pick(
                    "104号楼下有人私装地锁，占了消防通道", "A parking lock blocks the fire lane"
                ),
                photo="console:photo-ground-lock",
            ),
            Say("陈永福", "", location=Location(39.8886, 116.4622)),
            Say("陈永福", "1"),  # submit
            Say("张淑珍", "/report"),
            Say("张淑珍", "5"),
            Say("张淑珍", d.pick("楼下车位被人装了地锁", "A lock on the parking space")),
            Say("张淑珍", "1"),  # no photo
            Say("张淑珍", "1"),  # my own grid
            Say("张淑珍", "1"),  # me too
            Say("张磊", "/reports_grid"),
            Say("张磊", "1"),  # view it
            Say("张磊", "1"),  # acknowledge
            Say("张磊", "2"),  # resolve
            Say("张磊", d.pick("已联系物业拆除地锁，消防通道已畅通", "The lock is removed")),
            Say("张磊", "", photo="console:photo-lock-removed"),  # the place after the fix
            Say("陈永福", "/reports"),
            Say("陈永福", "1"),  # view
            Say("陈永福", "5"),  # ★5
            Say("陈永福", d.pick("处理得很及时，谢谢", "Quick work, thank you")),
        ),
    )


async def _sweep_series(app: App) -> None:
    """What the scheduler does every quarter hour: create recurring needs' next occurrences."""
    from handlers.sweeps import Periodic, Sweeper

    await Sweeper(
        app.deps, periodic=(Periodic("series_occurrences", "minutes", minutes=15),)
    ).tick()


def recurring(d: DemoContext) -> Section:
    """The resident makes her escort a weekly visit; a week later the next visit is created as a
    need of its own and offered; she pauses the series."""
    next_monday = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    return Section(
        "demo.recurring",
        (
            Say("王凤兰", "/need_repeat 1"),
            Say("王凤兰", "1"),  # weekly
            Wait(next_monday),
            Run("demo.tick_series", _sweep_series),
            Say("王凤兰", "/needs"),
            Say("王凤兰", "/series 1 pause"),
        ),
    )
