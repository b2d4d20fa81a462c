"""Urgency, asking on someone's behalf, recurring needs and the automatic confirmation, in English
(the Chinese dialogs are in test_urgency.py, test_on_behalf.py, test_series.py and
test_closing.py): the same steps, read in English."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.core.config import ClosingRules
from handlers.sweeps import Sweeper
from storage.models import Need, OutboxMessage, Person
from tests.e2e.test_tasks import _accepted_task, _offers, _outbox_to, _round
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.config import reconfigure

LATE = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 in Beijing
ASKER = "Michael Brown"


async def _english(chat: Chat, *names: str) -> None:
    async with chat.app.db.transaction() as session:
        for person in (await session.execute(select(Person))).scalars():
            if person.display_name in names:
                person.lang = "en"


async def test_an_urgent_request_in_english_goes_out_at_night(chat: Chat, clock: FakeClock) -> None:
    clock.now = LATE
    await chat.script(
        ASKER,
        [
            ("/need", "What service do you need?"),
            ("medical escort to hospital, urgent", "1. Medical escort service"),
            ("1", "When would suit you?"),
            ("any time", "1. At home"),
            ("1", "Anything else we should know?"),
            ("skip", "Please confirm your request"),
        ],
    )
    done = await chat.text(ASKER, "1")
    assert "Your request #1 (Medical escort service) was submitted" in done
    assert "You said this is urgent" in done and "120" in done
    async with chat.app.db.transaction() as session:
        need = (await session.execute(select(Need))).scalar_one()
        assert need.urgency == "urgent" and need.status == "matching"
        alerts = list(
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.kind == "urgent_need")
                )
            ).scalars()
        )
    assert alerts and all(a.urgent for a in alerts)


async def test_an_english_speaker_asks_for_a_parent(chat: Chat, clock: FakeClock) -> None:
    await chat.script(
        ASKER,
        [
            ("/need_for", "Who are you asking for?"),
            ("my mother Ruth", "How are you related?"),
            ("1", "Did my mother Ruth agree?"),
            ("2", "Please ask my mother Ruth first"),  # not yet: nothing kept
            ("/need_for", "Who are you asking for?"),
            ("Ruth Brown", "How are you related?"),
            ("1", "Did Ruth Brown agree?"),
            ("1", "What service do you need?"),
            ("medical escort to hospital", "1. Medical escort service"),
            ("1", "When would suit you?"),
            ("tomorrow 9:00-11:00", "Where"),
        ],
    )
    await chat.script(ASKER, [("1", "Anything else"), ("skip", "For: Ruth Brown (Parent")])
    done = await chat.text(ASKER, "1")
    assert "Request #1 (Medical escort service) was submitted for Ruth Brown" in done
    await _round(chat.app, 1)
    (offer_id, volunteer, _), *_ = await _offers(chat.app, 1)
    await _english(chat, volunteer)
    assert "Ruth Brown" in await chat.text(volunteer, payload=f"offer:{offer_id}:accept")
    clock.advance(days=1, hours=1)
    assert "marked done" in await chat.text(volunteer, "/task_done 1 2")
    asked = [t for t in await _outbox_to(chat.app, ASKER) if "Please confirm" in t]
    assert asked and 'reply "confirm"' in asked[0]  # the word it suggests is one it understands
    confirmed = await chat.text(ASKER, "Confirm")
    assert "Request #1 confirmed; 2.0 h recorded" in confirmed and "rate" in confirmed


async def test_a_weekly_visit_in_english(chat: Chat, clock: FakeClock) -> None:
    await chat.script(
        ASKER,
        [
            ("/need", "What service do you need?"),
            ("medical escort to hospital", "1. Medical escort service"),
            ("1", "When would suit you?"),
            ("tomorrow 9:00-11:00", "1. At home"),
            ("1", "Anything else we should know?"),
            ("skip", "Please confirm your request"),
            ("1", "Your request #1"),
        ],
    )
    assert "How often should request #1 repeat?" in await chat.text(ASKER, "/need_repeat 1")
    made = await chat.text(ASKER, "1")  # weekly
    assert "Recurring series #1 set up: request #1, Weekly" in made
    assert "next visit 8 Dec 2026 09:00" in made
    shown = await chat.text(ASKER, "/series 1")
    assert "Recurring series #1: Medical escort service, Weekly, active" in shown
    assert "Pause" in shown
    assert "paused" in await chat.text(ASKER, "/series 1 pause")
    assert "ended" in await chat.text(ASKER, "/series 1 end")


async def test_nobody_confirms_in_english_and_it_confirms_itself(
    chat: Chat, clock: FakeClock
) -> None:
    reconfigure(chat.app, closing=ClosingRules(auto_confirm_days=2, dispute_days=5))
    need_id, volunteer, _ = await _accepted_task(chat)
    await _english(chat, "王凤兰", volunteer)
    clock.advance(days=1, hours=1)
    assert f"request #{need_id}" in await chat.text(volunteer, f"/task_done {need_id} 2")
    clock.advance(days=2, hours=1)
    await Sweeper(chat.app.deps, periodic=()).tick()
    told = [t for t in await _outbox_to(chat.app, "王凤兰") if "confirmed automatically" in t]
    assert len(told) == 1 and f"Request #{need_id}" in told[0] and "dispute until" in told[0]
    assert "2.0 h" in await chat.text(volunteer, "/hours")
