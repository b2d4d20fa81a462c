"""The per-person flood guard: at most N messages in a sliding window, counted in memory.

It is a safety net against a runaway client, not an accounting: with several worker processes
each counts what it sees (the effective limit is N × workers), and a restart forgets. Keeping it
out of the database saves a write on every message.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

MAX_TRACKED = 100_000


class FloodGuard:
    """Counts messages per (channel, user) in fixed windows."""

    def __init__(self, limit: int, window_s: int, max_tracked: int = MAX_TRACKED) -> None:
        self.limit = limit
        self.window = timedelta(seconds=window_s)
        self.max_tracked = max_tracked
        self._windows: OrderedDict[tuple[str, str], tuple[datetime, int]] = OrderedDict()

    def count(self, channel: str, user_id: str, now: datetime) -> int:
        """Count one message; returns how many this window holds so far (1 for the first)."""
        key = (channel, user_id)
        start, seen = self._windows.pop(key, (now, 0))
        if now - start > self.window or now < start:
            start, seen = now, 0
        self._windows[key] = (start, seen + 1)
        if len(self._windows) > self.max_tracked:
            self._windows.popitem(last=False)  # the least recently active
        for _ in range(2):  # forget people whose window ended: memory follows recent traffic
            _, (oldest, _) = next(iter(self._windows.items()))
            if now - oldest <= self.window:
                break
            self._windows.popitem(last=False)
        return seen + 1

    def __len__(self) -> int:
        """People whose window is remembered."""
        return len(self._windows)
