"""A tiny HTTP endpoint that counts deliveries per outbox row, and a transport that posts to it.

The sink speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) to take a thousand or
more POSTs a second from one process. It runs on 127.0.0.1 in a background thread of the test
(`Sink().start()`), or as its own process (`python -m tests.support.http_sink`, which prints
`PORT <n>` and serves `GET /stats`). What it saw is the ground truth for lost and duplicated
messages: a platform's send call carries no idempotency key, so a repeat shows up here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.sender import SendResult
from handlers.core.messages import Reply
from storage.models import OutboxMessage


@dataclass
class Sink:
    """Counts POST /send bodies by their "row"; answers 200 with a message id."""

    seen: Counter[int] = field(default_factory=Counter)
    first_at: float | None = None
    last_at: float | None = None
    stamps: list[float] = field(default_factory=list)
    url: str = ""
    # While set, POSTs are counted but not answered (a platform slow to answer): a sender killed
    # then dies mid-round, with rows it sent still "sending".
    stalled: bool = False
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.AbstractServer | None = None
    _thread: threading.Thread | None = None

    @property
    def total(self) -> int:
        """Every delivery seen, repeats included."""
        return sum(self.seen.values())

    @property
    def duplicates(self) -> int:
        """Deliveries beyond the first, per row."""
        return sum(n - 1 for n in self.seen.values() if n > 1)

    def stats(self) -> dict[str, Any]:
        """What the sink saw, JSON-ready."""
        return {
            "total": self.total,
            "distinct": len(self.seen),
            "duplicates": self.duplicates,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "stamps": self.stamps,
            "seen": {str(k): v for k, v in self.seen.items()},
        }

    def _route(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/send":
            row = int(json.loads(body)["row"])
            now = time.perf_counter()
            self.first_at = self.first_at or now
            self.last_at = now
            self.stamps.append(now)
            self.seen[row] += 1
            return 200, {"ok": True, "message_id": self.total}
        if method == "GET" and path == "/stats":
            return 200, self.stats()
        return 404, {"ok": False}

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                status, answer = self._route(method, path, body)
                while self.stalled and path == "/send":
                    await asyncio.sleep(0.01)
                data = json.dumps(answer).encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve(self, port: int = 0) -> int:
        """Listen on 127.0.0.1 (a free port by default) in the running loop; returns the port."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port)
        return int(self._server.sockets[0].getsockname()[1])

    def start(self) -> str:
        """Serve from a background thread; returns the URL to post to."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, daemon=True)
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self.serve(), loop).result(10)
        self.url = f"http://127.0.0.1:{port}/send"
        return self.url

    def stop(self) -> None:
        """Stop the background server."""
        if self._loop is None:
            return
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)


def _outcome(status: int, body: bytes) -> SendResult:
    """What an answer of the endpoint means for the sender."""
    if status == 200:
        return SendResult("sent", platform_id=str(json.loads(body)["message_id"]))
    if status == 429:
        return SendResult("retry", retry_after=1.0, error="rate_limited")
    if status == 403:
        return SendResult("blocked", error="forbidden")
    return SendResult("retry", retry_after=1.0, error=f"http {status}")


class HttpTransport:
    """Posts each outbox row to the sink with httpx, as a channel adapter posts to its platform."""

    def __init__(self, url: str, channel: str = "webhook", connections: int = 64) -> None:
        self.url = url
        self.channel = channel
        self._client = httpx.AsyncClient(
            timeout=10.0,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def send(self, external_id: str, reply: Reply, row: OutboxMessage) -> SendResult:
        """POST {"row", "chat", "text"}; the status code decides the outcome."""
        try:
            answer = await self._client.post(
                self.url, json={"row": row.id, "chat": external_id, "text": reply.text}
            )
        except httpx.HTTPError as exc:
            return SendResult("retry", retry_after=1.0, error=f"network: {exc!r}"[:200])
        return _outcome(answer.status_code, answer.content)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


class RawHttpTransport:
    """The same POSTs over a small pool of keep-alive asyncio streams.

    httpx costs ~0.5-2.5 ms of CPU per request on a small machine, which alone caps one process
    below 1,000 sends/s; this bare HTTP/1.1 client costs a few percent of that, so a benchmark
    measures the sender (claims, limits, bookkeeping) rather than the HTTP library.
    """

    def __init__(self, url: str, channel: str = "webhook", connections: int = 64) -> None:
        parsed = httpx.URL(url)
        self.host, self.port, self.path = parsed.host, parsed.port or 80, parsed.path
        self.channel = channel
        self._idle: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.LifoQueue()
        )
        self._slots = asyncio.Semaphore(connections)

    async def send(self, external_id: str, reply: Reply, row: OutboxMessage) -> SendResult:
        """POST {"row", "chat", "text"} on an idle connection (or a new one)."""
        body = json.dumps({"row": row.id, "chat": external_id, "text": reply.text}).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        async with self._slots:
            stream = self._idle.get_nowait() if not self._idle.empty() else None
            try:
                if stream is None:
                    stream = await asyncio.open_connection(self.host, self.port)
                reader, writer = stream
                writer.write(head + body)
                await writer.drain()
                status, answer = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                if stream is not None:
                    stream[1].close()
                return SendResult("retry", retry_after=1.0, error=f"network: {exc!r}"[:200])
            self._idle.put_nowait(stream)
        return _outcome(status, answer)

    async def close(self) -> None:
        """Close the idle connections."""
        while not self._idle.empty():
            self._idle.get_nowait()[1].close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length = 0
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def main() -> None:
    """Run the sink as its own process: prints `PORT <n>`, serves until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    async def run() -> None:
        sink = Sink()
        print(f"PORT {await sink.serve(args.port)}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


if __name__ == "__main__":
    main()
