"""From rows to the matching engine's plain data: a need's spec, volunteers and organizations."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.tasks.pool_cache import Kept, PoolCache, Stamp
from matching import Candidate, MatchIndex, NeedSpec, Weights
from matching.taxonomy import SLOTS, slot_of
from storage.models import Need, Region, ServiceItem, TaskOffer
from storage.repos import regions
from storage.repos import tasks as repo

# Departments whose services an organization of one category is made for (mediation, culture,
# disability support). Elsewhere organizations compete on skills like volunteers; a broad
# "life service" category alone would offer a haircut group an escort to hospital.
DEPARTMENT_CATEGORY = {
    "司法": "mediation",
    "文化体育": "culture_sports",
    "残联": "charity",
}


def week_start(now: datetime, tz: str) -> datetime:
    """Monday 00:00 local time of the week containing `now`, in UTC."""
    local = now.astimezone(ZoneInfo(tz))
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday.astimezone(now.tzinfo)


def window_slots(start: datetime | None, end: datetime | None, tz: str) -> frozenset[str]:
    """The weekly availability slots a time window touches (empty: any time)."""
    if start is None:
        return frozenset()
    zone = ZoneInfo(tz)
    end = end or start + timedelta(hours=2)
    slots: set[str] = set()
    moment = start
    while moment < end and len(slots) < 21:
        local = moment.astimezone(zone)
        slot = slot_of(local.weekday(), local.hour)
        if slot:
            slots.add(slot)
        moment += timedelta(hours=1)
    return frozenset(slots)


async def scope_of(session: AsyncSession, region: Region) -> Region:
    """Where candidates are looked for: the need's street (or the widest region above it)."""
    street = await regions.ancestor_at(session, region, "street")
    return street or region


def need_spec(
    need: Need, item: ServiceItem, region: Region, offers: list[TaskOffer], tz: str
) -> NeedSpec:
    """The engine's view of a need; everyone already offered it is excluded."""
    excluded = {o.person_id for o in offers if o.person_id is not None}
    excluded |= {-o.organization_id for o in offers if o.organization_id is not None}
    text = " ".join(
        [item.name_zh, item.name_en, *item.keywords, *(need.words or ()), need.notes or ""]
    )
    handler = item.handler or ""
    category = (
        handler[4:] if handler.startswith("org:") else DEPARTMENT_CATEGORY.get(item.department)
    )
    return NeedSpec(
        id=need.id,
        text=text,
        # the item's skills and the ones the resident's own words named ("陪我妈看病，她坐轮椅")
        skills=frozenset(item.skills) | frozenset(need.skills or ()),
        place=region.path_ids(),
        slots=window_slots(need.window_start, need.window_end, tz),
        excluded=frozenset(excluded),
        org_category=category,
        lat=region.lat,
        lon=region.lon,
        volunteers_needed=need.volunteers_needed,
    )


async def candidates(
    session: AsyncSession, scope: Region, now: datetime, tz: str
) -> list[Candidate]:
    """Volunteers living in `scope` and organizations serving it, with load and history.

    Organizations take negative candidate ids (-organization.id) so the two kinds never collide.
    """
    since = week_start(now, tz)
    load = await repo.load_since(session, since)
    offered = await repo.offers_since(session, since)
    found: list[Candidate] = []
    for row in await repo.volunteer_rows(session, scope):
        home = _path_ids(row.grid_path)
        if row.home_path is not None and row.home_path.startswith(row.grid_path):
            home = _path_ids(row.home_path)
        idle = (now - row.last_task_at).total_seconds() / 86400 if row.last_task_at else 30.0
        found.append(
            Candidate(
                id=row.person_id,
                kind="volunteer",
                skills=frozenset(row.skills),
                free_text=row.free_skills or "",
                home=home,
                reach=row.reach,
                slots=frozenset(row.availability),
                certifications=frozenset(row.certifications),
                paused=row.paused,
                load_this_week=load.get(row.person_id, 0),
                max_per_week=row.max_tasks_week,
                offers_this_week=offered.get(row.person_id, 0),
                offered=row.offers,
                accepted=row.accepts,
                completed=row.completions,
                no_shows=row.no_shows,
                idle_days=idle,
                lat=row.lat,
                lon=row.lon,
            )
        )
    for org, region in await repo.organization_rows(session, scope):
        found.append(
            Candidate(
                id=-org.id,
                kind="org",
                skills=frozenset(),
                free_text="",
                home=region.path_ids(),
                reach="street" if region.level in ("district", "street") else "community",
                slots=frozenset(SLOTS),  # an organization arranges its own people
                capacity=org.capacity,
                max_per_week=max(org.capacity, 1),
                category=org.category,
                lat=region.lat,
                lon=region.lon,
            )
        )
    return found


