"""A dispatch sweep's chunks share their street's candidates (handlers/tasks/pool_cache.py)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from bot.bootstrap import App
from handlers.core.config import DispatchRules
from handlers.core.notify import Sink
from handlers.sweeps import Sweeper
from handlers.tasks.pool_cache import pool_cache
from handlers.tasks.sweep import dispatch_chunk
from matching import Weights
from storage.models import TaskOffer, VolunteerProfile
from tests.integration.test_dispatch_sweep import _needs
from tests.support.chat import Chat
from tests.support.config import reconfigure
from tests.support.needs_reports import person_id


async def _chunk(app: App) -> int:
    """One chunk of the sweep, as a job runs it; the offers it made."""
    async with app.db.transaction() as session:
        done = await dispatch_chunk(Sink.bare(session, app.deps), app.deps.config)
    return done.offers


async def test_the_chunks_of_a_sweep_load_their_street_once(chat: Chat) -> None:
    app = chat.app
    reconfigure(app, dispatch=DispatchRules(chunk=2))
    app.deps.clock.advance(minutes=1)  # type: ignore[attr-defined]
    await _needs(app, 5)  # one street
    cache = pool_cache(app.db.engine)
    before = cache.loads
    stats = await Sweeper(app.deps).tick()
    assert stats.kinds.get("dispatch_needs") == 3
    assert cache.loads - before == 1  # not once per chunk


async def test_kept_pools_go_when_a_volunteer_of_the_street_changes_or_after_a_minute(
    chat: Chat,
) -> None:
    app, clock = chat.app, chat.app.deps.clock
    cache = pool_cache(app.db.engine)
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    await _needs(app, 1)
    await _chunk(app)
    loads = cache.loads

    clock.advance(seconds=30)  # type: ignore[attr-defined]
    await _needs(app, 1)
    await _chunk(app)
    assert cache.loads == loads  # kept

    volunteer = await person_id(app, "张淑珍")
    async with app.db.transaction() as session:
        await session.execute(
            update(VolunteerProfile)
            .where(VolunteerProfile.person_id == volunteer)
            .values(paused=True, updated_at=clock())
        )
    await _needs(app, 1)
    await _chunk(app)
    assert cache.loads == loads + 1  # the street's volunteers changed: loaded again

    clock.advance(seconds=61)  # type: ignore[attr-defined]
    await _needs(app, 1)
    await _chunk(app)
    assert cache.loads == loads + 2  # a minute old: loaded again


async def test_the_weekly_offer_cap_holds_across_chunks_sharing_their_pools(chat: Chat) -> None:
    app = chat.app
    reconfigure(app, dispatch=DispatchRules(chunk=1), matching=Weights(max_offers_per_week=1))
    app.deps.clock.advance(minutes=1)  # type: ignore[attr-defined]
    await _needs(app, 6)
    cache = pool_cache(app.db.engine)
    before = cache.loads
    stats = await Sweeper(app.deps).tick()
    assert stats.kinds.get("dispatch_needs") == 6 and cache.loads - before == 1
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
    assert per_person and max(n for _, n in per_person) == 1  # an earlier chunk's offers count
    assert counted == dict(per_person)
