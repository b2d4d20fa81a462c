"""The sweeps of a `linli serve` process, on a thread of their own, off the loop that answers.

A dispatch chunk runs CPU in stretches of tens of milliseconds (loading a street's volunteers,
building its match index, rendering a chunk's notices); on the loop that answers webhooks a
message arriving meanwhile waits for the whole stretch (docs/speed.md). Here the scheduler runs
on its own event loop in its own thread, with its own database engine: the interpreter switches
threads every few milliseconds (`sys.getswitchinterval`), so the answering loop gets its turns
within a chunk instead of after it. The CPU is still shared (one GIL); this moves the waits, not
the work. On PostgreSQL only: see `sweeps_apart`.

The sweeps need only the database: their notices go to the outbox, which the senders (on the
answering loop, with the platforms' clients) drain. The app's translator, settings and clock are
shared; the engine, its pool and its connections belong to the sweep thread alone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import replace

from bot.bootstrap import App
from bot.loop import new_event_loop
from bot.scheduler import Scheduler
from storage.db import Database

log = logging.getLogger(__name__)


def sweeps_apart(app: App) -> bool:
    """Whether this process's sweeps get a thread of their own: on PostgreSQL only.

    On SQLite a chunk's transaction holds the database's one write lock, and a message's
    transaction would poll for it against a sweep that takes it back at once (bench/bench_sweep.py
    `--apart`: /help p50 6x worse). On the answering loop the two share the process's one pooled
    connection, which queues them fairly (the sweeper yields it after every job).
    """
    return app.db.dialect == "postgresql"


class SweepThread:
    """A `Scheduler` on a thread with its own event loop and engine; stopped from the main loop.

    `ident` is the thread's id once started (tests check that jobs run there).
    """

    def __init__(self, app: App, *, interval_s: float | None = None) -> None:
        self.app = app
        self.interval_s = interval_s
        self.ident: int | None = None
        self.scheduler: Scheduler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failed: BaseException | None = None

    def start(self) -> None:
        """Start the thread and its scheduler (returns once the scheduler triggers)."""
        self._thread = threading.Thread(target=self._main, name="linli-sweeps", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._failed is not None:
            raise RuntimeError("the sweep thread did not start") from self._failed

    def _main(self) -> None:
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        db: Database | None = None
        try:
            url = self.app.db.engine.url.render_as_string(hide_password=False)
            db = Database.connect(url)
            own = replace(self.app, db=db, deps=replace(self.app.deps, db=db))
            self.scheduler = Scheduler(own, interval_s=self.interval_s)
            loop.run_until_complete(self._start(self.scheduler))
        except BaseException as exc:  # reported to start(), which raises it in the main thread
            self._failed = exc
            self._started.set()
            loop.close()
            return
        self._loop, self.ident = loop, threading.get_ident()
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(db.dispose())
            loop.close()

    @staticmethod
    async def _start(scheduler: Scheduler) -> None:
        scheduler.start()  # AsyncIOScheduler takes the running loop: this thread's

    async def shutdown(self, grace_s: float | None = None) -> None:
        """Stop as `Scheduler.shutdown` does (a sweep in progress finishes its job or is
        cancelled and rolled back), then the thread's engine closes and the thread ends."""
        loop, scheduler, thread = self._loop, self.scheduler, self._thread
        if loop is None or scheduler is None or thread is None:
            return
        stopped = asyncio.run_coroutine_threadsafe(scheduler.shutdown(grace_s), loop)
        try:
            await asyncio.wrap_future(stopped)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            await asyncio.to_thread(thread.join)
            self._loop = None
