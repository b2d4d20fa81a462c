"""Activities end to end: publishing, the waitlist chain, check-in, closing with hours,
mobilization and reminders — through the dispatcher, in Chinese first, on the demo district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.activities import checkin, expire_promotion, mobilize, send_reminder
from handlers.activities.mobilize import activity_slots, exclusion
from handlers.core.notify import Sink
from storage.models import (
    Activity,
    ActivitySignup,
    DueJob,
    OutboxMessage,
    Person,
    ServiceRecord,
    VolunteerProfile,
)
from tests.support.chat import Chat
from tests.support.clock import FakeClock

ORGANIZER = "王海燕"  # organizer of 劲松北社区 (CY-JS-01)
SATURDAY = "12月5日 9:00-11:00"  # the clock starts on Monday 2026-11-30, 10:00 in Beijing


async def publish(
    chat: Chat,
    *,
    title: str = "楼道清扫日",
    when: str = SATURDAY,
    slots: str = "2",
    skills: str = "1",
    who: str = ORGANIZER,
) -> Activity:
    """Publish an activity through /activity_new and return it."""
    await chat.script(
        who,
        [
            ("/activity_new", "请输入活动名称"),
            (title, "请简单介绍活动内容"),
            ("清理楼道杂物和小广告，工具由居委会提供", "活动什么时间"),
            (when, "活动地点在哪里"),
            ("劲松一区105号楼前", "需要多少名志愿者"),
            (slots, "需要志愿者有什么技能"),
            (skills, "面向哪里的志愿者"),
            ("1", "请确认活动信息"),
            ("1", "活动已发布"),
        ],
    )
    async with chat.app.db.transaction() as session:
        found = await session.scalar(
            select(Activity).where(Activity.title == title).order_by(Activity.id.desc())
        )
    assert found is not None
    return found


async def person_id(chat: Chat, name: str) -> int:
    async with chat.app.db.transaction() as session:
        found = await session.scalar(select(Person.id).where(Person.display_name == name))
    assert found is not None
    return found


async def signup(chat: Chat, activity: Activity, name: str) -> ActivitySignup:
    pid = await person_id(chat, name)
    async with chat.app.db.transaction() as session:
        found = await session.scalar(
            select(ActivitySignup).where(
                ActivitySignup.activity_id == activity.id, ActivitySignup.person_id == pid
            )
        )
    assert found is not None
    return found


async def inbox(chat: Chat, name: str) -> list[str]:
    """Texts queued in the outbox for a console user (with their buttons' payloads)."""
    async with chat.app.db.transaction() as session:
        rows = (
            await session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "console", OutboxMessage.external_id == name)
                .order_by(OutboxMessage.id)
            )
        ).scalars()
        return [
            "\n".join([row.payload["text"], *(p for _, p in row.payload.get("choices", []))])
            for row in rows
        ]


async def jobs_of(chat: Chat, kind: str) -> dict[str, DueJob]:
    async with chat.app.db.transaction() as session:
        rows = (await session.execute(select(DueJob).where(DueJob.kind == kind))).scalars()
        return {job.ref: job for job in rows}


# -- publishing ------------------------------------------------------------------------------------


async def test_organizer_publishes_an_activity(chat: Chat) -> None:
    activity = await publish(chat, skills="9")  # 环境美化
    assert activity.slots == 2 and activity.status == "open"
    assert activity.starts_at == datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    assert activity.ends_at == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert "environmental_cleanup" in activity.skills and "greening" in activity.skills
    assert activity.checkin_code and len(activity.checkin_code) == 6
    listing = await chat.text(ORGANIZER, "/activities")
    assert "楼道清扫日" in listing and "2026-12-05 09:00–11:00" in listing
    assert f"签到码：{activity.checkin_code}" in listing  # organizers see the code
    assert "签到码" not in await chat.text("吴海燕", "/activities")  # volunteers do not


