"""The outbox sender: drains due messages for one channel under its rate limits.

Rows go pending → sending (under a lease) → sent / blocked / failed, or back to pending with a
delay (429, transient errors) or held (WeChat's window). A crash mid-send leaves at most one claim
(`in_flight` rows) in "sending"; they are sent again and counted in `reclaims`, so duplicates are
bounded by the in-flight window and visible. The next holder of the sender lock takes them back at
once (`run_exclusive`); a sender without the lock (`run`) waits for their leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from aiolimiter import AsyncLimiter

from bot import metrics
from bot.sender_locks import Lock, sender_lock
from handlers.core import choices
from handlers.core.messages import Reply
from storage.db import Database
from storage.models import OutboxMessage
from storage.repos import outbox

log = logging.getLogger(__name__)

SendStatus = Literal["sent", "retry", "blocked", "failed", "held"]
MAX_ATTEMPTS = 8
CHATS_TRACKED = 10_000  # per-chat send times kept before the past ones are dropped


@dataclass(frozen=True)
class SendResult:
    """What the platform said about one send."""

    outcome: SendStatus
    retry_after: float = 0.0
    platform_id: str | None = None
    error: str | None = None


class Transport(Protocol):
    """A channel's way of sending one message to one user.

    A transport of a channel without buttons sets `numbers_choices = True`: the choices of a
    message it delivered are then what "2" (or a typed label) picks (`handlers.core.choices`).
    """

    channel: str

    async def send(self, external_id: str, reply: Reply, row: OutboxMessage) -> SendResult:
        """Deliver `reply`; never raise for platform errors, return them."""
        ...


@dataclass(frozen=True)
class Limits:
    """A channel's sending limits."""

    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    in_flight: int = 16
    lease_s: float = 60.0
    # Some platforms allow less to group chats (Telegram: 20 a minute); `is_group` spots them.
    per_group_per_second: float | None = None
    is_group: Callable[[str], bool] | None = None
    # How many may go out at once (None: a whole second's worth). A small burst paces sends
    # evenly, which a platform counting per second rewards with fewer 429s.
    burst: float | None = None
    # Urgent rows go out first; a terminal (the console) prints in the order they were queued.
    urgent_first: bool = True

    def chat_gap_s(self, external_id: str) -> float:
        """The least time between two messages to one chat."""
        if self.per_group_per_second and self.is_group and self.is_group(external_id):
            return 1.0 / self.per_group_per_second
        return 1.0 / self.per_chat_per_second


