"""Walk-ins at activities, in Chinese first: with the code on site, added by the organizer at
check-in by name or phone, and added at closing with the hours of everyone else."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from storage.models import ActivitySignup, AuditEntry, ServiceRecord
from tests.e2e.test_activities import ORGANIZER, inbox, person_id, publish, signup
from tests.support.chat import Chat
from tests.support.clock import FakeClock


async def test_a_neighbour_who_came_checks_in_with_the_code(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="1")
    await chat.say("吴海燕", payload=f"act:{activity.id}:join")  # the one place is taken
    code = activity.checkin_code
    assert "签到码不对" in await chat.text("王凤兰", f"/checkin {code}")  # not open yet
    clock.advance(hours=22, minutes=30)  # 08:30 on the day
    text = await chat.text("王凤兰", f"/checkin {code}")
    assert "已作为现场参加者加入「楼道清扫日」并签到" in text
    entry = await signup(chat, activity, "王凤兰")
    assert entry.status == "confirmed" and entry.checked_in_at is not None
    assert (
        "王凤兰 没有报名，在现场用签到码签到了「楼道清扫日」" in (await inbox(chat, ORGANIZER))[-1]
    )
    assert "已于" in await chat.text("王凤兰", f"/checkin {code}")  # once only
    # Someone from another community gets the wrong-code answer, and it counts.
    assert "签到码不对" in await chat.text("李梦瑶", f"/checkin {code}")


async def test_the_organizer_adds_walk_ins_by_phone_or_name(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="2")
    clock.advance(hours=22, minutes=30)
    assert "没有权限" in await chat.text("吴海燕", f"/walkin {activity.id}")
    await chat.script(
        ORGANIZER,
        [
            (f"/walkin {activity.id}", "请输入没报名但来了的人的姓名或手机号"),
            ("张三丰", "没有找到「张三丰」"),  # asked again
            ("136 0000 0102", "已把 李福海 加入「楼道清扫日」的名单并签到"),
            ("现场加人 " + str(activity.id), "姓名或手机号"),
            ("陈永福", "已把 陈永福 加入"),
            (f"/walkin {activity.id}", "姓名或手机号"),
            ("陈永福", "已经在「楼道清扫日」的名单上了"),
        ],
    )
    for name in ("李福海", "陈永福"):
        entry = await signup(chat, activity, name)
        assert entry.status == "confirmed" and entry.checked_in_at is not None
    assert "组织者已把您加入「楼道清扫日」的名单并签到" in (await inbox(chat, "李福海"))[-1]
    async with chat.app.db.transaction() as session:
        audited = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "activity.walkin")
        )
        assert len(list(audited)) == 2


async def test_closing_adds_attendees_who_never_signed_up(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="2")
    await chat.say("吴海燕", payload=f"act:{activity.id}:join")
    clock.advance(hours=22, minutes=30)
    await chat.say("吴海燕", f"/checkin {activity.checkin_code}")
    clock.advance(hours=3)  # 11:30, over
    await chat.script(
        ORGANIZER,
        [
            (f"/activity_close {activity.id}", "1. 吴海燕 ✅（已签到）\n2. 名单无误"),
            ("3", "请输入没报名但来了的人的姓名或手机号"),
            ("吴海燕", "已经在名单上了"),
            ("赵淑兰", "2. 赵淑兰 ✔ 现场加入"),
            ("4", "姓名或手机号"),
            ("13600000104", "3. 陈永福 ✔ 现场加入"),
            ("3", "1. 吴海燕 ✅（已签到）\n2. 赵淑兰 ✔ 现场加入\n3. 名单无误"),  # removed
            ("3", "活动时长 2.0 小时"),
            ("3", "出勤 2 人：吴海燕、赵淑兰"),
            ("1", "出勤 2 人，每人记 3.0 小时"),
        ],
    )
    assert (await signup(chat, activity, "赵淑兰")).status == "attended"
    zhao, chen = await person_id(chat, "赵淑兰"), await person_id(chat, "陈永福")
    async with chat.app.db.transaction() as session:
        records = (await session.execute(select(ServiceRecord))).scalars().all()
        hours = {r.person_id: r.hours for r in records}
        listed = await session.scalars(
            select(ActivitySignup.person_id).where(ActivitySignup.activity_id == activity.id)
        )
        assert chen not in set(listed)
    assert hours[zhao] == Decimal(3) and chen not in hours


async def test_an_english_walk_in(chat: Chat, clock: FakeClock) -> None:
    activity = await publish(chat, when="12月1日 9:00-11:00", who="李梦瑶")  # 百环社区
    clock.advance(hours=22, minutes=30)
    text = await chat.text("Michael Brown", f"/checkin {activity.checkin_code}")
    assert 'You had not signed up: you were added to "楼道清扫日" as a walk-in' in text