async def test_skills_typed_in_words_and_the_other_date_format(chat: Chat) -> None:
    await chat.script(
        ORGANIZER,
        [
            ("/activity_new", "请输入活动名称"),
            ("冬季扫雪", "请简单介绍"),
            ("1", "活动什么时间"),  # skip
            ("2026-12-06 09:00 11:00", "活动地点"),
            ("劲松北社区活动室", "需要多少名志愿者"),
            ("15人", "需要志愿者有什么技能"),
            ("扫雪 搬运", "面向哪里"),
            ("3", "第二网格"),
        ],
    )
    assert "活动已发布" in await chat.text(ORGANIZER, "1")
    async with chat.app.db.transaction() as session:
        activity = await session.scalar(select(Activity).where(Activity.title == "冬季扫雪"))
    assert activity is not None and activity.slots == 15
    assert set(activity.skills) == {"snow_clearing", "moving_help"}


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("2026-11-29 09:00 11:00", "活动时间必须在将来"),
        ("今天 9:00-9:30", "活动时间必须在将来"),  # it is 10:00 already
        ("12月5日 11:00-10:00", "结束时间要晚于开始时间"),
        ("下周找个时间", "没看懂这个时间"),
        ("2月30日 9:00-11:00", "没看懂这个时间"),
    ],
)
async def test_times_that_are_refused(chat: Chat, said: str, expected: str) -> None:
    await chat.script(
        ORGANIZER,
        [("/activity_new", "名称"), ("楼道清扫日", "介绍"), ("清理杂物", "活动什么时间")],
    )
    reply = await chat.text(ORGANIZER, said)
    assert expected in reply and "活动什么时间" in reply  # asked again


async def test_zero_or_too_many_volunteers_are_refused(chat: Chat) -> None:
    await chat.script(
        ORGANIZER,
        [
            ("/activity_new", "名称"),
            ("楼道清扫日", "介绍"),
            ("清理杂物", "时间"),
            (SATURDAY, "地点"),
            ("105号楼前", "需要多少名志愿者"),
            ("0", "志愿者人数要在 1 到 500 之间"),
            ("1000人", "志愿者人数要在 1 到 500 之间"),
            ("很多", "志愿者人数要在 1 到 500 之间"),
            ("30人", "需要志愿者有什么技能"),
        ],
    )


async def test_residents_and_volunteers_cannot_publish(chat: Chat) -> None:
    assert "没有权限" in await chat.text("王凤兰", "/activity_new")  # a resident
    assert "没有权限" in await chat.text("吴海燕", "发起活动")  # a volunteer
    assert "请先发送 /start" in await chat.text("路人", "/activity_new")


async def test_organizers_choose_among_the_regions_they_hold(chat: Chat) -> None:
    await chat.script(
        ORGANIZER,
        [
            ("/activity_new", "名称"),
            ("楼道清扫日", "介绍"),
            ("清理杂物", "时间"),
            (SATURDAY, "地点"),
            ("105号楼前", "人数"),
            ("2", "技能"),
        ],
    )
    options = await chat.text(ORGANIZER, "1")
    assert "1. 劲松北社区" in options and "劲松北社区 · 第三网格" in options
    assert "百环社区" not in options  # another community's organizer holds that one


# -- waitlist ------------------------------------------------------------------------------------


async def test_join_until_full_then_the_waitlist_with_positions(chat: Chat) -> None:
    activity = await publish(chat, slots="2")
    assert "报名 #1" in await chat.text("吴海燕", "/activities")
    assert "报名成功" in await chat.text("吴海燕", "1")
    assert "报名成功" in await chat.text("马卫东", payload=f"act:{activity.id}:join")
    assert "候补，目前排第 1 位" in await chat.text("赵丽华", payload=f"act:{activity.id}:join")
    assert "目前排第 2 位" in await chat.text("王凤兰", payload=f"act:{activity.id}:join")
    assert "已在「楼道清扫日」的候补名单上，目前排第 2 位" in await chat.text(
        "王凤兰", payload=f"act:{activity.id}:join"
    )
    listing = await chat.text("赵丽华", "/activities")
    assert "已报名 2/2，候补 2 人" in listing and "您在候补第 1 位" in listing


