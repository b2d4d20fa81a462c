"""The ASGI application for `linli serve`: channel webhooks, /healthz, outbox senders."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.bootstrap import App
from bot.channels import ChannelRuntime
from bot.sender import OutboxSender
from storage import migrate


def create_web_app(
    app: App, channels: Sequence[ChannelRuntime], *, senders: bool = True
) -> Starlette:
    """One ASGI app serving every configured channel; senders drain each channel's outbox."""

    async def healthz(_: Request) -> JSONResponse:
        try:
            async with app.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await migrate.current_revision(app.db.engine)
        except Exception as exc:  # report, don't crash: this is what the probe is for
            return JSONResponse(
                {"ok": False, "database": f"unreachable: {type(exc).__name__}"}, 503
            )
        head = migrate.head_revision()
        ok = current == head
        body = {
            "ok": ok,
            "database": "reachable",
            "migration": current,
            "expected": head,
            "channels": [c.name for c in channels],
        }
        return JSONResponse(body, 200 if ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        for channel in channels:
            await channel.start()
            transport = channel.transport()
            if senders and transport is not None:
                sender = OutboxSender(app.db, transport, app.deps.clock, channel.limits())
                tasks.append(asyncio.create_task(sender.run(stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            for channel in channels:
                await channel.stop()
            await app.close()

    routes: list[BaseRoute] = [Route("/healthz", healthz)]
    for channel in channels:
        routes += channel.routes()
    return Starlette(routes=routes, lifespan=lifespan)


def app_factory() -> Starlette:
    """Build the ASGI app from the settings (uvicorn's factory, one per worker process)."""
    from bot.bootstrap import build
    from bot.channels.registry import configured_channels

    app = build()
    return create_web_app(app, configured_channels(app))
