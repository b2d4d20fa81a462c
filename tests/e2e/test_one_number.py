"""One number per item: the resident, the volunteer and the organizer see and type the need's
number everywhere in the service journey — offer, acceptance, /tasks, relay, done, reminder,
confirm, rating, hours — never an offer's, a task's or a record's own id.

Two needs exist before the journey's, so its need is #3 while its task is #1, its offers #1–#3
and its hours record #1: a message that shows any of those ids fails the test.
The clock stands on Monday 30 November 2026, 10:00 in Beijing; "明天上午" is Tuesday morning.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from handlers.admin.present import present
from handlers.hours import export_records
from handlers.sweeps import Sweeper
from storage.models import Assignment, OutboxMessage, ServiceRecord
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_need
from tests.support.relay import offers
from tests.support.volunteering import Talk, outbox_texts

ORGANIZER = "王海燕"
RESIDENT = "王凤兰"
ASK_ZH = [
    ("需求", "您需要什么服务？"),
    ("陪老人看病", "1. 陪诊服务"),
    ("1", "什么时间方便？"),
    ("2", "在哪里提供服务"),
    ("朝阳医院，从家里出发", "还有什么需要说明"),
    ("要带医保卡", "备注：要带医保卡"),
    ("1", "已提交服务需求 #3（陪诊服务）"),
]
ASK_EN = [
    ("/need", "What service do you need?"),
    ("medical escort to hospital", "1. Medical escort service"),
    ("1", "When would suit you?"),
    ("tomorrow 9:00-11:00", "1. At home"),
    ("1", "Anything else we should know?"),
    ("skip", "Please confirm your request"),
    ("1", "Your request #3 (Medical escort service) was submitted"),
]


class Seen:
    """Every text the three people read from a point on: replies and queued notices."""

    def __init__(self, talk: Talk) -> None:
        self.talk = talk
        self.replies: list[tuple[str, str]] = []
        self.since = 0

    async def mark(self) -> None:
        """Count only the notices queued from now on."""
        async with self.talk.chat.app.db.transaction() as session:
            self.since = int(await session.scalar(select(func.max(OutboxMessage.id))) or 0)

    async def text(self, user: str, said: str = "", **kwargs: str) -> str:
        """Say something; the reply is kept."""
        got = await self.talk.text(user, said, **kwargs)
        self.replies.append((user, got))
        return got

    async def numbers(self) -> set[str]:
        """Every "#N" shown in a reply or a notice since the mark."""
        async with self.talk.chat.app.db.transaction() as session:
            rows = await session.execute(
                select(OutboxMessage.payload).where(OutboxMessage.id > self.since)
            )
            texts = [
                p["text"] + " ".join(c for c, _ in p.get("choices", [])) for p in rows.scalars()
            ]
        texts += [text for _, text in self.replies]
        return {n for text in texts for n in re.findall(r"#(\d+)", text)}


async def _ids(chat: Chat) -> tuple[int, int]:
    async with chat.app.db.transaction() as session:
        task = await session.scalar(select(Assignment.id).where(Assignment.need_id == 3))
        record = await session.scalar(select(ServiceRecord.id))
        return int(task or 0), int(record or 0)


async def test_one_number_from_the_request_to_the_hours_in_chinese(
    chat: Chat, clock: FakeClock
) -> None:
    for _ in range(2):  # two needs first: this journey's need is #3, its task #1
        await make_need(chat.app, RESIDENT)
    talk = Talk(chat, clock)
    await talk.script(RESIDENT, ASK_ZH)
    seen = Seen(talk)
    await seen.mark()
    assert "服务需求 #3 已推送给 3 位候选人" in await seen.text(ORGANIZER, "/dispatch 3")
    offered = await offers(chat.app, 3)
    for _, name in offered:
        [offer] = [t for t in await outbox_texts(chat, name) if "新的服务任务" in t]
        assert "新的服务任务 #3" in offer
    (offer_id, volunteer), *others = offered
    accepted = await seen.text(volunteer, payload=f"offer:{offer_id}:accept")
    assert "服务需求 #3" in accepted and "地点：朝阳医院，从家里出发" in accepted
    assert await _ids(chat) == (1, 0)  # the task's own id is not the need's
    assert "服务需求 #3" in await seen.text(volunteer, "/tasks")

    # the relay by the one number, both ways
    assert "已转达" in await seen.text(volunteer, "/msg 3 王阿姨您好，我明早八点到")
    assert "已转达" in await seen.text(RESIDENT, "/msg 3 好的，谢谢")

    # done by the typed number, the hours asked; the reminder; confirmed in words; rated
    clock.advance(days=1, hours=1)  # Tuesday 11:00
    assert "服务了多长时间" in await seen.text(volunteer, "/task_done 3")
    assert "需求 #3" in await seen.text(volunteer, "2小时")
    clock.advance(hours=25)
    await Sweeper(chat.app.deps, periodic=()).tick()
    reminded = [t for t in await outbox_texts(chat, RESIDENT) if "提醒" in t]
    assert reminded and "需求 #3" in reminded[-1]
    assert "已确认需求 #3 完成" in await seen.text(RESIDENT, "确认完成")
    assert "★★★★★" in await seen.text(RESIDENT, "5")
    await seen.text(RESIDENT, "跳过")
    hours = await seen.text(volunteer, "/hours")
    assert "服务需求 #3" in hours and "2.0" in hours
    thanks = [t for t in await outbox_texts(chat, volunteer) if "感谢您的志愿服务" in t]
    assert thanks and "服务需求 #3" in thanks[-1]
    assert await _ids(chat) == (1, 1)
    assert "服务需求 #3：陪诊服务，现在是 2.0 小时" in await seen.text(volunteer, "/hours_fix 3")
    assert await _exported(chat, "zh_CN") == {"服务需求编号": 3, "活动": ""}  # the same number
    assert await seen.numbers() == {"3"}, seen.replies
    for _, name in others:  # those only offered hear it was taken, by the same number
        assert any("#3" in t and "承接" in t for t in await outbox_texts(chat, name))


async def test_the_organizer_and_the_volunteer_type_the_need_number(
    chat: Chat, clock: FakeClock
) -> None:
    for _ in range(2):
        await make_need(chat.app, RESIDENT)
    talk = Talk(chat, clock)
    await talk.script(RESIDENT, ASK_ZH)
    seen = Seen(talk)
    await seen.mark()
    await seen.text(ORGANIZER, "/dispatch 3")
    first = await offers(chat.app, 3)
    (offer_id, volunteer), *_ = first
    await seen.text(volunteer, payload=f"offer:{offer_id}:accept")
    # the volunteer withdraws by the need's number; it goes out again and the next one takes it
    assert "原因" in await seen.text(volunteer, "/task_cancel 3")
    assert "服务需求 #3 的任务已取消" in await seen.text(volunteer, "家里有事")
    (second_id, second), *_ = [o for o in await offers(chat.app, 3) if o not in first]
    await seen.text(second, payload=f"offer:{second_id}:accept")
    clock.advance(days=1, hours=1)
    assert "需求 #3" in await seen.text(second, "/task_done 3 2")
    on_behalf = await seen.text(ORGANIZER, "/task_confirm 3")
    assert "已代居民确认需求 #3" in on_behalf
    async with chat.app.db.transaction() as session:
        ids = set((await session.execute(select(Assignment.id))).scalars())
    assert 3 not in ids  # the tasks are #1 and #2: only the need is #3
    assert await seen.numbers() == {"3"}, seen.replies


async def test_one_number_in_english(chat: Chat, clock: FakeClock) -> None:
    for _ in range(2):
        await make_need(chat.app, "Michael Brown")
    talk = Talk(chat, clock)
    await talk.script("Michael Brown", ASK_EN)
    seen = Seen(talk)
    await seen.mark()
    await seen.text("李梦瑶", "/dispatch 3")
    (offer_id, volunteer), *_ = await offers(chat.app, 3)
    await talk.script(volunteer, [("/lang", "English"), ("2", "")])
    accepted = await seen.text(volunteer, payload=f"offer:{offer_id}:accept")
    assert "Request #3" in accepted
    assert "Passed on" in await seen.text(volunteer, "/msg 3 I will be at your door at 9")
    assert "Passed on" in await seen.text("Michael Brown", "/msg 3 Thank you")
    clock.advance(days=1, hours=1)
    assert "request #3" in await seen.text(volunteer, "/task_done 3 2")
    clock.advance(hours=25)
    await Sweeper(chat.app.deps, periodic=()).tick()
    reminded = (await outbox_texts(chat, "Michael Brown"))[-1]
    assert f"Reminder: volunteer {volunteer} finished request #3" in reminded
    confirmed = await seen.text("Michael Brown", "/task_confirm 3")
    assert "Request #3 confirmed; 2.0 h recorded. Please rate" in confirmed
    assert "★★★★★" in await seen.text("Michael Brown", "5")
    await seen.text("Michael Brown", "skip")
    assert "(request #3)" in await seen.text(volunteer, "/hours")
    assert await _exported(chat, "en") == {"Request no.": 3, "Activity": ""}
    assert await seen.numbers() == {"3"}, seen.replies


async def _exported(chat: Chat, lang: str) -> dict[str, object]:
    """Where the one hours record came from, as the hours export and ledger show it."""
    async with chat.app.db.transaction() as session:
        [row] = await export_records(session)
    assert "assignment_id" not in row  # the task's own id means nothing to anyone
    [shown] = present([row], chat.app.deps.i18n, lang, "records")
    wanted = ("服务需求编号", "活动") if lang == "zh_CN" else ("Request no.", "Activity")
    return {column: shown[column] for column in wanted}
