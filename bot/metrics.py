"""Prometheus metrics for `/metrics`: updates, replies, sends, matching time, the outbox.

Counters and histograms are kept by the process that observes them (the dispatcher of each
`serve` worker, the sender that holds the channel's lock). Outbox depth and age are gauges worked
out from the outbox table at scrape time, so every worker reports the same figures.

With several uvicorn workers (`linli serve --workers N`) a scrape reaches one worker. When
`PROMETHEUS_MULTIPROC_DIR` is set (`linli serve` sets it for N > 1) the workers write their
figures to files there and each scrape sums them (prometheus_client's multiprocess mode);
otherwise every worker reports only its own counters.
"""

from __future__ import annotations

import os
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from handlers.core import timing
from handlers.core.messages import Message, Outcome
from storage.db import Database
from storage.models import OutboxMessage

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
WAITING = ("pending", "held", "sending")

UPDATES = Counter("linli_updates", "Inbound updates handled, by channel.", ["channel"])
REPLAYS = Counter(
    "linli_updates_replayed", "Redelivered updates answered from storage.", ["channel"]
)
REPLIES = Counter("linli_replies", "Immediate replies sent back, by channel.", ["channel"])
DISPATCH_SECONDS = Histogram(
    "linli_dispatch_seconds", "Time to handle one inbound update.", ["channel"]
)
BATCH_SIZE = Histogram(
    "linli_dispatch_batch_size",
    "Updates handled in one database transaction (more than one when they queued meanwhile).",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
BATCH_FALLBACKS = Counter(
    "linli_dispatch_batch_fallbacks",
    "Batches rolled back and handled again update by update (a refusal, a replay, an error).",
)
SENDS = Counter(
    "linli_sends",
    "Outbox sends by channel and result: sent, retry, rate_limited, held, blocked, failed.",
    ["channel", "result"],
)
MATCHING_SECONDS = Histogram(
    "linli_matching_rank_seconds",
    "Time to rank the candidates for one need (handlers.tasks offer_round).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
OUTBOX_DEPTH = Gauge(
    "linli_outbox_depth",
    "Outbox rows waiting, by channel and status (pending, held, sending).",
    ["channel", "status"],
    multiprocess_mode="max",
)
OUTBOX_AGE = Gauge(
    "linli_outbox_oldest_due_seconds",
    "How long the oldest due pending outbox row has waited, by channel.",
    ["channel"],
    multiprocess_mode="max",
)
SENDER_LOCK = Gauge(
    "linli_sender_lock_held",
    "1 while this process holds the channel's sender lock (exactly one process should).",
    ["channel"],
    multiprocess_mode="livesum",
)


_seen_depth: set[tuple[str, str]] = set()
_seen_age: set[str] = set()


def _observe_step(name: str, seconds: float) -> None:
    if name == "matching.rank":
        MATCHING_SECONDS.observe(seconds)


timing.add_observer(_observe_step)


class DispatchMetrics:
    """Observes the dispatcher: counts updates, replays and replies, times each, sizes batches."""

    def handled(self, message: Message, outcome: Outcome, seconds: float) -> None:
        """Count and time one answered message."""
        DISPATCH_SECONDS.labels(message.channel).observe(seconds)
        UPDATES.labels(message.channel).inc()
        if outcome.replayed:
            REPLAYS.labels(message.channel).inc()
        REPLIES.labels(message.channel).inc(len(outcome.replies))

    def batched(self, size: int) -> None:
        """Count one transaction's batch size."""
        BATCH_SIZE.observe(size)

    def fell_back(self, size: int) -> None:
        """Count a batch handled again message by message."""
        BATCH_FALLBACKS.inc()


def count_send(channel: str, outcome: str, error: str | None) -> None:
    """Count one send result (called by the outbox sender)."""
    result = "rate_limited" if outcome == "retry" and error == "rate_limited" else outcome
    SENDS.labels(channel, result).inc()


async def refresh_outbox(db: Database, now: datetime) -> None:
    """Set the outbox gauges from the table (at scrape time)."""
    async with db.transaction() as session:
        depth = (
            await session.execute(
                select(OutboxMessage.channel, OutboxMessage.status, func.count())
                .where(OutboxMessage.status.in_(WAITING))
                .group_by(OutboxMessage.channel, OutboxMessage.status)
            )
        ).all()
        oldest = (
            await session.execute(
                select(OutboxMessage.channel, func.min(OutboxMessage.not_before))
                .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
                .group_by(OutboxMessage.channel)
            )
        ).all()
    # Labels seen before but empty now go to 0 (clear() does not work in multiprocess mode).
    for labels in _seen_depth - {(c, s) for c, s, _ in depth}:
        OUTBOX_DEPTH.labels(*labels).set(0)
    for channel in _seen_age - {c for c, first in oldest if first is not None}:
        OUTBOX_AGE.labels(channel).set(0)
    for channel, status, count in depth:
        OUTBOX_DEPTH.labels(channel, status).set(count)
        _seen_depth.add((channel, status))
    for channel, first in oldest:
        if first is not None:
            OUTBOX_AGE.labels(channel).set(max((now - first).total_seconds(), 0.0))
            _seen_age.add(channel)


def scrape() -> bytes:
    """The text exposition of every metric (summed over workers in multiprocess mode)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_exited() -> None:
    """Forget this process's live gauges (multiprocess mode), at a clean shutdown."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
