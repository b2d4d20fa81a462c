"""The ASGI application for `linli serve`: channel webhooks, /livez, /healthz, /metrics, senders.

Each channel's outbox sender runs in every worker but sends only in the one holding the
channel's sender lock on PostgreSQL (bot/sender.py `run_exclusive`), so N workers keep one
platform rate limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import downloads, metrics, office, photos
from bot.bootstrap import App, settle_heap
from bot.channels import ChannelRuntime
from bot.scheduler import Scheduler
from bot.sender import OutboxSender
from bot.sweep_thread import SweepThread, sweeps_apart
from handlers.warmup import warm_up
from storage import migrate

log = logging.getLogger(__name__)


MIGRATION_CHECK_S = 300.0  # the schema changes only with a deployment: check it this rarely


def create_web_app(
    app: App, channels: Sequence[ChannelRuntime], *, senders: bool = True, sweeps: bool = False
) -> Starlette:
    """One ASGI app serving every configured channel; senders drain each channel's outbox.

    With `sweeps`, the scheduler (bot/scheduler.py) runs the due jobs in this process too, on a
    thread of its own with its own engine (bot/sweep_thread.py), off the loop that answers, on
    PostgreSQL; on SQLite on this loop, sharing the process's one connection. The heavy parts
    (jieba's dictionary, the matchers) load in the lifespan, before uvicorn listens; `/healthz`
    says ready only once they have, `/livez` only that the process answers.
    """
    ready = asyncio.Event()
    migration_ok: list[tuple[float, bool]] = []  # (checked at, at head), the last check

    async def migrated() -> bool:
        """Whether the schema is at head, checked again after MIGRATION_CHECK_S (Alembic's
        context costs milliseconds of CPU; a probe every few seconds must not)."""
        now = time.monotonic()
        if not migration_ok or now - migration_ok[-1][0] > MIGRATION_CHECK_S:
            current = await migrate.current_revision(app.db.engine)
            migration_ok[:] = [(now, current == migrate.head_revision())]
        return migration_ok[-1][1]

    async def livez(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def healthz(_: Request) -> JSONResponse:
        """Readiness: warmed up, the database answers, the schema is current. Says no more."""
        if not ready.is_set():
            return JSONResponse({"ok": False, "status": "warming up"}, 503)
        try:
            async with app.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            at_head = await migrated()
        except Exception:  # report, don't crash: this is what the probe is for
            return JSONResponse({"ok": False, "status": "database unreachable"}, 503)
        if not at_head:
            return JSONResponse({"ok": False, "status": "migration pending"}, 503)
        return JSONResponse({"ok": True, "status": "ready"})

    async def metrics_endpoint(_: Request) -> Response:
        try:
            await metrics.refresh_outbox(app.db, app.deps.clock())
        except Exception:  # still serve the in-process figures when the database is down
            log.warning("metrics: could not read the outbox")
        return Response(metrics.scrape(), media_type=metrics.CONTENT_TYPE)

    @contextlib.asynccontextmanager
    async def lifespan(web: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        for channel in channels:
            await channel.start()
            transport = channel.transport()
            if senders and transport is not None:
                sender = OutboxSender(app.db, transport, app.deps.clock, channel.limits())
                retry = app.settings.sender_lock_retry_s
                tasks.append(asyncio.create_task(sender.run_exclusive(stop, retry_s=retry)))
        if senders:  # photos users sent are fetched where the platforms are reached
            tasks += photos.start_fetchers(app.db, channels, app.deps.clock, stop)
        await warm_up(app.deps)  # before the first request and the first sweep
        scheduler: SweepThread | Scheduler | None = None
        if sweeps:
            scheduler = SweepThread(app) if sweeps_apart(app) else Scheduler(app)
            scheduler.start()
        web.state.sweeps = scheduler  # which thread sweeps (tests look)
        settle_heap()
        ready.set()
        try:
            yield
        finally:
            stop.set()
            if scheduler is not None:
                await scheduler.shutdown()
            await asyncio.gather(*tasks, return_exceptions=True)
            for channel in channels:
                await channel.stop()
            await app.close()
            metrics.process_exited()

    routes: list[BaseRoute] = [
        Route("/livez", livez),
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
        downloads.route(app),
        office.mount(app),
    ]
    for channel in channels:
        routes += channel.routes()
    return Starlette(routes=routes, lifespan=lifespan)


def app_factory() -> Starlette:
    """Build the ASGI app from the settings (uvicorn's factory, one per worker process)."""
    from bot.bootstrap import build
    from bot.channels.registry import configured_channels

    app = build()
    settings = app.settings
    return create_web_app(
        app,
        configured_channels(app),
        senders=settings.serve_runs_senders,
        sweeps=settings.serve_runs_sweeps,
    )