async def test_a_cancellation_offers_the_place_to_the_first_waiting_only(chat: Chat) -> None:
    activity = await publish(chat, slots="1")
    for name in ("吴海燕", "赵丽华", "孙秀英", "王凤兰"):
        await chat.say(name, payload=f"act:{activity.id}:join")
    assert "已取消「楼道清扫日」的报名" in await chat.text("吴海燕", "/activity_leave")
    offer = await inbox(chat, "赵丽华")
    assert len(offer) == 1 and "名额轮到您了" in offer[0]
    assert "2026-11-30 12:00 前确认" in offer[0]  # two hours from now, in local time
    assert f"act:{activity.id}:yes" in offer[0] and f"act:{activity.id}:no" in offer[0]
    assert await inbox(chat, "孙秀英") == [] and await inbox(chat, "王凤兰") == []
    promoted = await signup(chat, activity, "赵丽华")
    assert promoted.status == "promoted"
    assert promoted.promote_due_at == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    timeout = (await jobs_of(chat, "waitlist_timeout"))[str(promoted.id)]
    assert timeout.due_at == promoted.promote_due_at and timeout.status == "pending"
    # a newcomer still queues behind the people waiting
    assert "候补，目前排第 3 位" in await chat.text("马卫东", payload=f"act:{activity.id}:join")


async def test_decline_then_timeout_then_nobody_left(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, slots="1")
    for name in ("吴海燕", "赵丽华", "孙秀英", "王凤兰"):
        await chat.say(name, payload=f"act:{activity.id}:join")
    await chat.say("吴海燕", f"/activity_leave {activity.id}")
    # 赵丽华 declines: the next person (孙秀英) is asked, and only she
    assert "已放弃「楼道清扫日」的名额" in await chat.text(
        "赵丽华", payload=f"act:{activity.id}:no"
    )
    assert (await signup(chat, activity, "赵丽华")).status == "cancelled"
    assert (await jobs_of(chat, "waitlist_timeout"))[
        str((await signup(chat, activity, "赵丽华")).id)
    ].status == "cancelled"
    assert "名额轮到您了" in (await inbox(chat, "孙秀英"))[0]
    assert await inbox(chat, "王凤兰") == []
    # 孙秀英 lets it lapse: nothing happens before the deadline …
    waiting = await signup(chat, activity, "孙秀英")
    async with chat.app.db.transaction() as session:
        assert not await expire_promotion(session, waiting.id, clock.now, deps=chat.app.deps)
    clock.advance(hours=2, minutes=1)
    async with chat.app.db.transaction() as session:
        assert await expire_promotion(session, waiting.id, clock.now, deps=chat.app.deps)
        assert not await expire_promotion(
            session, waiting.id, clock.now, deps=chat.app.deps
        )  # runs once
    assert (await signup(chat, activity, "孙秀英")).status == "cancelled"
    assert "已过确认时限" in (await inbox(chat, "孙秀英"))[-1]
    assert "名额轮到您了" in (await inbox(chat, "王凤兰"))[0]
    # … too late to confirm now
    assert "目前没有为您保留的名额" in await chat.text("孙秀英", "/activity_confirm 1")
    # 王凤兰 declines too: nobody is left, the place stays free
    await chat.say("王凤兰", payload=f"act:{activity.id}:no")
    assert "已报名 0/1，候补 0 人" in await chat.text("李福海", "/activities")
    assert "报名成功" in await chat.text("李福海", payload=f"act:{activity.id}:join")


async def test_confirming_the_offer_keeps_the_place(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, slots="1")
    for name in ("吴海燕", "赵丽华"):
        await chat.say(name, payload=f"act:{activity.id}:join")
    await chat.say("吴海燕", "/activity_leave")
    assert "有名额为您保留" in await chat.text("赵丽华", "/activities")
    assert "报名成功" in await chat.text("赵丽华", "确认参加")
    entry = await signup(chat, activity, "赵丽华")
    assert entry.status == "confirmed" and entry.promote_due_at is None
    assert (await jobs_of(chat, "waitlist_timeout"))[str(entry.id)].status == "cancelled"
    clock.advance(hours=3)
    async with chat.app.db.transaction() as session:  # a late sweep changes nothing
        assert not await expire_promotion(session, entry.id, clock.now, deps=chat.app.deps)
    assert (await signup(chat, activity, "赵丽华")).status == "confirmed"


async def test_an_offer_answered_after_its_deadline_moves_on(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, slots="1")
    for name in ("吴海燕", "赵丽华", "孙秀英"):
        await chat.say(name, payload=f"act:{activity.id}:join")
    await chat.say("吴海燕", "/activity_leave")
    clock.advance(hours=2, minutes=5)  # the sweep has not run yet
    assert "确认已超时" in await chat.text("赵丽华", payload=f"act:{activity.id}:yes")
    assert (await signup(chat, activity, "孙秀英")).status == "promoted"


