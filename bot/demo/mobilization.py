"""Demo sections on mobilization: volunteers, organizations, hours, activities, notices, privacy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.bootstrap import App
from bot.demo.script import DemoContext, Say, Section, Wait
from handlers.core.notify import Sink
from storage.models import Activity, Person, Region


def volunteering(d: DemoContext) -> Section:
    """A resident signs up as a volunteer (a skill by group, one by typing), pauses and resumes."""
    name = "赵淑兰"
    return Section(
        "demo.volunteers",
        (
            Say(name, d.pick("志愿者", "/volunteer")),
            Say(name, "1"),  # group: elderly care
            Say(name, "7"),  # home visits
            Say(name, d.pick("陪老人看病", "escort to doctor")),  # typed: matched to 陪诊
            Say(name, "13"),  # done
            Say(name, d.pick("退休小学老师，会讲故事", "Retired teacher, good at storytelling")),
            Say(name, "3"),  # weekends
            Say(name, "5"),  # done
            Say(name, "1"),  # keep the registered grid
            Say(name, "3"),  # reach: the community
            Say(name, "2"),  # at most twice a week
            Say(name, "14"),  # no certificates
            Say(name, "1"),  # name on the honour roll
            Say(name, "1"),  # confirm
            Say(name, "/pause"),
            Say(name, "/resume"),
        ),
    )


def organizations(d: DemoContext) -> Section:
    """An organizer registers a grassroots organization and sees the community's "1710" standing."""
    return Section(
        "demo.organizations",
        (
            Say("王海燕", "/org_new"),
            Say("王海燕", d.pick("劲松北社区读书会", "Jinsong North Reading Club")),
            Say("王海燕", "3"),  # grassroots
            Say("王海燕", "3"),  # culture and sports
            Say("王海燕", "1"),  # serves 劲松北社区
            Say("王海燕", d.pick("25人", "25 people")),
            Say("王海燕", "1"),  # confirm
            Say("王海燕", "/orgs"),
        ),
    )


def service_hours(d: DemoContext) -> Section:
    """A volunteer sees her recorded hours, asks to correct one record, the organizer approves."""
    return Section(
        "demo.hours",
        (
            Say("王秀兰", "/hours"),
            Say("王秀兰", "1"),  # correct the latest record
            Say("王秀兰", "3"),  # it was 3 hours
            Say("王秀兰", d.pick("看完病又陪老人取了药", "I also fetched the medicine afterwards")),
            Say("王海燕", "/hours_review"),
            Say("王海燕", "1"),  # approve
            Say("王秀兰", "/hours"),
        ),
    )


async def record_demo_hours(sink: Sink, lang: str) -> None:
    """Two services of the demo volunteer 王秀兰, recorded by 王海燕 (no thank-you notices)."""
    from handlers.hours import record_service

    session, now = sink.session, sink.now
    ids = {
        p.display_name: p.id
        for p in (
            await session.execute(
                select(Person).where(Person.display_name.in_(("王秀兰", "王海燕")))
            )
        ).scalars()
    }
    community = (
        await session.execute(select(Region).where(Region.code == "CY-JS-01"))
    ).scalar_one()
    for days, content, place, hours in (
        (9, ("上门探访独居老人", "Home visit to an elderly neighbour"), "劲松一区103号楼", "1.5"),
        (2, ("陪同就医", "Escort to hospital"), "朝阳医院", "2.3"),
    ):
        await record_service(
            sink,
            person_id=ids["王秀兰"],
            content=content[0] if lang.startswith("zh") else content[1],
            place=place,
            region_id=community.id,
            served_at=now - timedelta(days=days),
            hours=Decimal(hours),
            organizer_id=ids["王海燕"],
            recorded_by_id=ids["王海燕"],
            announce=False,
        )