@lru_cache(maxsize=4096)  # a few paths (grids, homes) repeated for thousands of volunteers
def _path_ids(path: str) -> tuple[int, ...]:
    """A region path's ids from the root down (`Region.path_ids` without the row)."""
    return tuple(int(p) for p in path.strip("/").split("/") if p)


class Pools:
    """Candidates and their match index per scope, built once for many needs (one sweep chunk),
    or taken from a `PoolCache` that keeps them across a sweep's chunks (handlers/tasks/
    pool_cache.py: `changes` are the streets' latest volunteer changes, which invalidate it).

    Offers made through the pools are counted, so a candidate reaching the weekly offer cap
    during the chunk (or, with a cache, an earlier chunk) is excluded from the needs that follow,
    as a fresh load would.
    """

    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        tz: str,
        weights: Weights,
        *,
        cache: PoolCache | None = None,
        changes: Sequence[tuple[str, datetime]] = (),
        organizations_at: datetime | None = None,
    ) -> None:
        self.session, self.now, self.tz, self.weights = session, now, tz, weights
        self.cache, self.changes, self.organizations_at = cache, changes, organizations_at
        self._kept: dict[int, Kept] = {}
        self._prior: dict[int, int] = {}  # offers this week before this chunk's
        self._made: dict[int, int] = {}

    def _stamp(self, scope: Region) -> Stamp:
        """The latest change of the volunteers in `scope` (and of organizations)."""
        times = [
            at
            for path, at in self.changes
            if path.startswith(scope.path) or scope.path.startswith(path)
        ]
        return (max(times) if times else None, self.organizations_at)

    async def index(self, scope: Region) -> MatchIndex:
        """The match index of the candidates in `scope` (loaded on first use, or kept)."""
        kept = self._kept.get(scope.id)
        if kept is None:
            week, stamp = week_start(self.now, self.tz), self._stamp(scope)
            if self.cache is not None:
                kept = self.cache.get(scope.id, self.now, week, stamp)
            if kept is None:
                pool = await candidates(self.session, scope, self.now, self.tz)
                # Building the index is pure CPU (tens of ms per thousand candidates): off the
                # loop, so the process goes on answering messages meanwhile.
                index = await asyncio.to_thread(MatchIndex, pool, weights=self.weights)
                base = {c.id: c.offers_this_week for c in pool}
                kept = Kept(index, base, self.now, week, stamp)
                if self.cache is not None:
                    self.cache.put(scope.id, kept)
            self._kept[scope.id] = kept
            for cid, offers in kept.base.items():
                prior = offers + kept.earlier.get(cid, 0)
                self._prior[cid] = max(prior, self._prior.get(cid, 0))
        return kept.index

    def offered(self, candidate_id: int) -> None:
        """Count an offer made to a candidate since the pools were loaded."""
        self._made[candidate_id] = self._made.get(candidate_id, 0) + 1

    async def count_offers(self) -> None:
        """Add the offers made through the pools to the volunteers' totals, in id order (and to
        the kept entries', for the chunks that follow).

        Sweeps in two processes offer to the same volunteers; updating their rows one by one, in
        the order offers were made, deadlocks on PostgreSQL.
        """
        await repo.add_offers(
            self.session, {cid: n for cid, n in sorted(self._made.items()) if cid > 0}
        )
        for kept in self._kept.values():  # as a fresh load would count them: volunteers'
            for cid, made in self._made.items():
                if cid > 0 and cid in kept.base:
                    kept.earlier[cid] = kept.earlier.get(cid, 0) + made

    def capped(self) -> frozenset[int]:
        """Candidates who reached the weekly offer cap through offers made since their load."""
        cap = self.weights.max_offers_per_week
        counted = set(self._made)
        for kept in self._kept.values():
            counted |= kept.earlier.keys()
        return frozenset(
            cid for cid in counted if self._prior.get(cid, 0) + self._made.get(cid, 0) >= cap
        )
