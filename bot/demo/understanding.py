"""Demo section: residents in their own words — a need said as a sentence going to the service
station, a message the bot is unsure about, and 转人工 answered by an organizer."""

from __future__ import annotations

from bot.demo.script import DemoContext, Say, Section


def own_words(d: DemoContext) -> Section:
    """A resident says what is wrong in a sentence; the bot finds the service (a government item:
    the station's queue, whose staff move it along); an unclear message gets one question; a
    resident asks for a person and an organizer answers in the bot."""
    return Section(
        "demo.understanding",
        (
            Say("李福海", d.pick("家里暖气片一点都不热，冻得睡不着", "My radiator is stone cold")),
            Say("李福海", "1"),  # 暖气不热报修: a station item
            Say("李福海", d.pick("明天上午九点到十一点", "tomorrow 9am to 11am")),
            Say("李福海", "1"),  # at home
            Say(
                "李福海", d.pick("老房子，暖气片在卧室", "Old flat, the radiator is in the bedroom")
            ),
            Say("李福海", "1"),  # submit: to the service station's queue
            Say("王海燕", "/needs_open"),
            Say("王海燕", "/need_progress 3 办理中"),  # the station moves it: the resident is told
            Say("李福海", "/needs"),
            Say("赵淑兰", d.pick("小区的事", "about the neighbourhood")),  # unsure: one question
            Say("赵淑兰", "/cancel"),
            Say("赵淑兰", "转人工"),
            Say(
                "赵淑兰",
                d.pick(
                    "我想给我妈申请养老助餐补贴，需要带什么材料？",
                    "What papers do I need for my mother's meal subsidy?",
                ),
            ),
            Say("王海燕", "/asked"),
            Say(
                "王海燕",
                d.pick(
                    "/answer 1 带您母亲的身份证和户口本，工作日来社区服务站办理即可。",
                    "/answer 1 Bring her ID card and household register to the service station.",
                ),
            ),
        ),
    )