async def test_an_offer_in_the_quiet_hours_waits_for_the_morning(
    chat: Chat, clock: FakeClock
) -> None:
    activity = await publish(chat, slots="1")
    for name in ("吴海燕", "赵丽华"):
        await chat.say(name, payload=f"act:{activity.id}:join")
    clock.advance(hours=13)  # 23:00 in Beijing
    await chat.say("吴海燕", "/activity_leave")
    entry = await signup(chat, activity, "赵丽华")
    # sent at 08:00, two hours to answer from then
    assert entry.promote_due_at == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


# -- check-in -------------------------------------------------------------------------------------


async def test_check_in_window_codes_and_who_may(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="2")
    code = activity.checkin_code
    for name in ("吴海燕", "马卫东", "赵丽华"):  # 赵丽华 waits
        await chat.say(name, payload=f"act:{activity.id}:join")
    assert "签到 2026-12-01 08:00 开始" in await chat.text("吴海燕", f"/checkin {code}")
    clock.advance(hours=21, minutes=59)  # 07:59 on the day
    assert "08:00 开始" in await chat.text("吴海燕", f"/checkin {code}")
    clock.advance(minutes=2)
    assert "签到码不对" in await chat.text("吴海燕", "/checkin AAAAAA")
    assert "6 位字母和数字" in await chat.text("吴海燕", "/checkin 12")
    assert "签到成功" in await chat.text("吴海燕", f"/checkin {code}")
    assert "已于 2026-12-01 08:01 签到过" in await chat.text("吴海燕", f"/checkin {code}")
    assert "还不是正式报名" in await chat.text("赵丽华", f"/checkin {code}")
    assert "签到码不对，或者您没有报名" in await chat.text("李梦瑶", f"/checkin {code}")
    # the keyword asks for the code; a wrong one is asked again
    await chat.script(
        "马卫东",
        [
            ("签到", "签到码"),
            ("AAAAAA" if code != "AAAAAA" else "BBBBBB", "签到码不对"),
            (code, "签到成功"),
        ],
    )
    clock.advance(hours=3)  # 11:01, it is over
    assert "已经结束" in await chat.text("赵丽华", f"/checkin {code}")
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(ActivitySignup.checked_in_at).where(ActivitySignup.activity_id == activity.id)
        )
        assert sum(1 for at in rows.scalars() if at is not None) == 2


