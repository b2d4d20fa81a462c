"""Everyday words inside the flows: times, counts and skills as people type them; a re-asked
question offers a person; station items followed and moved in chat; /answer and /asked in help."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Activity, Broadcast, Need, PersonRequest
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import count, inbox
from tests.support.volunteering import Talk, profile

ORGANIZER = "王海燕"  # organizer of 劲松北社区; the clock starts Monday 2026-11-30 10:00 Beijing


def number_of(reply: str, label: str) -> str:
    """The number a text-only channel shows before the option containing `label`."""
    lines = [line.strip() for line in reply.splitlines() if label in line]
    assert lines, f"no option {label!r} in:\n{reply}"
    return lines[0].split(".")[0]


async def test_a_refused_answer_in_a_flow_offers_a_person(chat: Chat) -> None:
    await chat.script("王凤兰", [("需求", "您需要什么服务？"), ("陪老人看病", "1. 陪诊服务")])
    await chat.text("王凤兰", "1")
    again = await chat.text("王凤兰", "改天再说吧")  # not a time
    assert "转人工" in again and "什么时间方便" in again
    asked = await chat.text("王凤兰", number_of(again, "转人工"))
    assert "我会转给社区工作人员" in asked
    got = await chat.text("王凤兰", "我不知道什么时候有空，能打电话给我吗")
    assert "已转给社区工作人员" in got
    assert await count(chat.app, PersonRequest) == 1
    assert any("能打电话给我吗" in text for text in await inbox(chat.app, ORGANIZER))


async def test_a_refused_answer_offers_a_person_in_english_too(chat: Chat) -> None:
    await chat.text("Michael Brown", "/need")
    await chat.text("Michael Brown", "escort to hospital")
    await chat.text("Michael Brown", "1")
    again = await chat.text("Michael Brown", "whenever really")
    assert "Talk to a person" in again


async def test_a_refused_button_answer_offers_a_person(chat: Chat) -> None:
    await chat.script(ORGANIZER, [("/broadcast", "请选择发送范围"), ("1", "发给谁")])
    await chat.text(ORGANIZER, "2")  # volunteers
    again = await chat.text(ORGANIZER, "扫地机器人")
    assert "没有找到这些技能" in again and "转人工" in again


async def test_an_activity_in_everyday_words(chat: Chat) -> None:
    await chat.script(
        ORGANIZER,
        [
            ("/activity_new", "请输入活动名称"),
            ("冬季扫雪", "请简单介绍活动内容"),
            ("清扫楼前积雪", "活动什么时间"),
            ("本周六上午九点到十一点", "活动地点在哪里"),
            ("劲松一区105号楼前", "需要多少名志愿者"),
            ("两个人", "需要志愿者有什么技能"),
            ("会开车的，还有懂急救的", "面向哪里的志愿者"),
            ("1", "请确认活动信息"),
            ("1", "活动已发布"),
        ],
    )
    async with chat.app.db.transaction() as session:
        activity = await session.scalar(select(Activity).where(Activity.title == "冬季扫雪"))
    assert activity is not None and activity.slots == 2
    assert set(activity.skills) == {"driving", "first_aid"}
    # Saturday 2026-12-05 09:00–11:00 in Beijing is 01:00–03:00 UTC
    assert (activity.starts_at.hour, activity.ends_at.hour, activity.starts_at.day) == (1, 3, 5)


async def test_a_midnight_activity_is_not_read_as_noon(chat: Chat) -> None:
    await chat.script(
        ORGANIZER,
        [
            ("/activity_new", "请输入活动名称"),
            ("夜间巡逻", "请简单介绍活动内容"),
            ("跨年夜平安巡逻", "活动什么时间"),
            ("12月7日 0:00-2:00", "活动地点在哪里"),
            ("社区大门", "需要多少名志愿者"),
            ("3", "需要志愿者有什么技能"),
            ("1", "面向哪里"),
        ],
    )
    shown = await chat.text(ORGANIZER, "1")
    assert "请确认活动信息" in shown
    assert "00:00" in shown and "02:00" in shown and "12:00" not in shown


async def test_a_notice_scheduled_in_words(chat: Chat) -> None:
    await chat.script(
        ORGANIZER,
        [
            ("/broadcast", "请选择发送范围"),
            ("1", "发给谁"),
            ("2", "只发给有某些技能的志愿者吗"),
            ("会开车的，还有懂急救的", "按语言筛选"),
            ("1", "请输入通知内容"),
            ("明早集合扫雪", "什么时候发送"),
            ("明天上午九点", "将发送给"),
            ("1", "将于 2026-12-01 09:00 开始发送"),
        ],
    )
    async with chat.app.db.transaction() as session:
        broadcast = (await session.execute(select(Broadcast))).scalar_one()
    assert broadcast.audience.get("skills") == ["driving", "first_aid"]


async def test_availability_typed_in_words(chat: Chat, clock: FakeClock) -> None:
    talk = Talk(chat, clock)
    await talk.script(
        "王秀兰",
        [
            ("/volunteer_edit slots", "已选：周一至周五 上午、下午"),
            ("周六下午和周日全天", "已选：周一至周五 上午、下午；周六 下午；周日 全天"),
            ("5", "已更新"),  # done
        ],
    )
    found = await profile(chat, "王秀兰")
    assert found is not None
    slots = found.availability
    assert {"sat_pm", "sun_am", "sun_pm", "sun_ev", "mon_am"} <= set(slots)
    assert "sat_am" not in slots
    again = await talk.chat.text("王秀兰", "/volunteer_edit slots")
    assert "周六" in again
    assert "没看懂这个时间" in await talk.chat.text("王秀兰", "有空就行")


async def _station_need(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [
            ("我想申请低保，家里实在困难", "1. 最低生活保障申请协助"),
            ("1", "什么时间方便？"),
            ("2", "1. 在家"),
            ("1", "还有什么需要说明的吗？"),
            ("跳过", "服务：最低生活保障申请协助"),
            ("1", "状态：待受理"),
        ],
    )


async def test_station_staff_move_a_government_item_and_the_resident_follows_it(
    chat: Chat,
) -> None:
    await _station_need(chat)
    shown = await chat.text(ORGANIZER, "/need_status 1")
    assert "待受理" in shown and "受理" in shown and "开始办理" in shown
    moved = await chat.text(ORGANIZER, number_of(shown, "✅ 受理"))
    assert "已改为“已受理”" in moved
    assert "有新进度：已受理" in (await inbox(chat.app, "王凤兰"))[-1]
    assert "已受理" in await chat.text("王凤兰", "/needs")
    assert "已改为“办理中”" in await chat.text(ORGANIZER, "/need_progress 1 办理中")
    assert "办理中" in await chat.text("王凤兰", "/need_status 1")
    assert "已改为“已办结”" in await chat.text(ORGANIZER, "/need_progress 1 已办结")
    assert "有新进度：已办结" in (await inbox(chat.app, "王凤兰"))[-1]
    async with chat.app.db.transaction() as session:
        need = await session.get(Need, 1)
    assert need is not None and need.status == "done"


async def test_station_moves_are_for_its_staff_only(chat: Chat) -> None:
    await _station_need(chat)
    own = await chat.text("王凤兰", "/need_status 1")
    assert "开始办理" not in own  # the resident follows it, never moves it
    assert "没有权限" in await chat.text("王秀兰", "/need_progress 1 办理中")
    assert "用法" in await chat.text(ORGANIZER, "/need_progress 1 随便")
    async with chat.app.db.transaction() as session:
        need = await session.get(Need, 1)
    assert need is not None and need.status == "open"


async def test_help_shows_the_person_path_and_organizers_see_answer_and_asked(chat: Chat) -> None:
    organizer = await chat.text(ORGANIZER, "/help")
    assert "/answer" in organizer and "/asked" in organizer and "/need_progress" in organizer
    resident = await chat.text("王凤兰", "/help")
    assert "转人工" in resident and "/asked" not in resident and "/need_progress" not in resident


async def test_pause_until_a_day_in_words_ends_by_itself(chat: Chat, clock: FakeClock) -> None:
    from datetime import UTC, datetime

    from handlers.sweeps import Sweeper

    talk = Talk(chat, clock)
    assert "到 2026-12-07 早上自动恢复" in await talk.text("王秀兰", "/pause 下周一")
    found = await profile(chat, "王秀兰")
    assert found is not None and found.paused
    assert "没看懂暂停到哪一天" in await talk.text("王秀兰", "/pause 昨天吧")
    sweeper = Sweeper(chat.app.deps, periodic=())
    clock.now = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # 07:00 on Monday in Beijing: not yet
    await sweeper.tick()
    found = await profile(chat, "王秀兰")
    assert found is not None and found.paused
    clock.now = datetime(2026, 12, 7, 0, 1, tzinfo=UTC)  # 08:01 in Beijing
    stats = await sweeper.tick()
    assert stats.kinds.get("volunteer_resume") == 1
    found = await profile(chat, "王秀兰")
    assert found is not None and not found.paused
    assert "暂停已到期" in (await inbox(chat.app, "王秀兰"))[-1]


async def test_resume_early_cancels_the_pause_end(chat: Chat, clock: FakeClock) -> None:
    from datetime import UTC, datetime

    from handlers.sweeps import Sweeper

    talk = Talk(chat, clock)
    await talk.text("王秀兰", "/pause 12月20日")
    assert "欢迎回来" in await talk.text("王秀兰", "/resume")
    assert "已暂停接单" in await talk.text("王秀兰", "/pause")  # no end this time
    clock.now = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    stats = await Sweeper(chat.app.deps, periodic=()).tick()
    assert not stats.kinds.get("volunteer_resume")
    found = await profile(chat, "王秀兰")
    assert found is not None and found.paused
