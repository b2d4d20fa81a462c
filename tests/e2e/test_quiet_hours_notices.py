"""Every notice kind written at 23:30 local waits until 08:00, except the documented urgent kinds.

Offers included: an offer held over the night runs its deadline from the morning, so a volunteer
asleep at 00:14 is not timed out at 02:14.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.core.config import ProposalRules
from handlers.core.notify import URGENT_KINDS, Sink
from handlers.proposals import flag_stale
from handlers.reports import escalate_overdue
from handlers.tasks import offer_round
from storage.models import Need, OutboxMessage, Person, TaskOffer
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.config import reconfigure
from tests.support.needs_reports import make_need, make_report
from tests.support.proposals import propose, set_threshold
from tests.support.volunteering import record

LATE = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 in Beijing (LINLI_TZ default)
MORNING = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 the next day, when quiet hours end


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sink(app: App, session) -> Sink:  # type: ignore[no-untyped-def]
    return Sink.bare(session, app.deps, app.deps.clock())


async def _last_outbox_id(app: App) -> int:
    async with app.db.transaction() as session:
        return (await session.execute(select(func.max(OutboxMessage.id)))).scalar() or 0


async def test_notices_written_at_night_wait_for_the_morning(chat: Chat, clock: FakeClock) -> None:
    app = chat.app
    # Set-up in the daytime: a report and a proposal on the agenda, both due for attention later.
    await make_report(app, respond_due=LATE - timedelta(hours=1))
    await set_threshold(chat, "CY-JS-01", 1)
    await propose(chat, "王凤兰", "加装电梯", "我们103号楼都是老人，六层没有电梯，希望加装电梯。")
    await chat.text("李福海", "/cosign 1")
    need_id = await make_need(app)
    clock.now = LATE
    first = await _last_outbox_id(app)

    async with app.db.transaction() as session:  # an offer round (offers, the need's new status)
        need = await session.get(Need, need_id)
        assert need is not None
        offers = await offer_round(_sink(app, session), app.deps.config, need)
    assert offers
    async with app.db.transaction() as session:  # the first volunteer accepts at once
        offer = await session.get(TaskOffer, offers[0].id)
        assert offer is not None and offer.person_id is not None
        volunteer = await session.get(Person, offer.person_id)
        assert volunteer is not None
    await chat.say(volunteer.display_name, payload=f"offer:{offers[0].id}:accept")
    reconfigure(app, proposals=ProposalRules(stale_days=0))  # on the agenda: stale at once
    async with app.db.transaction() as session:  # the report is overdue, the proposal stale
        assert await escalate_overdue(_sink(app, session))
        assert await flag_stale(_sink(app, session))
    await record(chat, "王秀兰", "2", LATE - timedelta(hours=3))  # hours recorded: thanks

    async with app.db.transaction() as session:
        rows = (
            (await session.execute(select(OutboxMessage).where(OutboxMessage.id > first)))
            .scalars()
            .all()
        )
        offer_due = [
            _aware(o.due_at)
            for o in (await session.execute(select(TaskOffer))).scalars()
            if o.need_id == need_id
        ]
    kinds = {row.kind for row in rows}
    assert {"offer", "notice"} <= kinds
    for row in rows:
        if row.urgent:
            assert row.kind in URGENT_KINDS, (row.kind, row.payload)
            continue
        assert _aware(row.not_before) == MORNING, (row.kind, row.payload)
    assert offer_due and all(due == MORNING + timedelta(hours=2) for due in offer_due)
