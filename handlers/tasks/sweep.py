"""The dispatch sweep: ranks only the open needs something relevant changed for, in chunks.

A need the sweep ranked keeps when and with what outcome (`Need.considered_at`, `considered`).
It is ranked again only when it is new or changed (re-opened by a cancellation, edited), when a
volunteer in its street signed up, edited, paused or resumed after it was ranked, when an
organization was added, or when its last ranking is from before this week (weekly loads and offer
caps start again) or a day old. Lapsed and declined offers move on at once (`expire_offer`,
`decline`), not here. So a sweep with nothing changed is one indexed query.

The work is cut into chunks of `chunk` needs, each one transaction: a chunk that leaves more due
needs plans the next one as a DueJob due now (ref "<period>><last id>"), which the same tick
claims, and the event loop runs other coroutines between needs and between chunks. The chunks
of a pass share the streets' candidates (handlers/tasks/pool_cache.py: kept a minute, dropped when
a volunteer of the street changes), so a chunk's cost follows its needs, not its street's size.
A chunk's rounds are made in bulk (`rounds.offer_rounds`: a few queries and one insert per table
for the whole chunk); `one_by_one` makes them need after need, the yardstick it is checked against.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.core.context import CoreConfig
from handlers.core.notify import Sink
from handlers.needs import open_needs, set_status
from handlers.tasks.candidates import Pools, candidates, need_spec, scope_of, week_start
from handlers.tasks.offers import NeedView, make_offer, offer_round, rules_of, weights_of
from handlers.tasks.pool_cache import pool_cache
from handlers.tasks.rounds import offer_rounds
from matching import MatchIndex, assign_batch
from storage.models import DueJob, Need, Region
from storage.repos import jobs, regions
from storage.repos import tasks as repo

Rounds = Callable[[Sink, CoreConfig, list[Need], Pools], Awaitable[int]]
RECHECK = timedelta(days=1)  # a need nobody could take is ranked again at least this often


@dataclass(frozen=True)
class SweepChunk:
    """What one chunk of the dispatch sweep did."""

    considered: int
    offers: int
    last_id: int
    more: bool


def chunk_of(config: CoreConfig) -> int:
    """Needs ranked per sweep transaction (LINLI_DISPATCH_CHUNK)."""
    return config.dispatch.chunk


async def _street_changes(sink: Sink) -> list[tuple[str, datetime]]:
    """(street path, latest volunteer change there)."""
    grids = await repo.volunteers_changed(sink.session)
    streets = await regions.at_level(sink.session, "street")
    latest: dict[str, datetime] = {}
    for grid_path, at in grids:
        street = next((s.path for s in streets if grid_path.startswith(s.path)), grid_path)
        latest[street] = max(at, latest.get(street, at))
    return list(latest.items())


async def one_by_one(sink: Sink, config: CoreConfig, needs: list[Need], pools: Pools) -> int:
    """The chunk's rounds need after need (`offer_round`): what `offer_rounds` does in bulk,
    kept as its yardstick (bench/bench_sweep.py, tests/integration/test_sweep_rounds.py)."""
    made = 0
    for need in needs:
        made += len(await offer_round(sink, config, need, pools=pools))
        await asyncio.sleep(0)  # let the loop answer messages between needs
    return made


async def dispatch_chunk(
    sink: Sink,
    config: CoreConfig,
    *,
    after_id: int = 0,
    limit: int | None = None,
    rounds: Rounds = offer_rounds,
    keep_pools: bool = True,
) -> SweepChunk:
    """Rank up to `limit` due open needs with ids above `after_id`; offer, or record why not.

    The street's candidates come from the pools kept across chunks (handlers/tasks/
    pool_cache.py) unless `keep_pools` is false; a chunk that fails drops them."""
    limit = limit or chunk_of(config)
    stale_before = max(week_start(sink.now, config.tz), sink.now - RECHECK)
    org_at = await repo.organizations_changed(sink.session)
    if org_at is not None:
        stale_before = max(stale_before, min(org_at, sink.now))
    changes = await _street_changes(sink)
    needs = await repo.needs_to_consider(
        sink.session,
        stale_before=stale_before,
        changed=[(path, min(at, sink.now)) for path, at in changes],  # ranking catches up
        after_id=after_id,
        limit=limit + 1,
    )
    cache = pool_cache(sink.deps.db.engine) if keep_pools else None
    pools = Pools(
        sink.session,
        sink.now,
        config.tz,
        weights_of(config),
        cache=cache,
        changes=changes,
        organizations_at=org_at,
    )
    try:
        offers = await rounds(sink, config, needs[:limit], pools)
        await pools.count_offers()
    except BaseException:  # rolled back: what the kept pools were told may not have happened
        if cache is not None:
            cache.clear()
        raise
    last = needs[min(limit, len(needs)) - 1].id if needs else after_id
    return SweepChunk(min(limit, len(needs)), offers, last, len(needs) > limit)


async def dispatch_sweep(
    sink: Sink, job: DueJob, *, rounds: Rounds = offer_rounds, keep_pools: bool = True
) -> SweepChunk:
    """The "dispatch_needs" job: one chunk, and the next chunk's row if due needs are left."""
    config = sink.config
    period = str(job.payload.get("period") or job.ref)
    after = int(job.payload.get("after", 0))
    done = await dispatch_chunk(sink, config, after_id=after, rounds=rounds, keep_pools=keep_pools)
    if done.more:
        await jobs.ensure(
            sink.session,
            "dispatch_needs",
            f"{period}>{done.last_id}",
            sink.now,
            sink.now,
            {"period": period, "after": done.last_id},
        )
    return done


async def dispatch_open(sink: Sink, config: CoreConfig, region: Region | None = None) -> int:
    """Offer every open need (in a region subtree, or everywhere); returns offers made."""
    made = 0
    pools = Pools(sink.session, sink.now, config.tz, weights_of(config))
    for need in await open_needs(sink.session, region):
        made += len(await offer_round(sink, config, need, pools=pools))
    await pools.count_offers()
    return made


async def dispatch_batch(
    sink: Sink, config: CoreConfig, region: Region | None = None
) -> dict[int, list[int]]:
    """Offer many open needs at once, choosing the first offers with the exact batch assignment.

    Competing needs get different volunteers (total score maximized under capacities); needs
    left without a pick fall back to an ordinary round.
    """
    session = sink.session
    needs = await open_needs(session, region)
    if not needs:
        return {}
    views = [await NeedView.load(session, n) for n in needs]
    scope = region or await scope_of(session, views[0].region)
    pool = await candidates(session, scope, sink.now, config.tz)
    specs = [need_spec(v.need, v.item, v.region, [], config.tz) for v in views]
    index = MatchIndex(pool, weights=weights_of(config))
    picks = assign_batch(specs, index)
    rules = rules_of(config)
    for view in views:
        chosen = picks.get(view.need.id, [])
        await set_status(sink, view.need, "matching", None)
        if not chosen:
            await offer_round(sink, config, view.need)
            continue
        ranked = {m.candidate_id: m for m in index.top(specs[views.index(view)], k=50)}
        for number, candidate_id in enumerate(chosen):
            match = ranked.get(candidate_id)
            await make_offer(
                sink,
                rules,
                view,
                candidate_id,
                number,
                match.score if match else 0.0,
                match.reasons if match else (),
            )
    return picks
