"""An optional timing hook: handlers time a step, the process decides where the figure goes.

`handlers/` may not import `bot/` (where the Prometheus metrics live), and the use cases worth
timing (matching in `offer_round`) run from sweeps and other features without a `Ctx`. So the
composition root registers an observer once per process; with none registered, timing costs a
clock read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Observer = Callable[[str, float], None]
_observers: list[Observer] = []


def add_observer(observer: Observer) -> None:
    """Receive `(name, seconds)` for every timed step (once per observer)."""
    if observer not in _observers:
        _observers.append(observer)


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Time the block and report it to the observers, also when it raises."""
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        for observer in _observers:
            observer(name, elapsed)
