"""The pools a dispatch sweep keeps across its chunks: bounded, short-lived, per street and week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.tasks.pool_cache import KEEP_FOR, Kept, PoolCache
from matching import MatchIndex

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
WEEK = datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
STAMP = (datetime(2026, 12, 1, tzinfo=UTC), None)


def _kept(at: datetime = NOW) -> Kept:
    return Kept(MatchIndex([]), {}, at, WEEK, STAMP)


def test_an_entry_serves_until_it_is_a_minute_old() -> None:
    cache = PoolCache()
    cache.put(1, kept := _kept())
    assert cache.get(1, NOW + KEEP_FOR, WEEK, STAMP) is kept
    assert cache.get(1, NOW + KEEP_FOR + timedelta(seconds=1), WEEK, STAMP) is None
    assert len(cache) == 0  # dropped, not kept around
    cache.put(1, _kept())
    assert cache.get(1, NOW - timedelta(seconds=1), WEEK, STAMP) is None  # a clock set back


def test_a_change_in_the_street_or_a_new_week_drops_the_entry() -> None:
    cache = PoolCache()
    cache.put(1, _kept())
    assert cache.get(1, NOW, WEEK, (STAMP[0], NOW)) is None  # an organization was added
    cache.put(1, _kept())
    assert cache.get(1, NOW, WEEK, (NOW, None)) is None  # a volunteer changed
    cache.put(1, _kept())
    assert cache.get(1, NOW, WEEK + timedelta(days=7), STAMP) is None
    cache.put(1, kept := _kept())
    assert cache.get(1, NOW, WEEK, STAMP) is kept


def test_it_keeps_the_streets_used_last_and_no_more() -> None:
    cache = PoolCache(size=2)
    for street in (1, 2):
        cache.put(street, _kept())
    assert cache.get(1, NOW, WEEK, STAMP) is not None  # 1 used last: 2 goes next
    cache.put(3, _kept())
    assert len(cache) == 2
    assert cache.get(2, NOW, WEEK, STAMP) is None
    assert cache.get(1, NOW, WEEK, STAMP) is not None and cache.loads == 3