async def test_codes_are_unique_among_open_activities(
    chat: Chat, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await publish(chat, title="活动一", slots="1")
    assert first.checkin_code is not None
    other = "AAAAAA" if first.checkin_code != "AAAAAA" else "BBBBBB"
    draws = iter([first.checkin_code, first.checkin_code, other])
    monkeypatch.setattr(checkin.codes, "random_code", lambda _n: next(draws))
    clock.advance(minutes=1)  # past the flood guard's window
    second = await publish(chat, title="活动二", slots="1")
    assert second.checkin_code == other


# -- closing ---------------------------------------------------------------------------------------


async def test_close_with_absentees_and_hours(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="3")
    for name in ("吴海燕", "马卫东", "赵丽华"):
        await chat.say(name, payload=f"act:{activity.id}:join")
    assert "开始后才能确认出勤" in await chat.text(ORGANIZER, f"/activity_close {activity.id}")
    clock.advance(hours=22, minutes=30)  # 08:30 on the day
    for name in ("吴海燕", "马卫东"):
        await chat.say(name, f"/checkin {activity.checkin_code}")
    clock.advance(hours=3)  # 11:30
    assert "没有权限" in await chat.text("吴海燕", f"/activity_close {activity.id}")
    roster = await chat.text(ORGANIZER, "/activity_close")
    assert f"#{activity.id} 楼道清扫日" in roster
    roster = await chat.text(ORGANIZER, "1")
    assert "1. 吴海燕 ✅（已签到）" in roster and "2. 马卫东 ✅（已签到）" in roster
    assert "3. 赵丽华 ❌" in roster and "4. 名单无误" in roster
    # 马卫东 checked in but left at once; 赵丽华 came without checking in
    roster = await chat.text(ORGANIZER, "2 3")
    assert "2. 马卫东 ❌（已签到）" in roster and "3. 赵丽华 ✅" in roster
    assert "请回复 1 到 3 之间的序号" in await chat.text(ORGANIZER, "9")  # asked again
    hours = await chat.text(ORGANIZER, "4")
    assert "活动时长 2.0 小时" in hours and "2 小时（活动时长）" in hours
    assert "请输入 0 到 24 之间的小时数" in await chat.text(ORGANIZER, "0.2小时")  # rounds to 0
    summary = await chat.text(ORGANIZER, "2.4小时")  # recorded to the half hour
    assert "出勤 2 人：吴海燕、赵丽华" in summary and "缺席 1 人：马卫东" in summary
    assert "每人记 2.5 小时" in summary
    done = await chat.text(ORGANIZER, "1")
    assert "出勤 2 人，每人记 2.5 小时；缺席 1 人" in done
    absent_id = await person_id(chat, "马卫东")
    async with chat.app.db.transaction() as session:
        statuses = dict(
            (
                await session.execute(
                    select(Person.display_name, ActivitySignup.status)
                    .join(Person, Person.id == ActivitySignup.person_id)
                    .where(ActivitySignup.activity_id == activity.id)
                )
            ).all()
        )
        records = (
            (
                await session.execute(
                    select(ServiceRecord).where(ServiceRecord.activity_id == activity.id)
                )
            )
            .scalars()
            .all()
        )
        no_shows = await session.scalar(
            select(VolunteerProfile.no_shows).where(VolunteerProfile.person_id == absent_id)
        )
        closed = await session.get(Activity, activity.id)
    assert statuses == {"吴海燕": "attended", "赵丽华": "attended", "马卫东": "absent"}
    assert sorted(r.hours for r in records) == [Decimal("2.5"), Decimal("2.5")]
    assert all(r.content == "楼道清扫日" and r.served_at == activity.starts_at for r in records)
    assert no_shows == 1
    assert closed is not None and closed.status == "closed" and closed.hours == Decimal("2.5")
    assert "已经确认完毕" in await chat.text(ORGANIZER, f"/activity_close {activity.id}")


async def test_close_without_changes_uses_check_ins_and_length(
    chat: Chat, clock: FakeClock
) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="2")
    await chat.say("吴海燕", payload=f"act:{activity.id}:join")
    clock.advance(hours=22, minutes=30)
    await chat.say("吴海燕", f"/checkin {activity.checkin_code}")
    clock.advance(hours=3)
    await chat.script(
        ORGANIZER,
        [
            (f"/activity_close {activity.id}", "1. 吴海燕 ✅"),
            ("2", "活动时长 2.0 小时"),  # 2 = "List is right"
            ("2", "每人记 2.0 小时"),  # 2 = two hours, the length
            ("1", "出勤 1 人"),
        ],
    )


# -- mobilization ----------------------------------------------------------------------------

SAT_AM = ["sat_am"]


@pytest.mark.parametrize(
    ("case", "profile", "expected"),
    [
        ("skill and time fit", {"skills": ["greening"], "availability": SAT_AM}, None),
        ("no skill wanted", {"skills": ["taiji"], "availability": SAT_AM, "wanted": []}, None),
        ("wrong skills", {"skills": ["taiji"], "availability": SAT_AM}, "skills"),
        ("weekdays only", {"skills": ["greening"], "availability": ["mon_am"]}, "availability"),
        (
            "morning only",
            {"skills": ["greening"], "availability": SAT_AM, "late": True},
            "availability",
        ),
        ("paused", {"skills": ["greening"], "availability": SAT_AM, "paused": True}, "paused"),
        (
            "signed up",
            {"skills": ["greening"], "availability": SAT_AM, "signed": True},
            "signed_up",
        ),
        (
            "asked before",
            {"skills": ["greening"], "availability": SAT_AM, "pushed": True},
            "pushed",
        ),
        (
            "the organizer",
            {"skills": ["greening"], "availability": SAT_AM, "organizer": True},
            "organizer",
        ),
    ],
)
def test_who_is_asked_and_why_not(case: str, profile: dict, expected: str | None) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 12, 5, 9, tzinfo=tz)
    end = start + timedelta(hours=4 if profile.get("late") else 2)  # 9–13 runs into the afternoon
    why = exclusion(
        person_id=7,
        skills=profile["skills"],
        availability=profile["availability"],
        paused=profile.get("paused", False),
        wanted=profile.get("wanted", ["greening", "environmental_cleanup"]),
        slots=activity_slots(start, end, tz),
        signed_up={7} if profile.get("signed") else set(),
        pushed={7} if profile.get("pushed") else set(),
        organizer_id=7 if profile.get("organizer") else None,
    )
    assert why == expected, case


