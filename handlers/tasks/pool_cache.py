"""A street's candidates kept across the dispatch sweep's chunks, bounded and short-lived.

Each chunk of the dispatch sweep is its own transaction; before this, each loaded and indexed the
whole street's volunteers again, so 10,000 open needs in chunks of 10 loaded a street of 5,000
volunteers a thousand times (docs/speed.md). A chunk now takes the street's match index from
here when it is still good, and loads it otherwise:

- kept per database engine (so per process and per sweep thread), per street (the scope the
  candidates are looked for in), for at most KEEP_STREETS streets (least recently used goes);
- good for KEEP_FOR by the sweep's clock — about one sweep pass of a large backlog: a volunteer's
  week's load, idleness and history may be that old, as they may within one chunk;
- dropped at once when a volunteer of the street signed up, edited, paused or resumed, or an
  organization was added (the same change stamps that make the sweep rank needs again), and when
  a new week starts (loads and offer caps start again);
- offers the earlier chunks made to volunteers through it are carried (`earlier`), so the weekly
  offer cap holds across chunks as a fresh load would make it hold (organizations' offers are not
  counted by a load, so they are not carried either). They are counted when the chunk writes
  them; a chunk that fails drops the whole cache (`dispatch_chunk`).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from matching import MatchIndex

KEEP_FOR = timedelta(seconds=60)
KEEP_STREETS = 32

Stamp = tuple[datetime | None, datetime | None]  # (the street's volunteers, organizations)


@dataclass
class Kept:
    """One street's index as loaded, and the offers made through it since."""

    index: MatchIndex
    base: dict[int, int]  # candidate id → offers this week when loaded
    loaded_at: datetime
    week: datetime
    stamp: Stamp
    earlier: dict[int, int] = field(default_factory=dict)  # offers of earlier chunks since

    def good(self, now: datetime, week: datetime, stamp: Stamp, keep_for: timedelta) -> bool:
        """Whether the entry may still serve a chunk at `now`."""
        fresh = timedelta(0) <= now - self.loaded_at <= keep_for
        return fresh and week == self.week and stamp == self.stamp


class PoolCache:
    """Up to `size` streets' `Kept` entries, each good for `keep_for` (see the module)."""

    def __init__(self, keep_for: timedelta = KEEP_FOR, size: int = KEEP_STREETS) -> None:
        self.keep_for, self.size = keep_for, size
        self._kept: OrderedDict[int, Kept] = OrderedDict()
        self.loads = 0  # entries put (tests and the bench look)

    def get(self, scope_id: int, now: datetime, week: datetime, stamp: Stamp) -> Kept | None:
        """The street's entry if still good (an entry no longer good is dropped)."""
        kept = self._kept.get(scope_id)
        if kept is None:
            return None
        if not kept.good(now, week, stamp, self.keep_for):
            del self._kept[scope_id]
            return None
        self._kept.move_to_end(scope_id)
        return kept

    def put(self, scope_id: int, kept: Kept) -> None:
        """Keep a freshly loaded entry, dropping the least recently used beyond the bound."""
        self._kept[scope_id] = kept
        self._kept.move_to_end(scope_id)
        self.loads += 1
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        """Forget every street."""
        self._kept.clear()


_CACHES: weakref.WeakKeyDictionary[AsyncEngine, PoolCache] = weakref.WeakKeyDictionary()


def pool_cache(engine: AsyncEngine) -> PoolCache:
    """The cache of the sweeps running on `engine` (gone with the engine)."""
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES[engine] = PoolCache()
    return cache
