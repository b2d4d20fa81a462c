"""The dispatch sweep ranks only what changed: new needs, needs whose volunteers changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.bootstrap import App
from handlers.core.config import DispatchRules
from handlers.sweeps import Sweeper
from matching import Weights
from storage.models import DueJob, Need, Region, ServiceItem, TaskOffer, VolunteerProfile
from tests.support.chat import Chat
from tests.support.config import reconfigure
from tests.support.needs_reports import person_id
from tests.support.volunteering import profile


async def _needs(app: App, count: int, place: str = "CY-JS-01-G1-B3") -> list[int]:
    now = app.deps.clock()
    resident = await person_id(app, "王凤兰")
    async with app.db.transaction() as session:
        item = (
            await session.execute(
                select(ServiceItem).where(ServiceItem.code == "medical_escort_service")
            )
        ).scalar_one()
        region = (await session.execute(select(Region).where(Region.code == place))).scalar_one()
        needs = [
            Need(
                person_id=resident,
                service_item_id=item.id,
                region_id=region.id,
                status="open",
                created_at=now,
                updated_at=now,
            )
            for _ in range(count)
        ]
        session.add_all(needs)
        await session.flush()
        return [n.id for n in needs]


async def _pause_everyone(app: App) -> None:
    """No volunteer can be offered anything (the change predates the needs)."""
    async with app.db.transaction() as session:
        await session.execute(
            update(VolunteerProfile).values(paused=True, updated_at=app.deps.clock())
        )


async def _considered(app: App, ids: list[int]) -> dict[int, tuple[datetime | None, str | None]]:
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(Need.id, Need.considered_at, Need.considered).where(Need.id.in_(ids))
        )
        return {i: (at, why) for i, at, why in rows.all()}


async def _offers(app: App) -> int:
    async with app.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(TaskOffer)) or 0)


async def test_a_need_nobody_can_take_is_not_ranked_again_until_a_volunteer_changes(
    chat: Chat,
) -> None:
    app, clock = chat.app, chat.app.deps.clock
    await _pause_everyone(app)
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    ids = await _needs(app, 3)
    sweeper = Sweeper(app.deps)
    await sweeper.tick()
    first = await _considered(app, ids)
    assert {why for _, why in first.values()} == {"nobody_left"}

    clock.advance(minutes=5)  # type: ignore[attr-defined]
    await sweeper.tick()
    assert await _considered(app, ids) == first  # nothing changed: not ranked again

    volunteer = await person_id(app, "张淑珍")
    await chat.say("张淑珍", "/resume")
    assert (await profile(chat, "张淑珍")).paused is False  # type: ignore[union-attr]
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    await sweeper.tick()
    after = await _considered(app, ids)
    assert all(at is not None and at > first[i][0] for i, (at, _) in after.items())  # type: ignore[operator]
    async with app.db.transaction() as session:
        offered = await session.scalar(
            select(func.count()).select_from(TaskOffer).where(TaskOffer.person_id == volunteer)
        )
    assert offered and offered > 0


async def test_a_long_backlog_is_ranked_in_chunks_within_one_tick(chat: Chat) -> None:
    app = chat.app
    reconfigure(app, dispatch=DispatchRules(chunk=2))
    await _pause_everyone(app)
    app.deps.clock.advance(minutes=1)  # type: ignore[attr-defined]
    ids = await _needs(app, 5)
    stats = await Sweeper(app.deps).tick()
    assert stats.kinds.get("dispatch_needs") == 3  # 2 + 2 + 1, each its own transaction
    assert all(why == "nobody_left" for _, why in (await _considered(app, ids)).values())
    async with app.db.transaction() as session:
        refs = set(
            (
                await session.execute(select(DueJob.ref).where(DueJob.kind == "dispatch_needs"))
            ).scalars()
        )
    assert len(refs) == 3 and sum(">" in r for r in refs) == 2
    assert await _offers(app) == 0


async def test_offers_made_in_one_sweep_count_against_the_weekly_offer_cap(chat: Chat) -> None:
    app = chat.app
    reconfigure(app, matching=Weights(max_offers_per_week=1))
    app.deps.clock.advance(minutes=1)  # type: ignore[attr-defined]
    await _needs(app, 6)
    await Sweeper(app.deps).tick()
    async with app.db.transaction() as session:
        per_person = (
            await session.execute(
                select(TaskOffer.person_id, func.count())
                .where(TaskOffer.person_id.is_not(None))
                .group_by(TaskOffer.person_id)
            )
        ).all()
        counted = dict(
            (
                await session.execute(
                    select(VolunteerProfile.person_id, VolunteerProfile.offers).where(
                        VolunteerProfile.offers > 0
                    )
                )
            ).all()
        )
    assert per_person and max(n for _, n in per_person) == 1
    assert counted == dict(per_person)  # the sweep added its offers to the volunteers' totals
