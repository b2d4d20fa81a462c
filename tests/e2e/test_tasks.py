"""Dispatch: a need offered to its matches, declined, accepted once, done, confirmed, hours kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.core.config import DispatchRules
from handlers.core.dispatcher import Dispatcher
from handlers.core.messages import Message
from handlers.core.notify import Sink
from handlers.routes import build_routes
from handlers.tasks import dispatch_batch, expire_offer, offer_round
from matching import Weights
from storage.models import (
    Assignment,
    DueJob,
    Need,
    Organization,
    OutboxMessage,
    Person,
    Region,
    ServiceItem,
    ServiceRecord,
    TaskOffer,
)
from tests.support.chat import Chat, render
from tests.support.clock import FakeClock
from tests.support.config import reconfigure

TUESDAY_9 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
TUESDAY_11 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def _person(app: App, name: str) -> Person:
    async with app.db.transaction() as session:
        return (
            await session.execute(select(Person).where(Person.display_name == name))
        ).scalar_one()


async def _need(
    app: App,
    who: str = "王凤兰",
    item: str = "medical_escort_service",
    place: str = "CY-JS-01-G1-B3",
    needed: int = 1,
) -> int:
    resident = await _person(app, who)
    async with app.db.transaction() as session:
        item_row = (
            await session.execute(select(ServiceItem).where(ServiceItem.code == item))
        ).scalar_one()
        region = (await session.execute(select(Region).where(Region.code == place))).scalar_one()
        need = Need(
            person_id=resident.id,
            service_item_id=item_row.id,
            region_id=region.id,
            window_start=TUESDAY_9,
            window_end=TUESDAY_11,
            notes="腿脚不便，需要搀扶",
            volunteers_needed=needed,
            status="open",
            created_at=app.deps.clock(),
        )
        session.add(need)
        await session.flush()
        return need.id


async def _round(app: App, need_id: int) -> list[TaskOffer]:
    async with app.db.transaction() as session:
        need = await session.get(Need, need_id)
        assert need is not None
        return await offer_round(
            Sink.bare(session, app.deps, app.deps.clock()),
            app.deps.config,
            need,
        )


async def _offers(app: App, need_id: int) -> list[tuple[int, str, str]]:
    """(offer id, who answers it — the volunteer or the organization's contact, status)."""
    async with app.db.transaction() as session:
        offers = (
            (
                await session.execute(
                    select(TaskOffer).where(TaskOffer.need_id == need_id).order_by(TaskOffer.rank)
                )
            )
            .scalars()
            .all()
        )
        out = []
        for offer in offers:
            person_id = offer.person_id
            if person_id is None:
                org = await session.get(Organization, offer.organization_id)
                person_id = org.contact_person_id
            person = await session.get(Person, person_id)
            out.append((offer.id, person.display_name, offer.status))
        return out


async def _accepted_task(chat: Chat) -> tuple[int, str, int]:
    """A need offered and accepted by the first candidate: (need id, volunteer, task id)."""
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    (offer_id, name, _), *_ = await _offers(chat.app, need_id)
    await chat.say(name, payload=f"offer:{offer_id}:accept")
    async with chat.app.db.transaction() as session:
        task_id = (await session.execute(select(Assignment.id))).scalar_one()
    return need_id, name, task_id


async def _outbox_to(app: App, name: str) -> list[str]:
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.payload)
            .where(OutboxMessage.external_id == name)
            .order_by(OutboxMessage.id)
        )
        return [p["text"] for p in rows.scalars()]


async def test_a_need_is_offered_to_the_best_matches_with_reasons(chat: Chat) -> None:
    need_id = await _need(chat.app)
    made = await _round(chat.app, need_id)
    assert len(made) == 3
    offers = await _offers(chat.app, need_id)
    names = [name for _, name, _ in offers]
    assert names[0] == "张淑珍"  # same building, free on Tuesday morning
    assert "罗静" not in names and "康玉珍" not in names and "曹文静" not in names
    [offer_text] = await _outbox_to(chat.app, "张淑珍")
    assert "陪诊服务" in offer_text and "同楼" in offer_text and "周二上午有空" in offer_text
    async with chat.app.db.transaction() as session:
        jobs = (
            (await session.execute(select(DueJob).where(DueJob.kind == "offer_timeout")))
            .scalars()
            .all()
        )
        assert len(jobs) == 3 and all(j.due_at > chat.app.deps.clock() for j in jobs)
        assert (await session.get(Need, need_id)).status == "matching"


