"""The sweep's rounds in bulk: the same offers, notices and records as need after need, and two
sweeps on separate engines at once still offer each need once (PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.bootstrap import App, build
from bot.settings import Settings
from handlers.core.i18n import Translator
from handlers.core.notify import Sink
from handlers.sweeps import Sweeper
from handlers.tasks.sweep import dispatch_chunk, dispatch_sweep, one_by_one
from storage.models import (
    AuditEntry,
    DueJob,
    Need,
    OutboxMessage,
    Person,
    Region,
    ServiceItem,
    TaskOffer,
    VolunteerProfile,
)
from tests.support import databases
from tests.support.clock import FakeClock
from tests.support.config import reconfigure


async def _needs(app: App, count: int, seed: int = 13) -> list[int]:
    """Open needs of mixed items (one for the station) in every grid, some for a resident."""
    rnd = random.Random(seed)
    now = app.deps.clock()
    async with app.db.transaction() as session:
        items = list(
            (await session.execute(select(ServiceItem).order_by(ServiceItem.id))).scalars()
        )
        grids = list(
            (
                await session.execute(
                    select(Region).where(Region.level == "grid").order_by(Region.id)
                )
            ).scalars()
        )
        resident = (
            await session.execute(select(Person.id).where(Person.display_name == "王凤兰"))
        ).scalar_one()
        station = next(i for i in items if i.handler == "station")
        chosen = [i for i in items if i.handler != "station"]
        needs = [
            Need(
                person_id=resident if n % 3 == 0 else None,
                entered_by_id=resident,
                service_item_id=(station if n == 4 else rnd.choice(chosen)).id,
                region_id=rnd.choice(grids).id,
                volunteers_needed=2 if n % 5 == 0 else 1,
                status="open",
                created_at=now,
                updated_at=now,
            )
            for n in range(count)
        ]
        session.add_all(needs)
        await session.flush()
        return [n.id for n in needs]


async def _snapshot(app: App) -> dict[str, Any]:
    """Everything a sweep writes, comparable between two databases (no outbox or audit ids)."""

    def js(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)

    async with app.db.transaction() as session:

        async def rows(*columns: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in (await session.execute(select(*columns))).all()]

        offers = sorted(
            (o, n, p, g, r, s, js(e), st)
            for o, n, p, g, r, s, e, st in await rows(
                TaskOffer.id,
                TaskOffer.need_id,
                TaskOffer.person_id,
                TaskOffer.organization_id,
                TaskOffer.rank,
                TaskOffer.score,
                TaskOffer.explanation,
                TaskOffer.status,
            )
        )
        outbox = Counter(
            (p, c, x, k, js(m), u, str(nb))
            for p, c, x, k, m, u, nb in await rows(
                OutboxMessage.person_id,
                OutboxMessage.channel,
                OutboxMessage.external_id,
                OutboxMessage.kind,
                OutboxMessage.payload,
                OutboxMessage.urgent,
                OutboxMessage.not_before,
            )
        )
        audit = Counter(
            (a, t, js(d))
            for a, t, d in await rows(AuditEntry.action, AuditEntry.target, AuditEntry.details)
        )
        jobs = Counter(
            (k, r, js(p), s)
            for k, r, p, s in await rows(DueJob.kind, DueJob.ref, DueJob.payload, DueJob.status)
        )
        return {
            "offers": offers,
            "needs": sorted(await rows(Need.id, Need.status, Need.considered)),
            "outbox": outbox,
            "audit": audit,
            "jobs": jobs,
            "profiles": sorted(await rows(VolunteerProfile.person_id, VolunteerProfile.offers)),
        }


@pytest.fixture
async def twin(
    demo_app: App, db_url: str, settings: Settings, translator: Translator, tmp_path: Path
) -> AsyncIterator[tuple[App, App]]:
    """The demo app with its needs, and a second app on a copy of its database (same clock)."""
    app = demo_app
    config = app.deps.config
    reconfigure(
        app,
        dispatch=replace(config.dispatch, chunk=4),
        matching=replace(config.matching, max_offers_per_week=2),
    )
    app.deps.clock.advance(minutes=1)  # type: ignore[attr-defined]
    await _needs(app, 14)
    await app.db.dispose()
    if db_url.startswith("sqlite"):
        copy = tmp_path / "copy.db"
        shutil.copy(db_url.split("///", 1)[1], copy)
        url = f"sqlite+aiosqlite:///{copy}"
    else:
        name = f"{make_url(db_url).database}_b"
        await databases._pg_admin(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{make_url(db_url).database}"',
        )
        url = make_url(db_url).set(database=name).render_as_string(hide_password=False)
    other = build(settings, database_url=url, clock=app.deps.clock, translator=translator)
    reconfigure(other, dispatch=app.deps.config.dispatch, matching=app.deps.config.matching)
    yield app, other
    await other.close()
    if not db_url.startswith("sqlite"):
        await databases._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_rounds_in_bulk_write_what_rounds_need_after_need_write(
    twin: tuple[App, App],
) -> None:
    bulk, single = twin
    deps = single.deps

    async def need_after_need(sink: Sink, job: DueJob) -> None:
        await dispatch_sweep(sink, job, rounds=one_by_one)

    in_bulk = {"dispatch_needs": Sweeper(bulk.deps).registry["dispatch_needs"]}
    ran = (await Sweeper(bulk.deps, in_bulk).tick()).kinds.get("dispatch_needs")
    assert ran == (await Sweeper(deps, {"dispatch_needs": need_after_need}).tick()).kinds.get(
        "dispatch_needs"
    )
    assert (
        ran and ran >= 4
    )  # several chunks: offers of one count against the weekly cap in the next
    a, b = await _snapshot(bulk), await _snapshot(single)
    assert a["offers"] and len({o[2] for o in a["offers"]}) > 1
    assert {o[7] for o in a["offers"]} == {"pending"}
    assert a["offers"] == b["offers"]
    assert a["outbox"] == b["outbox"]
    assert a["audit"] == b["audit"]
    assert a["profiles"] == b["profiles"]
    # The station's need is recorded as the station's in bulk, so no sweep reads it again.
    differ = [(x, y) for x, y in zip(a["needs"], b["needs"], strict=True) if x != y]
    assert [(x[2], y[2]) for x, y in differ] == [("station", None)]
    jobs_a, jobs_b = a["jobs"], b["jobs"]
    assert {k: n for k, n in jobs_a.items() if k[0] != "dispatch_needs"} == {
        k: n for k, n in jobs_b.items() if k[0] != "dispatch_needs"
    }


async def test_two_sweepers_on_separate_engines_offer_each_need_once(
    demo_app: App, db_url: str, engine_name: str, settings: Settings, translator: Translator
) -> None:
    """Chunks of two processes race over the same backlog: each need is ranked by one of them,
    offered once to each candidate, and its status notice is written once."""
    if engine_name != "postgresql":
        pytest.skip("SQLite transactions are exclusive: two sweeps cannot overlap")
    first = demo_app
    reconfigure(first, dispatch=replace(first.deps.config.dispatch, chunk=3))
    first.deps.clock.advance(minutes=1)  # type: ignore[attr-defined]
    ids = await _needs(first, 30, seed=5)
    async with first.db.transaction() as session:
        due = await session.scalar(
            select(func.count())
            .select_from(Need)
            .where(Need.status == "open", Need.considered_at.is_(None))
        )
    second_clock = FakeClock(first.deps.clock())
    second_clock.advance(seconds=1)  # which process offered a need shows in its offers' time
    second = build(settings, database_url=db_url, clock=second_clock, translator=translator)
    reconfigure(second, dispatch=first.deps.config.dispatch)
    chunks: Counter[str] = Counter()

    async def sweep(app: App, name: str) -> None:
        after, more = 0, True
        while more:
            async with app.db.transaction() as session:
                sink = Sink.bare(session, app.deps, app.deps.clock())
                done = await dispatch_chunk(sink, app.deps.config, after_id=after)
            after, more = done.last_id, done.more
            chunks[name] += done.considered
            await asyncio.sleep(0)

    try:
        await asyncio.gather(sweep(first, "first"), sweep(second, "second"))
        # Then the real path: both processes tick the same minute's sweep at once.
        more = await _needs(first, 12, seed=6)
        for clock in (first.deps.clock, second_clock):
            clock.advance(minutes=1)  # type: ignore[attr-defined]
        await asyncio.gather(Sweeper(first.deps).tick(), Sweeper(second.deps).tick())
    finally:
        await second.close()
    assert chunks["first"] > 0 and chunks["second"] > 0  # they did overlap
    assert chunks["first"] + chunks["second"] == due  # each need ranked once, by one of them
    async with first.db.transaction() as session:
        offers = (
            await session.execute(
                select(
                    TaskOffer.need_id,
                    TaskOffer.person_id,
                    TaskOffer.organization_id,
                    TaskOffer.offered_at,
                )
            )
        ).all()
        notices = Counter(
            (
                await session.execute(
                    select(AuditEntry.target).where(AuditEntry.action == "need.status")
                )
            ).scalars()
        )
        considered = dict(
            (
                await session.execute(
                    select(Need.id, Need.considered).where(Need.id.in_(ids + more))
                )
            ).all()
        )
        per_need = dict(
            (
                await session.execute(
                    select(TaskOffer.need_id, func.count()).group_by(TaskOffer.need_id)
                )
            ).all()
        )
        wanted = dict(
            (
                await session.execute(
                    select(Need.id, Need.volunteers_needed).where(Need.id.in_(ids + more))
                )
            ).all()
        )
    assert offers
    assert len({(n, p, g) for n, p, g, _ in offers}) == len(offers)  # nobody offered a need twice
    times: dict[int, set[datetime]] = {}
    for need_id, _, _, at in offers:
        times.setdefault(need_id, set()).add(at)
    assert all(len(at) == 1 for at in times.values())  # each need's offers came from one sweep
    assert all(per_need[n] <= 3 * wanted[n] for n in per_need)  # k per place, not twice k
    assert all(n == 1 for n in notices.values())  # open → matching recorded once per need
    assert all(why is not None for why in considered.values())


async def test_pools_kept_across_chunks_make_the_offers_fresh_pools_make(
    twin: tuple[App, App],
) -> None:
    """The street's candidates kept across chunks (handlers/tasks/pool_cache.py) decide as the
    chunks did when each loaded them afresh: the weekly offer cap counted the same way."""
    kept, fresh = twin

    async def reloading(sink: Sink, job: DueJob) -> None:
        await dispatch_sweep(sink, job, keep_pools=False)

    keeping = {"dispatch_needs": Sweeper(kept.deps).registry["dispatch_needs"]}
    ran = (await Sweeper(kept.deps, keeping).tick()).kinds.get("dispatch_needs")
    assert ran == (await Sweeper(fresh.deps, {"dispatch_needs": reloading}).tick()).kinds.get(
        "dispatch_needs"
    )
    assert ran and ran >= 4
    a, b = await _snapshot(kept), await _snapshot(fresh)
    assert a["offers"] and any(o[3] is not None for o in a["offers"])  # organizations too
    assert a == b
