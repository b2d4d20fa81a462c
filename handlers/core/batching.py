"""Group commit: messages that arrive while a transaction runs go together into the next one.

A transaction's fixed cost (a pooled connection, BEGIN, COMMIT; on PostgreSQL a round trip and
a log flush) is paid once per batch instead of once per message. Nothing waits to fill a batch:
a message that finds the dispatcher idle is handled at once, alone, in its caller's task. Under
load the messages that queued meanwhile form the next batch.

Order per user holds: a batch takes at most one message per key (channel, user), and a key in a
batch being handled is not taken by another worker until that batch is done.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Pending(Generic[T, R]):
    key: Hashable
    item: T
    future: asyncio.Future[R]


class Batcher(Generic[T, R]):
    """Runs `run(items)` over batches of submitted items; `run` returns one result per item.

    `workers` batches may run at once (1 for SQLite, which takes one writer at a time).
    """

    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[list[R]]],
        key: Callable[[T], Hashable],
        *,
        max_batch: int = 32,
        workers: int = 1,
    ) -> None:
        self._run = run
        self._key = key
        self.max_batch = max(1, max_batch)
        self.workers = max(1, workers)
        self._queue: deque[_Pending[T, R]] = deque()
        self._busy: set[Hashable] = set()
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0  # batches of more than one item, for tests and metrics
        self.batched = 0  # items handled in them

    async def submit(self, item: T) -> R:
        """Handle one item, alone if nothing else is running, else in the next batch."""
        key = self._key(item)
        if self._running < self.workers and not self._queue and key not in self._busy:
            return await self._alone(key, item)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(key, item, future))
        self._wake()
        return await future

    async def _alone(self, key: Hashable, item: T) -> R:
        """The idle path: in the caller's task, no queue, no extra task."""
        self._running += 1
        self._busy.add(key)
        try:
            (result,) = await self._run([item])
            return result
        finally:
            self._busy.discard(key)
            self._running -= 1
            self._wake()

    async def wait_idle(self, timeout_s: float) -> bool:
        """Wait until nothing is queued or running (at shutdown); False if time ran out."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while self._queue or self._running:
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    def _wake(self) -> None:
        """Start a worker if items wait and a worker slot is free."""
        if self._queue and self._running < self.workers:
            self._running += 1
            task = asyncio.create_task(self._work())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _work(self) -> None:
        try:
            while batch := self._take():
                await self._settle(batch)
        finally:
            self._running -= 1
            self._wake()

    def _take(self) -> list[_Pending[T, R]]:
        """The oldest item of each key not already being handled, up to max_batch."""
        batch: list[_Pending[T, R]] = []
        keys: set[Hashable] = set()
        later: deque[_Pending[T, R]] = deque()
        while self._queue and len(batch) < self.max_batch:
            pending = self._queue.popleft()
            if pending.key in keys or pending.key in self._busy:
                later.append(pending)
            else:
                batch.append(pending)
                keys.add(pending.key)
        self._queue.extendleft(reversed(later))
        self._busy |= keys
        return batch

    async def _settle(self, batch: list[_Pending[T, R]]) -> None:
        """Run one batch and hand each caller its result (or the batch's failure)."""
        if len(batch) > 1:
            self.batches += 1
            self.batched += len(batch)
        try:
            results = await self._run([p.item for p in batch])
        except BaseException as exc:
            for pending in batch:
                if not pending.future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        pending.future.cancel()
                    else:
                        pending.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            for pending, result in zip(batch, results, strict=True):
                if not pending.future.done():  # its caller may have given up waiting
                    pending.future.set_result(result)
        finally:
            self._busy.difference_update(p.key for p in batch)