async def test_mobilize_asks_matching_volunteers_once(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, slots="3", skills="9")  # 环境美化, Saturday morning
    async with chat.app.db.transaction() as session:
        # 刘德胜: right skill, weekdays only; 宋志明: right skill and time, but paused
        for name, values in (
            ("刘德胜", {"skills": ["greening"], "availability": ["mon_am"]}),
            ("宋志明", {"skills": ["greening"], "availability": ["sat_am"], "paused": True}),
        ):
            pid = await session.scalar(select(Person.id).where(Person.display_name == name))
            profile = await session.get(VolunteerProfile, pid)
            assert profile is not None
            for key, value in values.items():
                setattr(profile, key, value)
    await chat.say("赵丽华", payload=f"act:{activity.id}:join")
    reply = await chat.text(ORGANIZER, f"/mobilize {activity.id}")
    assert "已向 2 位合适的志愿者推送" in reply and "还差 2 人" in reply
    assert "已报名 1 人" in reply and "暂停服务 1 人" in reply and "时间不合" in reply
    # table: who was asked, and why the others were not
    expected = {
        "吴海燕": "asked",  # environmental_cleanup, free on Saturday mornings
        "马卫东": "asked",  # snow_clearing, free at weekends
        "刘德胜": "availability",
        "宋志明": "paused",
        "赵丽华": "signed_up",
        "高建军": "skills",  # taiji
        "韩雪": "outside",  # lives in 百环社区
    }
    for name, outcome in expected.items():
        notices = await inbox(chat, name)
        asked = any("志愿者招募" in n and f"act:{activity.id}:join" in n for n in notices)
        assert asked == (outcome == "asked"), name
    ids = {name: await person_id(chat, name) for name in expected}
    async with chat.app.db.transaction() as session:
        again = await mobilize(session, activity.id, clock.now, deps=chat.app.deps)
        assert again.asked == []
        assert again.skipped[ids["吴海燕"]] == "pushed"
        assert again.skipped[ids["刘德胜"]] == "availability"
        assert again.skipped[ids["高建军"]] == "skills"
        assert ids["韩雪"] not in again.skipped
    assert "报名成功" in await chat.text("吴海燕", payload=f"act:{activity.id}:join")


async def test_mobilize_respects_the_limit_and_a_full_activity(
    chat: Chat, clock: FakeClock
) -> None:
    activity = await publish(chat, slots="1", skills="1")  # any skills
    async with chat.app.db.transaction() as session:
        first = await mobilize(session, activity.id, clock.now, limit=2, deps=chat.app.deps)
    assert len(first.asked) == 2 and "limit" in first.skipped.values()
    await chat.say("吴海燕", payload=f"act:{activity.id}:join")
    assert "名额已满" in await chat.text(ORGANIZER, f"/mobilize {activity.id}")
    assert "没有权限" in await chat.text("吴海燕", f"/mobilize {activity.id}")
    jobs = await jobs_of(chat, "activity_mobilize")
    assert jobs[str(activity.id)].due_at == activity.starts_at - timedelta(hours=48)


# -- reminders -------------------------------------------------------------------------------