@dataclass
class DrainStats:
    """Counts from one drain."""

    sent: int = 0
    retried: int = 0
    blocked: int = 0
    failed: int = 0
    held: int = 0
    deferred: int = 0
    reclaimed: int = 0
    rate_limited: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class OutboxSender:
    """Sends one channel's outbox through its transport."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        clock: Callable[[], datetime],
        limits: Limits | None = None,
    ) -> None:
        self.db = db
        self.transport = transport
        self.clock = clock
        self.limits = limits or Limits()
        burst = self.limits.burst or self.limits.per_second
        self._limiter = AsyncLimiter(burst, burst / self.limits.per_second)
        self._chat_next: dict[str, datetime] = {}  # per chat, the earliest next send
        self._prune_at = CHATS_TRACKED
        self._paused_until: datetime | None = None
        self.stats = DrainStats()
        self._numbers_choices = bool(getattr(transport, "numbers_choices", False))

    @property
    def channel(self) -> str:
        """The channel this sender drains."""
        return self.transport.channel

    async def drain(self, *, max_rounds: int | None = None) -> DrainStats:
        """Send until nothing is due (or `max_rounds` claims); returns this drain's counts."""
        before = _copy(self.stats)
        rounds = 0
        while max_rounds is None or rounds < max_rounds:
            rounds += 1
            if not await self.round():
                break
        return _diff(self.stats, before)

    async def run(self, stop: asyncio.Event, idle_s: float = 0.5) -> None:
        """Drain continuously until `stop` is set."""
        while not stop.is_set():
            try:
                busy = await self.round()
            except Exception:  # a database hiccup must not kill the sender
                log.exception("outbox round failed", extra={"channel": self.channel})
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_s)

    async def run_exclusive(
        self, stop: asyncio.Event, *, retry_s: float = 5.0, idle_s: float = 0.5
    ) -> None:
        """Drain only while this process holds the channel's sender lock.

        One sender per bot keeps the platform's rate limit: `serve` workers all try; the one that
        gets the lock sends, the others try again every `retry_s`. On PostgreSQL it is an advisory
        lock on a dedicated connection, released when its holder dies (the connection closes)
        and another worker takes over; the holder checks the connection every `retry_s` and stops
        sending when it is lost. On SQLite it is a file lock beside the database (the OS frees it
        when the process dies). Whoever takes the lock knows that rows still "sending" belong to
        a dead sender, and takes them back at once instead of waiting for their leases.
        """
        lock = sender_lock(self.db, self.channel)
        if lock is None:  # an in-memory database: nobody else can be sending
            await self.run(stop, idle_s)
            return
        while not stop.is_set():
            try:
                held = await lock.acquire()
            except Exception:  # the database is down: try again later
                log.warning("sender lock: database unreachable", extra={"channel": self.channel})
                held = False
            if held:
                metrics.SENDER_LOCK.labels(self.channel).set(1)
                log.info("sender lock taken", extra={"channel": self.channel})
                try:
                    await self._take_over()
                    await self._run_while_held(lock, stop, retry_s, idle_s)
                finally:
                    metrics.SENDER_LOCK.labels(self.channel).set(0)
                    await lock.release()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_s)

    async def _take_over(self) -> None:
        """Take back what a dead sender left "sending" (each row may have gone out already)."""
        async with self.db.transaction() as session:
            orphans = await outbox.release_expired(
                session, self.channel, self.clock(), every_lease=True
            )
        if orphans:
            self.stats.reclaimed += orphans
            extra = {"channel": self.channel}
            log.warning("took back %d rows of a dead sender", orphans, extra=extra)

    async def _run_while_held(
        self, lock: Lock, stop: asyncio.Event, check_s: float, idle_s: float
    ) -> None:
        halt = asyncio.Event()

        async def watch() -> None:
            while not halt.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), check_s)
                if stop.is_set() or not await lock.alive():
                    if not stop.is_set():
                        log.warning("sender lock lost", extra={"channel": self.channel})
                    halt.set()

        watcher = asyncio.create_task(watch())
        try:
            await self.run(halt, idle_s)
        finally:
            halt.set()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def round(self) -> int:
        """Claim due rows (up to `in_flight`), send, record outcomes; returns rows claimed."""
        if self._paused_until is not None:
            pause = (self._paused_until - self.clock()).total_seconds()
            if pause > 0:
                await asyncio.sleep(pause)
        now = self.clock()
        lease = now + timedelta(seconds=self.limits.lease_s)
        async with self.db.transaction() as session:
            self.stats.reclaimed += await outbox.release_expired(session, self.channel, now)
            rows = await outbox.claim(
                session,
                self.channel,
                now,
                self.limits.in_flight,
                lease,
                urgent_first=self.limits.urgent_first,
            )
        if not rows:
            return 0
        ready, deferred = self._split_by_chat(rows)
        results = await asyncio.gather(*(self._send(row) for row in ready))
        await self._record(list(zip(ready, results, strict=True)), deferred)
        return len(rows)

    def _split_by_chat(
        self, rows: list[OutboxMessage]
    ) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
        """Rows whose chat may be sent to now, and rows to put back for later (per-chat limit)."""
        ready, deferred, seen = [], [], set()
        now = self.clock()
        for row in rows:
            next_ok = self._chat_next.get(row.external_id)
            if row.external_id in seen or (next_ok is not None and next_ok > now):
                deferred.append(row)
            else:
                seen.add(row.external_id)
                ready.append(row)
        return ready, deferred

    def _forget_past(self) -> None:
        """Drop the chats whose gap has passed: one per chat ever sent to would grow forever."""
        now = self.clock()
        self._chat_next = {chat: at for chat, at in self._chat_next.items() if at > now}
        self._prune_at = max(CHATS_TRACKED, 2 * len(self._chat_next))

    @property
    def chats_tracked(self) -> int:
        """Chats whose next send time is remembered (bounded; for tests and metrics)."""
        return len(self._chat_next)

    async def _send(self, row: OutboxMessage) -> SendResult:
        async with self._limiter:
            gap = timedelta(seconds=self.limits.chat_gap_s(row.external_id))
            self._chat_next[row.external_id] = self.clock() + gap
            if len(self._chat_next) > self._prune_at:
                self._forget_past()
            try:
                return await self.transport.send(row.external_id, Reply.from_dict(row.payload), row)
            except Exception as exc:  # a transport bug or network failure: retry later
                log.warning("send failed: %s", exc, extra={"channel": self.channel, "row": row.id})
                return SendResult(
                    "retry", retry_after=min(2.0**row.attempts, 300.0), error=str(exc)[:200]
                )

    async def _record(
        self, done: list[tuple[OutboxMessage, SendResult]], deferred: list[OutboxMessage]
    ) -> None:
        now = self.clock()
        changes: list[dict[str, object]] = []
        blocked: list[str] = []
        for row, result in done:
            changes.append(self._change(row, result, now))
            if result.outcome == "blocked":
                blocked.append(row.external_id)
        for row in deferred:
            changes.append(
                {
                    "id": row.id,
                    "status": "pending",
                    "lease_until": None,
                    "attempts": row.attempts - 1,
                    "not_before": max(self._chat_next.get(row.external_id, now), now),
                }
            )
            self.stats.deferred += 1
        for _row, result in done:
            metrics.count_send(self.channel, result.outcome, result.error)
        shown = [
            (row.external_id, reply.choices)
            for row, result in done
            if result.outcome == "sent" and self._numbers_choices
            for reply in [Reply.from_dict(row.payload)]
            if reply.choices
        ]
        if shown:  # in a transaction of its own: its failure must not cost the outcomes
            try:
                async with self.db.transaction() as session:
                    await choices.shown(session, self.channel, shown)
            except Exception:
                log.warning("choices shown not remembered", extra={"channel": self.channel})
        async with self.db.transaction() as session:
            await outbox.record(session, changes)
            for external_id in blocked:
                await outbox.block_identity(session, self.channel, external_id, now)

    def _change(self, row: OutboxMessage, result: SendResult, now: datetime) -> dict[str, object]:
        base: dict[str, object] = {"id": row.id, "lease_until": None, "error": result.error}
        if result.outcome == "sent":
            self.stats.sent += 1
            return base | {
                "status": "sent",
                "sent_at": now,
                "platform_message_id": result.platform_id,
            }
        if result.outcome == "retry":
            if result.error == "rate_limited":
                self.stats.rate_limited += 1
                until = now + timedelta(seconds=result.retry_after)
                self._paused_until = max(self._paused_until or until, until)
            if row.attempts >= MAX_ATTEMPTS:
                self.stats.failed += 1
                return base | {"status": "failed"}
            self.stats.retried += 1
            return base | {
                "status": "pending",
                "not_before": now + timedelta(seconds=result.retry_after),
            }
        if result.outcome == "held":
            self.stats.held += 1
            return base | {"status": "held"}
        if result.outcome == "blocked":
            self.stats.blocked += 1
            return base | {"status": "blocked"}
        self.stats.failed += 1
        self.stats.errors[result.error or "unknown"] = (
            self.stats.errors.get(result.error or "unknown", 0) + 1
        )
        return base | {"status": "failed"}


def _copy(stats: DrainStats) -> DrainStats:
    return DrainStats(
        **{k: (dict(v) if isinstance(v, dict) else v) for k, v in vars(stats).items()}
    )


def _diff(after: DrainStats, before: DrainStats) -> DrainStats:
    values = {}
    for key, value in vars(after).items():
        if isinstance(value, dict):
            old = vars(before)[key]
            values[key] = {k: n - old.get(k, 0) for k, n in value.items() if n - old.get(k, 0)}
        else:
            values[key] = value - vars(before)[key]
    return DrainStats(**values)