async def test_first_acceptance_wins_and_the_others_are_told(chat: Chat) -> None:
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    (first, first_name, _), (second, second_name, _), *_ = await _offers(chat.app, need_id)
    text = render(await chat.say(second_name, payload=f"offer:{second}:accept"))
    assert "已由您承接" in text and "王凤兰" in text and "发消息" in text
    assert "+8613600000101" not in text  # the resident's number only if she shares it
    assert "来晚了一步" in render(await chat.say(first_name, payload=f"offer:{first}:accept"))
    assert any("已由其他志愿者承接" in t for t in await _outbox_to(chat.app, first_name))
    assert any(second_name in t and "已有人承接" in t for t in await _outbox_to(chat.app, "王凤兰"))
    async with chat.app.db.transaction() as session:
        assert (await session.get(Need, need_id)).status == "assigned"
        assert await session.scalar(select(func.count()).select_from(Assignment)) == 1
        statuses = (
            (await session.execute(select(TaskOffer.status).order_by(TaskOffer.rank)))
            .scalars()
            .all()
        )
        assert statuses.count("accepted") == 1 and "pending" not in statuses


async def test_only_the_offered_person_can_answer(chat: Chat) -> None:
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    (offer_id, _, _), *_ = await _offers(chat.app, need_id)
    assert "没有权限" in render(await chat.say("王凤兰", payload=f"offer:{offer_id}:accept"))
    assert "已经失效" in render(await chat.say("王凤兰", payload="offer:99999:accept"))


async def test_declines_and_timeouts_move_on_to_the_next_candidates(
    chat: Chat, clock: FakeClock
) -> None:
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    first_round = await _offers(chat.app, need_id)
    for offer_id, name, _ in first_round[:2]:
        assert "已婉拒" in render(await chat.say(name, payload=f"offer:{offer_id}:decline"))
    assert len(await _offers(chat.app, need_id)) == 3  # one still pending: no new round yet
    clock.advance(hours=3)
    async with chat.app.db.transaction() as session:
        job = (
            await session.execute(
                select(DueJob).where(
                    DueJob.kind == "offer_timeout", DueJob.ref == str(first_round[2][0])
                )
            )
        ).scalar_one()
        await expire_offer(
            Sink.bare(session, chat.app.deps, clock()),
            job,
        )
    offers = await _offers(chat.app, need_id)
    assert [s for _, _, s in offers[:3]] == ["declined", "declined", "timed_out"]
    new_names = {name for _, name, status in offers[3:] if status == "pending"}
    assert new_names and not new_names & {name for _, name, _ in first_round}


async def test_nobody_left_alerts_the_organizers(chat: Chat) -> None:
    # 大郊亭社区 grid 2 has no legal-aid volunteer reaching it
    need_id = await _need(
        chat.app, who="王凤兰", item="medical_escort_service", place="CY-JS-04-G2"
    )
    for _ in range(10):
        offers = await _offers(chat.app, need_id)
        pending = [(i, n) for i, n, s in offers if s == "pending"]
        if not pending and offers:
            break
        if not offers:
            await _round(chat.app, need_id)
            continue
        for offer_id, name in pending:
            await chat.say(name, payload=f"offer:{offer_id}:decline")
    async with chat.app.db.transaction() as session:
        assert (await session.get(Need, need_id)).status == "open"
    organizer_texts = await _outbox_to(chat.app, "吴俊峰") + await _outbox_to(chat.app, "刘文静")
    assert any("暂时没有合适的志愿者" in t for t in organizer_texts)


async def test_done_confirmed_hours_recorded(chat: Chat, clock: FakeClock) -> None:
    need_id, name, task_id = await _accepted_task(chat)
    clock.advance(days=1, hours=1)  # after the task's window (Tuesday 09:00–11:00)
    assert "已标记任务" in render(await chat.say(name, f"/task_done {need_id} 2"))
    asks = await _outbox_to(chat.app, "王凤兰")
    assert any("请确认" in t and "2" in t for t in asks)
    assert "没有权限" in render(await chat.say("李建国", payload=f"taskok:{task_id}"))
    assert "记录服务时长 2.0 小时" in render(await chat.say("王凤兰", payload=f"taskok:{task_id}"))
    async with chat.app.db.transaction() as session:
        record = (await session.execute(select(ServiceRecord))).scalar_one()
        assert record.hours == 2 and record.assignment_id == task_id
        assert (await session.get(Need, need_id)).status == "done"
    assert "已经确认过" in render(await chat.say("王凤兰", payload=f"taskok:{task_id}"))
    assert any("感谢您的志愿服务" in t for t in await _outbox_to(chat.app, name))


