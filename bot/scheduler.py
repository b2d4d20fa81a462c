"""The scheduler: APScheduler 3.x only triggers short sweeps; the due work itself is rows.

APScheduler's job store lives in process memory and must not be shared between processes, and
its default misfire grace (1 s) silently skips a run that is late after a restart. So it triggers
one interval job, `Sweeper.tick`, which plans the periodic rows and runs due DueJob rows claimed
atomically (handlers/sweeps.py). Every `linli serve` worker and every `linli worker` may run it;
the claims keep them from doing a job twice, and a restart catches up on what came due meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.bootstrap import App, settle_heap
from bot.channels import ChannelRuntime
from bot.photos import start_fetchers
from bot.sender import OutboxSender
from handlers.sweeps import Sweeper

log = logging.getLogger(__name__)


class Scheduler:
    """Triggers the sweeps of one process every `interval_s` seconds (the first run at once)."""

    def __init__(
        self, app: App, *, interval_s: float | None = None, sweeper: Sweeper | None = None
    ) -> None:
        self.app = app
        self.sweeper = sweeper or Sweeper(app.deps)
        self.interval_s = interval_s or app.settings.sweep_interval_s
        self._scheduler: AsyncIOScheduler | None = None
        self._busy = asyncio.Lock()
        self._stopping = False
        self._running: asyncio.Task[None] | None = None  # the task of the sweep in progress
        self.ticks = 0

    async def tick(self) -> None:
        """One sweep; an error is logged and the next trigger tries again."""
        if self._stopping:
            return
        async with self._busy:
            self._running = asyncio.current_task()
            try:
                stats = await self.sweeper.tick()
            except asyncio.CancelledError:
                if not self._stopping:
                    raise
                log.warning("sweep stopped at shutdown; its open transaction was rolled back")
                return
            except Exception:
                log.exception("sweep failed")
                return
            finally:
                self._running = None
            self.ticks += 1
        if stats.ran or stats.failed or stats.retried or stats.reclaimed:
            log.info("sweep: %s", stats)

    def start(self) -> None:
        """Start triggering on the running event loop."""
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval_s,
            id="sweep",
            # A late trigger (busy loop, suspended laptop) still runs, once: the rows say what
            # is due, so running late loses nothing and running twice in a row gains nothing.
            misfire_grace_time=max(60, int(self.interval_s * 10)),
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
        self._scheduler = scheduler

    async def shutdown(self, grace_s: float | None = None) -> None:
        """Stop triggering; a sweep in progress may finish its current job for `grace_s`
        (LINLI_STOP_SECONDS), then it is cancelled: its open transaction rolls back, and the
        job it had claimed is claimed again after its lease (nothing is left half-done).

        This happens before APScheduler shuts down, whose executor would cancel the sweep
        without waiting for the rollback.
        """
        grace_s = self.app.settings.stop_s if grace_s is None else grace_s
        self._stopping = True  # triggers that fire from now on return at once
        self.sweeper.stopping = True  # the running sweep stops after its current job
        try:
            await asyncio.wait_for(self._idle(), grace_s)
        except TimeoutError:
            running = self._running
            if running is not None:
                running.cancel()
            try:
                await asyncio.wait_for(self._idle(), grace_s)  # the cancelled sweep's rollback
            except TimeoutError:
                log.warning("the sweep did not stop within %s s of being cancelled", grace_s)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def _idle(self) -> None:
        async with self._busy:
            pass


async def run_worker(
    app: App,
    channels: Sequence[ChannelRuntime],
    stop: asyncio.Event,
    *,
    scheduler: bool = True,
    senders: bool = True,
) -> None:
    """`linli worker`: the sweeps and the outbox senders of the configured channels, no web."""
    tasks: list[asyncio.Task[None]] = []
    started: list[ChannelRuntime] = []
    sweeps = Scheduler(app) if scheduler else None
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
            transport = channel.transport()
            if senders and transport is not None:
                sender = OutboxSender(app.db, transport, app.deps.clock, channel.limits())
                retry = app.settings.sender_lock_retry_s  # one sender per bot (PostgreSQL lock)
                tasks.append(asyncio.create_task(sender.run_exclusive(stop, retry_s=retry)))
        if senders:  # photos users sent are fetched where the platforms are reached
            tasks += start_fetchers(app.db, started, app.deps.clock, stop)
        if sweeps is not None:
            sweeps.start()
        log.info(
            "worker running: sweeps %s, senders for %s",
            "on" if sweeps else "off",
            ", ".join(c.name for c in channels) or "no channel",
        )
        settle_heap()
        await stop.wait()
    finally:
        stop.set()
        if sweeps is not None:
            await sweeps.shutdown()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel in started:
            with contextlib.suppress(Exception):
                await channel.stop()
