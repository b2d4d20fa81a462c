"""Benchmark of the WeChat webhook: the full /wechat path against a bare wechatpy echo.

Run ``python bench/bench_wechat.py [--quick] [--results PATH] [--database-url URL]``. One uvicorn
process on 127.0.0.1 serves the ASGI app of `linli serve` (the real /wechat route: signature
check, parse, dedupe write, dispatcher and handler, reply rendering) plus a bare wechatpy echo
route (check_signature, parse_message, create_reply) in the same server; this process is the
load generator (the machine has two cores: one each). Measured in the same run:

- maximum throughput of each route (closed loop, many keep-alive connections, unique MsgIds);
- latency p50/p99 of /wechat at a fixed offered rate of 500 requests/s, OPEN loop: requests
  leave on a schedule whatever the answers do, and latency counts from the scheduled send time
  (so a stalled server shows up as latency, not as a slower request rate).

Every message is a text "帮助" from one of a few hundred warmed-up users (dialog state and
identity exist), with its own MsgId, so every request takes the dedupe write. The flood guard is
lifted for the benchmark's users. Prints one table and merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.results import merge  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"
TOKEN = "benchToken"
RATE = 500  # offered load, requests per second
P99_TARGET_MS = 50.0
RATIO_TARGET = 0.30
_msg_ids = itertools.count(6_000_000_000_000_000_001)


# -- the server process ------------------------------------------------------------------------


def serve(port: int, database_url: str) -> None:
    """Run `linli serve`'s ASGI app with the WeChat channel, plus a bare echo, on one port."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from wechatpy import create_reply, parse_message
    from wechatpy.utils import check_signature

    from bot.bootstrap import build
    from bot.channels.wechat import WeChatChannel
    from bot.settings import Settings
    from bot.web import create_web_app
    from storage import migrate

    settings = Settings(
        WECHAT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        LINLI_FLOOD_MESSAGES=10**9,
        LINLI_LOG_LEVEL="WARNING",
    )
    app = build(settings)

    async def prepare() -> None:
        await migrate.upgrade(app.db.engine)
        await app.db.engine.dispose()  # its connections belong to this loop, not uvicorn's

    asyncio.run(prepare())

    async def echo(request: Request) -> Response:
        q = request.query_params
        check_signature(TOKEN, q["signature"], q["timestamp"], q["nonce"])
        message = parse_message(await request.body())
        return Response(create_reply(message.content, message).render(), media_type="text/xml")

    web = create_web_app(app, [WeChatChannel.from_app(app)], senders=False)
    web.router.routes.append(Route("/echo", echo, methods=["POST"]))
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# -- the load generator ----------------------------------------------------------------------------