async def test_reminder_jobs_are_written_cancelled_and_sent(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, slots="1")
    await chat.say("吴海燕", payload=f"act:{activity.id}:join")
    await chat.say("赵丽华", payload=f"act:{activity.id}:join")  # waits: no reminders yet
    mine = await signup(chat, activity, "吴海燕")
    jobs = await jobs_of(chat, "activity_reminder")
    assert set(jobs) == {f"{mine.id}:24h", f"{mine.id}:2h"}
    assert jobs[f"{mine.id}:24h"].due_at == activity.starts_at - timedelta(hours=24)
    assert jobs[f"{mine.id}:2h"].due_at == activity.starts_at - timedelta(hours=2)
    assert all(job.status == "pending" for job in jobs.values())
    await chat.say("吴海燕", "/activity_leave")
    assert all(
        job.status == "cancelled" for job in (await jobs_of(chat, "activity_reminder")).values()
    )
    # the promoted person's reminders come once she confirms
    await chat.say("赵丽华", "确认参加")
    theirs = await signup(chat, activity, "赵丽华")
    jobs = await jobs_of(chat, "activity_reminder")
    assert jobs[f"{theirs.id}:2h"].status == "pending"
    # the sweep calls send_reminder: 07:00 is in the quiet hours, so it goes out at 08:00
    clock.now = jobs[f"{theirs.id}:2h"].due_at
    async with chat.app.db.transaction() as session:
        assert await send_reminder(
            Sink.bare(session, chat.app.deps, clock.now), jobs[f"{theirs.id}:2h"]
        )
        assert not await send_reminder(
            Sink.bare(session, chat.app.deps, clock.now), jobs[f"{mine.id}:2h"]
        )  # she left
        row = (
            await session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
        ).scalar_one()
    assert row.external_id == "赵丽华" and "活动提醒" in row.payload["text"]
    assert "2026-12-05 09:00–11:00" in row.payload["text"]
    assert "劲松一区105号楼前" in row.payload["text"]
    assert row.not_before == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)  # 08:00 local


async def test_volunteer_in_english(chat: Chat, clock: FakeClock) -> None:
    await chat.script(
        "李梦瑶",  # organizer of 百环社区
        [
            ("/activity_new", "名称"),
            ("英语角", "介绍"),
            ("1", "时间"),  # skip the text
            ("2026-12-05 14:00 16:00", "地点"),
            ("百环家园会所", "人数"),
            ("1", "技能"),
            ("1", "百环社区"),
            ("1", "请确认"),
            ("1", "活动已发布"),
        ],
    )
    listing = await chat.text("James Miller", "/activities")
    assert "Upcoming activities" in listing and "5 Dec 2026 14:00–16:00" in listing
    assert "1. Join #" in listing
    assert "You are signed up: “英语角”" in await chat.text("James Miller", "1")
    jobs = list((await jobs_of(chat, "activity_reminder")).values())
    clock.now = max(job.due_at for job in jobs)
    async with chat.app.db.transaction() as session:
        assert await send_reminder(
            Sink.bare(session, chat.app.deps, clock.now), max(jobs, key=lambda j: j.due_at)
        )
    assert "Reminder: “英语角”" in (await inbox(chat, "James Miller"))[-1]
    assert "6 letters and digits" in await chat.text("James Miller", "/checkin 12")


async def test_the_scheduler_sweep_runs_the_activity_jobs(chat: Chat, clock: FakeClock) -> None:
    from handlers.sweeps import Sweeper

    activity = await publish(chat, slots="1")
    for name in ("吴海燕", "赵丽华", "孙秀英"):
        await chat.say(name, payload=f"act:{activity.id}:join")
    await chat.say("吴海燕", "/activity_leave")
    sweeper = Sweeper(chat.app.deps, periodic=())
    clock.advance(hours=2, minutes=1)  # 赵丽华's offer lapses; 孙秀英 is asked
    await sweeper.tick()
    assert (await signup(chat, activity, "赵丽华")).status == "cancelled"
    assert (await signup(chat, activity, "孙秀英")).status == "promoted"
    await chat.say("孙秀英", "确认参加")
    clock.now = activity.starts_at - timedelta(hours=24)  # the day before: reminder
    stats = await sweeper.tick()
    assert stats.kinds.get("activity_reminder") == 1
    assert "活动提醒" in (await inbox(chat, "孙秀英"))[-1]


@pytest.mark.parametrize("typed", ["11", "12"])
async def test_a_typed_number_past_the_choices_is_an_answer_not_back_or_cancel(
    chat: Chat, typed: str
) -> None:
    """The slots step shows 10 choices plus back and cancel; "11"/"12" still mean people."""
    activity = await publish(chat, slots=typed)
    assert activity.slots == int(typed)
