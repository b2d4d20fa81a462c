"""The event loop of every Linli process: uvloop where it is installed, asyncio's own otherwise.

uvloop (libuv underneath) runs the same asyncio code with less CPU per socket operation; uvicorn
picks it, and httptools for parsing HTTP, by itself when they are installed. The processes that
do not start through uvicorn (`linli worker`, `linli run`, the CLI, the sweep thread of `serve`)
take their loops from here. See docs/deployment.md ("CPU per update").
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # Windows: uvloop does not build there
    uvloop = None  # type: ignore[assignment]


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop (not set as the thread's current one)."""
    return uvloop.new_event_loop() if uvloop is not None else asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on a loop from `new_event_loop`."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