class Requests:
    """Signed callback requests, each with a fresh MsgId and nonce, as raw HTTP/1.1 bytes.

    A fresh nonce each, as WeChat sends them: /wechat refuses a (timestamp, nonce) pair used
    for another message (a replay).
    """

    def __init__(self, users: int) -> None:
        self.timestamp = str(int(time.time()))
        self._nonces = itertools.count(1_000_000)
        self.users = [f"oBench{n:08d}" for n in range(users)]
        self._turn = itertools.cycle(self.users)

    def build(self, path: str, user: str | None = None) -> bytes:
        """One POST to `path` from the next user (or `user`)."""
        from bot.channels.wechat.protocol import sign

        ts, nonce = self.timestamp, str(next(self._nonces))
        query = f"timestamp={ts}&nonce={nonce}&signature={sign(TOKEN, ts, nonce)}"
        body = (
            "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            f"<FromUserName><![CDATA[{user or next(self._turn)}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[帮助]]></Content><MsgId>{next(_msg_ids)}</MsgId></xml>"
        ).encode()
        head = (
            f"POST {path}?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        return head + body


class Connection:
    """One keep-alive HTTP/1.1 connection; one request in flight at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        """Connect to the server."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.transport.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )
        return cls(reader, writer)

    async def send(self, data: bytes) -> tuple[int, bytes]:
        """Send one request; the status and body of the answer."""
        self.writer.write(data)
        first = (await self.reader.readline()).split()
        if len(first) < 2:
            raise ConnectionError("the server closed the connection")
        status = int(first[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        """Close the socket."""
        self.writer.close()


ERRORS: Counter[str] = Counter()  # what went wrong, shown under the table


def _good(status: int, body: bytes) -> bool:
    """A passive reply, or "success" (handling ran past the deadline: the reply goes later)."""
    good = status == 200 and (b"<Content>" in body or body == b"success")
    if not good:
        ERRORS[f"HTTP {status}: {body[:60].decode(errors='replace')}"] += 1
    return good


def _late(body: bytes) -> bool:
    return body == b"success"


async def warm_up(port: int, requests: Requests) -> None:
    """One message per user, so identities and dialog states exist before measuring."""
    conns = [await Connection.open(port) for _ in range(8)]
    users = iter(requests.users)

    async def worker(conn: Connection) -> None:
        for user in users:
            status, body = await conn.send(requests.build("/wechat", user))
            assert _good(status, body), (status, body[:200])

    await asyncio.gather(*(worker(c) for c in conns))
    for conn in conns:
        conn.close()


async def max_throughput(
    port: int, requests: Requests, path: str, seconds: float, concurrency: int = 32
) -> tuple[float, int]:
    """Closed loop: requests/s completed over `seconds` (after a short ramp), and errors."""
    conns = [await Connection.open(port) for _ in range(concurrency)]
    ramp, stop = 0.3, time.perf_counter() + 0.3 + seconds
    counted, errors = 0, 0
    start = time.perf_counter() + ramp

    async def worker(conn: Connection) -> None:
        nonlocal counted, errors
        while (now := time.perf_counter()) < stop:
            status, body = await conn.send(requests.build(path))
            if now >= start:
                counted += 1
                errors += not _good(status, body)

    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return counted / elapsed, errors


async def open_loop(
    port: int, requests: Requests, path: str, rate: int, seconds: float, warm: int = 64
) -> tuple[list[float], int, int, int]:
    """Send `rate` requests/s on a fixed schedule: latencies (ms) from the scheduled times,
    errors, answers that missed the reply deadline ("success", reply sent later), and requests
    sent again because the server had closed an idle keep-alive connection.

    A request that finds no idle connection opens a new one, as WeChat's servers do, so the
    generator never holds a request back (its latency would otherwise hide in our queue).
    """
    idle = [await Connection.open(port) for _ in range(warm)]
    opened = [*idle]
    latencies: list[float] = []
    errors, late, reconnects = 0, 0, 0
    loop = asyncio.get_running_loop()

    async def fire(scheduled: float, data: bytes) -> None:
        nonlocal errors, late, reconnects
        conn = idle.pop() if idle else None
        while True:
            fresh = conn is None
            if conn is None:
                conn = await Connection.open(port)
                opened.append(conn)
            try:
                status, body = await conn.send(data)
                break
            except (OSError, asyncio.IncompleteReadError) as exc:
                conn.close()
                if fresh:  # a new connection dropped: the server failed this request
                    ERRORS[type(exc).__name__] += 1
                    errors += 1
                    return
                # The server had closed this idle keep-alive connection (uvicorn: after 5 s),
                # as HTTP allows; a client sends again on a new one, and so do we.
                conn = None
                reconnects += 1
        idle.append(conn)
        latencies.append((loop.time() - scheduled) * 1000)
        errors += not _good(status, body)
        late += _late(body)

    tasks = []
    t0 = loop.time() + 0.05
    for i in range(int(rate * seconds)):
        scheduled = t0 + i / rate
        data = requests.build(path)
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(scheduled, data)))
    await asyncio.gather(*tasks)
    for conn in opened:
        conn.close()
    return latencies, errors, late, reconnects


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(port: int, quick: bool) -> dict[str, Any]:
    """Every figure of the table."""
    users = 50 if quick else 300
    span = 1.5 if quick else 8.0
    requests = Requests(users)
    await warm_up(port, requests)
    bare_rps, bare_errors = await max_throughput(port, requests, "/echo", span)
    full_rps, full_errors = await max_throughput(port, requests, "/wechat", span)
    latencies, late_errors, late, reconnects = await open_loop(
        port, requests, "/wechat", RATE, 3.0 if quick else 15.0
    )
    return {
        "wx_max_rps": round(full_rps, 1),
        "wx_bare_rps": round(bare_rps, 1),
        "wx_throughput_ratio": round(full_rps / bare_rps, 3) if bare_rps else 0.0,
        "wx_p50_ms": round(statistics.median(latencies), 2),
        "wx_p99_ms": round(_percentile(latencies, 0.99), 2),
        "requests_at_rate": len(latencies),
        "errors": bare_errors + full_errors + late_errors,
        "late": late,
        "reconnects": reconnects,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_until_up(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = await Connection.open(port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        conn.close()
        return
    raise RuntimeError("server did not start")


def main(argv: list[str] | None = None) -> int:
    """Start the server process, measure, print the table, merge the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, a smoke test")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.database_url)
        return 0
    from bench.scratch import create_pg_database, drop_pg_database

    scratch = args.database_url.startswith("postgresql")
    with tempfile.TemporaryDirectory(prefix="linli-bench-wx-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        if scratch:  # a database of its own beside the given one, dropped afterwards
            url = asyncio.run(create_pg_database(args.database_url, "bench_wx"))
        port = _free_port()
        env = os.environ | {"LINLI_DATA_DIR": tmp}
        cmd = [sys.executable, __file__, "--serve", str(port), "--database-url", url]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
        try:
            asyncio.run(_wait_until_up(port, proc))
            figures = asyncio.run(measure(port, args.quick))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if scratch:
                asyncio.run(drop_pg_database(args.database_url, "bench_wx"))
    engine = url.split(":", 1)[0]
    rows = [
        ("max throughput, req/s", f"{figures['wx_max_rps']:.0f}", f"{figures['wx_bare_rps']:.0f}",
         f"ratio {figures['wx_throughput_ratio']:.2f} (target ≥ {RATIO_TARGET:.2f})",
         figures["wx_throughput_ratio"] >= RATIO_TARGET),
        (f"p50 at {RATE} req/s open loop, ms", f"{figures['wx_p50_ms']:.1f}", "-", "-", True),
        (f"p99 at {RATE} req/s open loop, ms", f"{figures['wx_p99_ms']:.1f}", "-",
         f"≤ {P99_TARGET_MS:.0f}", figures["wx_p99_ms"] <= P99_TARGET_MS),
    ]  # fmt: skip
    mode = "quick" if args.quick else "full"
    print(
        f"WeChat webhook benchmark ({mode}; {engine}; uvicorn 1 worker on 127.0.0.1; "
        f"{figures['requests_at_rate']} requests at the fixed rate, {figures['late']} past the "
        f"4 s reply deadline; errors: {figures['errors']}; sent again after the server closed an "
        f"idle connection: {figures['reconnects']}; load average {os.getloadavg()[0]:.1f})"
    )
    print(f"{'figure':<34}{'/wechat':>10}{'bare echo':>11}  {'target':<30}ok")
    for name, full, bare, target, ok in rows:
        print(f"{name:<34}{full:>10}{bare:>11}  {target:<30}{'yes' if ok else 'NO'}")
    for reason, count in ERRORS.most_common():
        print(f"error: {count} × {reason}")
    figures["wx_errors"] = figures["errors"]
    keys = ("wx_p50_ms", "wx_p99_ms", "wx_max_rps", "wx_throughput_ratio", "wx_errors")
    merge(args.results, {key: figures[key] for key in keys})
    # Failed requests are a finding, shown above and kept in the results; the run itself worked.
    return 0


if __name__ == "__main__":
    sys.exit(main())