def _latest_activity(template: str) -> Callable[[App], Awaitable[str]]:
    """A line filled with the newest activity's id and check-in code: "/checkin {code}"."""

    async def fill(app: App) -> str:
        async with app.db.transaction() as session:
            found = await session.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
        assert found is not None
        return template.format(id=found.id, code=found.checkin_code)

    return fill


def activities(d: DemoContext) -> Section:
    """An organizer publishes an activity with two places and calls matching volunteers; a third
    volunteer waits and gets the place when someone leaves; check-in with the code on the day;
    the organizer confirms attendance (one came without checking in) and hours."""
    org = "王海燕"
    local = d.clock().astimezone(ZoneInfo(d.tz))
    day = local.date() + timedelta(days=(5 - local.weekday()) % 7 or 7)  # next Saturday
    start = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(d.tz))
    when = d.pick(f"{day.month}月{day.day}日 9:00-11:00", f"{day.isoformat()} 09:00 11:00")
    return Section(
        "demo.activities",
        (
            Say(org, "/activity_new"),
            Say(org, d.pick("楼道清扫日", "Stairwell clean-up day")),
            Say(org, d.pick("清理楼道杂物和小广告，工具由居委会提供", "Clear the stairwells")),
            Say(org, when),
            Say(org, d.pick("劲松一区105号楼前", "In front of building 105")),
            Say(org, "2"),  # two volunteers
            Say(org, "9"),  # skills: 环境美化
            Say(org, "1"),  # for 劲松北社区
            Say(org, "1"),  # publish
            Say(org, "", later=_latest_activity("/mobilize {id}")),
            Say("吴海燕", "/activities"),
            Say("吴海燕", "1"),  # join
            Say("马卫东", "/activities"),
            Say("马卫东", "1"),  # join: now full
            Say("赵丽华", "/activities"),
            Say("赵丽华", "1"),  # waitlisted
            Say("马卫东", "/activity_leave"),  # 赵丽华 is offered the place
            Say("赵丽华", d.pick("确认参加", "/activity_confirm")),
            Wait(start - timedelta(minutes=20)),
            Say("吴海燕", d.pick("签到", "/checkin")),
            Say("吴海燕", "", later=_latest_activity("{code}")),
            Wait(start + timedelta(hours=2, minutes=10)),
            Say(org, "", later=_latest_activity("/activity_close {id}")),
            Say(org, "2"),  # 赵丽华 came but did not check in
            Say(org, "3"),  # the list is right
            Say(org, "2"),  # two hours each
            Say(org, "1"),  # confirm
        ),
    )


def broadcasts(d: DemoContext) -> Section:
    """An organizer sends a notice to her community's volunteers: who and how many, a preview,
    confirm; the console delivers the messages at once; then she checks the progress."""
    org = "王海燕"
    notice = d.pick(
        "本周六上午9点在社区广场集合，参加冬季扫雪志愿活动，请穿防滑鞋、带手套。",
        "Snow clearing this Saturday, 9:00 at the community square: wear non-slip shoes, "
        "bring gloves.",
    )
    return Section(
        "demo.broadcasts",
        (
            Say(org, d.pick("通知", "/broadcast")),
            Say(org, "1"),  # 劲松北社区, the whole community
            Say(org, "2"),  # volunteers
            Say(org, "1"),  # any skill
            Say(org, "1"),  # every language
            Say(org, notice),
            Say(org, "1"),  # now: the count and the preview
            Say(org, "1"),  # send
            Say(org, "/broadcast_status"),
        ),
    )


def privacy(d: DemoContext) -> Section:
    """The new resident from the start adds a phone number (shown masked), exports everything held
    about them as a file, then closes the account: asked first, erased after."""
    name = d.pick("小林", "Lin")
    return Section(
        "demo.privacy",
        (
            Say(name, "/phone 139 1234 5678"),
            Say(name, "/mydata"),
            Say(name, "/forget"),
            Say(name, "1"),  # yes, erase
            Say(name, "/me"),
        ),
    )
