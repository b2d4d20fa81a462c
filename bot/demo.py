"""`linli demo`: a scripted scenario on a fresh database, through the console channel."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bootstrap import App, build
from bot.console import Console
from bot.settings import Settings
from handlers.admin import roles
from handlers.admin.seed import seed_demo
from handlers.core.messages import Location
from storage import migrate
from storage.models import Activity, Person, Region

# The demo's clock starts here (10:00 on a Monday in Beijing), so the transcript is the same on
# every run and nothing waits for the quiet hours; `Wait` lines move it on.
DEMO_START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
# Story time between two lines: people type at a human pace (and stay under the flood guard).
LINE_PAUSE = timedelta(seconds=5)


@dataclass(frozen=True)
class Say:
    """One line of the script: who says what."""

    user: str
    text: str
    location: Location | None = None  # a shared point (the console has no other way to send one)
    photo: str | None = None  # a channel file reference sent with the text
    # Text known only while the demo runs (an id or code the bot just made), read from the app.
    later: Callable[[App], Awaitable[str]] | None = None


@dataclass(frozen=True)
class Wait:
    """A pause in the story: the demo clock moves on to `until` (due messages are then shown)."""

    until: datetime


@dataclass(frozen=True)
class Run:
    """Something the system does by itself (a scheduler sweep), narrated by a catalog key."""

    note: str
    action: Callable[[App], Awaitable[object]]


class DemoClock:
    """The demo's clock: starts at DEMO_START and moves only on `Wait` lines."""

    def __init__(self, start: datetime = DEMO_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Section:
    """A titled part of the scenario (title is a catalog key)."""

    title: str
    lines: tuple[Say | Wait | Run, ...]


@dataclass
class DemoContext:
    """What the script may depend on: the language it runs in, codes made during the run."""

    lang: str
    invite_code: str = ""
    clock: Callable[[], datetime] = lambda: DEMO_START
    tz: str = "Asia/Shanghai"

    def pick(self, zh: str, en: str) -> str:
        """Free text in the demo's language."""
        return zh if self.lang.startswith("zh") else en


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
    """A resident proposes, a neighbour co-signs instead of a duplicate, the joint meeting accepts
    it as a practical project, the organizer reports it done and the proposer confirms."""
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
            Say("王海燕", d.pick("12月31日", "12-31")),
            Say("王海燕", "/progress 1"),
            Say("王海燕", d.pick("电梯已安装并通过验收。", "The lift is installed and inspected.")),
            Say("王海燕", "2"),  # done
            Say("王凤兰", "/confirm 1"),
            Say("王凤兰", "/proposals"),
        ),
    )


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


async def record_demo_hours(session: AsyncSession, now: datetime, lang: str) -> None:
    """Two services of the demo volunteer 王秀兰, recorded by 王海燕 (no thank-you notices)."""
    from handlers.hours import record_service

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
            session,
            i18n_ctx=None,
            person_id=ids["王秀兰"],
            content=content[0] if lang.startswith("zh") else content[1],
            place=place,
            region_id=community.id,
            served_at=now - timedelta(days=days),
            hours=Decimal(hours),
            organizer_id=ids["王海燕"],
            recorded_by_id=ids["王海燕"],
            now=now,
            announce=False,
        )


def service_needs(d: DemoContext) -> Section:
    """An elderly resident asks for someone to take her to the doctor and follows it; a grid worker
    enters a need for a neighbour without a phone after a home visit, tagging target groups."""
    return Section(
        "demo.needs",
        (
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
        await dispatch_open(Sink.bare(session, deps.clock(), deps.i18n, deps.config), deps.config)


def tasks(d: DemoContext) -> Section:
    """The need is matched and offered with reasons; one volunteer declines, the next accepts and
    sees the resident's contact; next day the task is done, confirmed and rated, hours recorded."""
    tomorrow_noon = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    return Section(
        "demo.tasks",
        (
            Run("demo.tick_dispatch", _dispatch_open_needs),
            Say("王秀兰", "2"),  # declines the offer she was just sent
            Say("张淑珍", "1"),  # accepts: sees 王凤兰's contact
            Say("程志刚", "1"),  # too late: the offer was withdrawn
            Wait(tomorrow_noon),
            Say("张淑珍", "/tasks"),
            Say("张淑珍", "/task_done 1 3"),  # done, three hours
            Say("王凤兰", "1"),  # confirms: hours recorded
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
            Say("陈永福", "/reports"),
            Say("陈永福", "1"),  # view
            Say("陈永福", "5"),  # ★5
            Say("陈永福", d.pick("处理得很及时，谢谢", "Quick work, thank you")),
        ),
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


SCENARIO: tuple[Callable[[DemoContext], Section], ...] = (
    registration,
    invitation,
    proposals,
    volunteering,
    organizations,
    service_hours,
    service_needs,
    tasks,
    grid_reports,
    activities,
    broadcasts,
    privacy,
)


async def prepare(app: App, lang: str) -> DemoContext:
    """Migrate, seed the demo district and make what the script needs."""
    await migrate.upgrade(app.db.engine)
    now = app.deps.clock()
    async with app.db.transaction() as session:
        await seed_demo(session, now, app.settings.policy_version)
        # A small co-signing threshold, so three neighbours put the demo proposal on the agenda.
        await session.execute(
            Region.__table__.update().where(Region.code == "CY-JS-01").values(cosign_threshold=3)
        )
        await record_demo_hours(session, now, lang)
        if not lang.startswith("zh"):
            for person in (await session.execute(Person.__table__.select())).all():
                await session.execute(
                    Person.__table__.update().where(Person.id == person.id).values(lang=lang)
                )
    async with app.db.transaction() as session:
        codes = await roles.create_invites(session, "organizer", "CY-JS-02", now)
    return DemoContext(lang=lang, invite_code=codes[0], clock=app.deps.clock, tz=app.settings.tz)


async def run_demo(
    lang: str = "zh_CN", write: Callable[[str], None] = print, database_url: str | None = None
) -> None:
    """Run the whole scenario and print the transcript."""
    with tempfile.TemporaryDirectory(prefix="linli-demo-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        clock = DemoClock()
        app = build(Settings(LINLI_LANG=lang), database_url=url, clock=clock)
        try:
            context = await prepare(app, lang)
            console = Console(app, write)
            for section_of in SCENARIO:
                section = section_of(context)
                write("")
                write(f"══ {app.deps.i18n.translate(lang, section.title)} ══")
                for line in section.lines:
                    if isinstance(line, Run):
                        write(app.deps.i18n.translate(lang, line.note))
                        await line.action(app)
                        await console.deliver()
                        continue
                    if isinstance(line, Wait):
                        clock.now = max(clock.now, line.until)
                        at = app.deps.i18n.datetime(lang, clock.now)
                        write(app.deps.i18n.translate(lang, "demo.later", at=at))
                        await console.deliver()
                        continue
                    clock.now += LINE_PAUSE
                    if line.later is not None:
                        line = Say(line.user, await line.later(app))
                    shown = line.text
                    if line.location is not None:
                        shown += f"📍 {line.location.lat}, {line.location.lon}"
                    write(f"[{line.user}] {shown}" + (" 📷" if line.photo else ""))
                    await console.say(
                        line.user, line.text, location=line.location, photo=line.photo
                    )
        finally:
            await app.close()