async def test_dispute_alerts_organizers(chat: Chat, clock: FakeClock) -> None:
    need_id, name, task_id = await _accepted_task(chat)
    clock.advance(days=1, hours=1)
    await chat.say(name, payload=f"taskdone:{need_id}")
    await chat.say(name, "2")  # the hours asked
    assert "已记录您的异议" in render(await chat.say("王凤兰", payload=f"taskbad:{task_id}"))
    assert any("有异议" in t for t in await _outbox_to(chat.app, "王海燕"))


async def test_volunteer_cancels_with_a_reason_and_the_need_is_offered_again(chat: Chat) -> None:
    need_id, name, _ = await _accepted_task(chat)
    await chat.script(name, [(f"/task_cancel {need_id}", "取消的原因"), ("家里临时有事", "已取消")])
    assert any("家里临时有事" in t for t in await _outbox_to(chat.app, "王凤兰"))
    offers = await _offers(chat.app, need_id)
    assert any(status == "pending" for _, _, status in offers)
    async with chat.app.db.transaction() as session:
        assert (await session.get(Need, need_id)).status == "matching"


async def test_organizer_dispatches_by_command_residents_cannot(chat: Chat) -> None:
    need_id = await _need(chat.app)
    assert "没有权限" in await chat.text("李福海", f"/dispatch {need_id}")
    assert "推送给 3 位候选人" in await chat.text("王海燕", f"/dispatch {need_id}")
    text = await chat.text("张淑珍", "/tasks")
    assert "待答复" in text and "接受" in text


async def test_two_simultaneous_accepts_exactly_one_wins(chat: Chat) -> None:
    app = chat.app
    need_id = await _need(app)
    await _round(app, need_id)
    (a, a_name, _), (b, b_name, _), *_ = await _offers(app, need_id)
    dispatcher = Dispatcher(app.deps, build_routes())
    outcomes = await asyncio.gather(
        dispatcher.handle(
            Message(channel="console", user_id=a_name, payload=f"offer:{a}:accept", update_key="x1")
        ),
        dispatcher.handle(
            Message(channel="console", user_id=b_name, payload=f"offer:{b}:accept", update_key="x2")
        ),
    )
    texts = [render(o.replies) for o in outcomes]
    assert sum("已由您承接" in t for t in texts) == 1
    assert sum("来晚了一步" in t or "已经失效" in t for t in texts) == 1
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Assignment)) == 1


async def test_batch_gives_competing_needs_different_volunteers(chat: Chat) -> None:
    first = await _need(chat.app)
    second = await _need(chat.app, who="李福海", place="CY-JS-01-G2-B2")
    async with chat.app.db.transaction() as session:
        picks = await dispatch_batch(
            Sink.bare(session, chat.app.deps, chat.app.deps.clock()),
            chat.app.deps.config,
        )
    assert set(picks) == {first, second}
    assert picks[first] and picks[second] and set(picks[first]).isdisjoint(picks[second])


@pytest.mark.parametrize("lang", ["en"])
async def test_offer_in_english(chat: Chat, lang: str) -> None:
    async with chat.app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == "张淑珍"))
        ).scalar_one()
        person.lang = lang
    need_id = await _need(chat.app)
    await _round(chat.app, need_id)
    [text] = await _outbox_to(chat.app, "张淑珍")
    assert (
        "Medical escort service" in text
        and "same building" in text
        and "free Tuesday morning" in text
    )


async def test_oversupply_guard_stops_offers_and_tells_organizers_once(chat: Chat) -> None:
    reconfigure(chat.app, dispatch=DispatchRules(oversupply_cap=1))
    _, _, _ = await _accepted_task(chat)  # 王凤兰 was served by one helper this month
    second = await _need(chat.app, item="home_meal_service")
    assert await _round(chat.app, second) == []
    assert await _round(chat.app, second) == []
    alerts = [t for t in await _outbox_to(chat.app, "王海燕") if "已由很多志愿者服务过" in t]
    assert len(alerts) == 1


async def test_offer_count_and_weights_come_from_the_configuration(chat: Chat) -> None:
    reconfigure(chat.app, dispatch=DispatchRules(k=1), matching=Weights(proximity=0.0, skill=1.0))
    need_id = await _need(chat.app)
    assert len(await _round(chat.app, need_id)) == 1
    with pytest.raises(TypeError):  # an unknown weight is refused before any ranking
        reconfigure(chat.app, matching=Weights(nonsense=1.0))  # type: ignore[call-arg]
