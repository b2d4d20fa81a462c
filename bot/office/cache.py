"""Recent figures: a region's dashboard and map JSON reused for a few seconds, per process.

Honest staleness: every answer carries `as_of` (when it was computed) and `max_age_s`, and the
pages show them. An action taken in the console through this process empties the cache, so staff
see their own change at once; a change made in chat shows within `max_age_s`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import Any

ENTRIES = 256  # regions × map filters; the oldest goes first


class Recent:
    """A small time-limited cache of JSON-ready dicts, keyed by region and filter."""

    def __init__(self, seconds: int, clock: Callable[[], datetime]) -> None:
        self.ttl = timedelta(seconds=seconds)
        self.seconds = seconds
        self.clock = clock
        self._kept: OrderedDict[Hashable, tuple[datetime, dict[str, Any]]] = OrderedDict()

    async def get(
        self, key: Hashable, compute: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """The kept answer for `key` if younger than the limit, else a fresh one (then kept)."""
        now = self.clock()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1]
        fresh = await compute() | {"as_of": now.isoformat(), "max_age_s": self.seconds}
        if self.seconds:
            self._kept[key] = (now, fresh)
            self._kept.move_to_end(key)
            while len(self._kept) > ENTRIES:
                self._kept.popitem(last=False)
        return fresh

    def clear(self) -> None:
        """Forget everything (after an action in the console)."""
        self._kept.clear()
