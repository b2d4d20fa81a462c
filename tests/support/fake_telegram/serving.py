"""Running an ASGI app with uvicorn inside the test's event loop, on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import uvicorn


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the test process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install no signal handlers."""
        yield


async def serve_in_background(
    app: Any, *, lifespan: Literal["auto", "on", "off"] = "off"
) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    """Run an ASGI app with uvicorn on 127.0.0.1 and a free port, in this event loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan=lifespan)
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.005)
    return server, task, port


async def stop_server(server: uvicorn.Server | None, task: asyncio.Task[None] | None) -> None:
    """Stop a server started by `serve_in_background`."""
    if server is None or task is None:
        return
    server.should_exit = True
    try:
        await asyncio.wait_for(task, 10)
    except TimeoutError:
        server.force_exit = True
        await task


@contextlib.asynccontextmanager
async def running(app: Any, *, lifespan: Literal["auto", "on", "off"] = "on") -> AsyncIterator[str]:
    """`async with running(asgi_app) as url:` — the app behind a real HTTP server."""
    server, task, port = await serve_in_background(app, lifespan=lifespan)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await stop_server(server, task)
