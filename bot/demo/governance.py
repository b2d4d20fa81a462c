"""Demo section for the joint meeting (联席会议): the hot issue, votes, minutes, notice."""

from __future__ import annotations

from bot.demo.script import DemoContext, Say, Section


def joint_meeting(d: DemoContext) -> Section:
    """A second proposal reaches its threshold (its author hears 50 % and 100 %); the organizer
    schedules a joint meeting whose agenda adds the month's hot issue (the parking locks reported
    earlier), invites residents' representatives and the owners' committee, who answer and vote;
    she records the outcomes and the minutes, and the public notice goes to the whole community."""
    return Section(
        "demo.meetings",
        (
            Say("陈永福", "/propose"),
            Say("陈永福", d.pick("楼道堆物清理", "Clear the stairwells")),
            Say(
                "陈永福", d.pick("楼道里堆满了纸箱和旧家具，有消防隐患。", "Boxes block the stairs")
            ),
            Say("陈永福", "3"),  # scope: the community
            Say("陈永福", "1"),  # category: environment
            Say("王凤兰", "/cosign 2"),
            Say("李福海", "/cosign 2"),
            Say("赵淑兰", "/cosign 2"),  # the threshold (3) is reached: on the agenda
            Say("王海燕", "召开联席会议"),
            Say("王海燕", d.pick("明天 14:00", "tomorrow 14:00")),
            Say("王海燕", d.pick("社区党群服务中心二楼会议室", "Community centre, room 2")),
            Say("王海燕", "/meeting_invite 1"),
            Say("王海燕", "1"),  # residents' representatives
            Say("王海燕", "王凤兰 李福海"),
            Say("王海燕", d.pick("跳过", "skip")),
            Say("王海燕", "/meeting_invite 1"),
            Say("王海燕", "3"),  # owners' committee
            Say("王海燕", "陈永福"),
            Say("王海燕", d.pick("劲松北社区业委会", "Owners' committee")),
            Say("王凤兰", "1"),  # attend (the invitation's first button)
            Say("李福海", "/meeting_attend 1"),
            Say("陈永福", "1"),
            Say("王海燕", "/meeting 1"),
            Say("王海燕", "/meeting_vote 1 1"),
            Say("王凤兰", "1"),  # for
            Say("李福海", "1"),  # for
            Say("陈永福", "3"),  # abstain
            Say("王海燕", "/meeting_vote 1 2"),
            Say("王凤兰", "1"),
            Say("李福海", "1"),
            Say("陈永福", "1"),
            Say("王海燕", "/meeting_decide 1"),
            Say("王海燕", "1"),  # the proposal
            Say("王海燕", "1"),  # passed
            Say("王海燕", d.pick("劲松北社区居委会", "Residents' committee")),
            Say("王海燕", d.pick("劲松物业公司", "Jinsong Property")),
            Say("王海燕", d.pick("社区公益金", "Community welfare fund")),
            Say("王海燕", d.pick("3月31日", "3-31")),
            Say("王海燕", d.pick("跳过", "skip")),
            Say("王海燕", "/meeting_decide 1"),
            Say("王海燕", "1"),  # the hot issue
            Say("王海燕", "1"),  # passed
            Say(
                "王海燕",
                d.pick(
                    "物业牵头拆除私装地锁，网格员每周巡查", "Property removes locks; weekly patrol"
                ),
            ),
            Say("王海燕", "/meeting_minutes 1"),
            Say(
                "王海燕",
                d.pick(
                    "与会各方同意清理楼道堆物，并把私装地锁列为本月一题。",
                    "All agreed to clear the stairwells and to take on the parking locks.",
                ),
            ),
            Say("王海燕", "1"),  # publish
            Say("赵淑兰", "/proposal 2"),
        ),
    )
