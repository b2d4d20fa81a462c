"""Benchmark of broadcasts: queueing 100,000 recipients, draining at a rate limit, crash figures.

Run ``python bench/bench_broadcast.py [--quick] [--results PATH] [--pg URL]`` (PostgreSQL also
from TEST_DATABASE_URL; skipped when neither is given). Three measurements:

1. Queue: the transaction that writes the Broadcast row and one outbox row per reachable identity
   (the path /broadcast takes), for 100,000 registered recipients, on SQLite and PostgreSQL.
2. Drain: the real OutboxSender with a configured limit of 1,000 messages/s posts every row to
   a fake HTTP endpoint (its own process on 127.0.0.1) over a bare keep-alive HTTP client. The
   rate is taken over the second half of the deliveries, past the limiter's initial burst (its
   bucket holds one second's worth), ÷ the limit; the overall rate is shown beside it.
3. Crash: a sender process is `kill -9`ed a third of the way through a broadcast and restarted;
   the endpoint counts lost recipients and duplicates, the outbox's `reclaims` column the rows that
   may have gone twice (the worst of three tries; the in-flight window is 16).

Prints one table and merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.results import merge  # noqa: E402
from bench.scratch import pg_database  # noqa: E402
from bot.bootstrap import App, build  # noqa: E402
from bot.sender import Limits, OutboxSender  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import OutboxMessage, utcnow  # noqa: E402
from tests.support.audience import queue_notice, seed_recipients  # noqa: E402
from tests.support.http_sink import RawHttpTransport  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"
NOTICE = (
    "【劲松北社区】本周六上午9点在社区广场开展冬季扫雪志愿活动，"
    "请志愿者们穿好防滑鞋，带上手套，准时集合。"
)
LIMIT = 1000.0
IN_FLIGHT = 64


def _app(url: str) -> App:
    settings = Settings(
        LINLI_QUIET_START="00:00", LINLI_QUIET_END="00:00", LINLI_LOG_LEVEL="WARNING"
    )
    return build(settings, database_url=url, clock=utcnow)


async def _queue(url: str, recipients: int) -> float:
    """Seconds to queue a broadcast to `recipients` people on a fresh database at `url`."""
    app = _app(url)
    try:
        await migrate.upgrade(app.db.engine)
        region = await seed_recipients(app, recipients)
        _, written, seconds = await queue_notice(app, region, NOTICE)
        assert written == recipients, (written, recipients)
        return seconds
    finally:
        await app.close()


def _sink() -> tuple[subprocess.Popen[str], str]:
    """The fake endpoint as its own process; returns it and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.http_sink"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline().split()[1])
    return process, f"http://127.0.0.1:{port}"


def _stats(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/stats", timeout=30) as answer:
        return dict(json.loads(answer.read()))


async def _drain(recipients: int) -> dict[str, float]:
    """Drain a broadcast through the HTTP endpoint with the real sender at LIMIT per second."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'drain.db'}"
        app = _app(url)
        await migrate.upgrade(app.db.engine)
        region = await seed_recipients(app, recipients)
        await queue_notice(app, region, NOTICE)
        sink, base = _sink()
        transport = RawHttpTransport(f"{base}/send", connections=IN_FLIGHT)
        limits = Limits(per_second=LIMIT, per_chat_per_second=1, in_flight=IN_FLIGHT, lease_s=30)
        try:
            stats = await OutboxSender(app.db, transport, utcnow, limits).drain()
            seen = _stats(base)
        finally:
            await transport.close()
            await app.close()
            sink.kill()
    stamps = sorted(seen["stamps"])
    half = len(stamps) // 2  # well past the limiter's initial burst (one second's worth)
    steady = (len(stamps) - 1 - half) / (stamps[-1] - stamps[half])
    overall = len(stamps) / (stamps[-1] - stamps[0])
    return {
        "sent": stats.sent,
        "steady_rate": steady,
        "overall_rate": overall,
        "lost": recipients - int(seen["distinct"]),
        "duplicates": int(seen["duplicates"]),
    }


def _sender(db: str, sink: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.support.outbox_worker", "--db", db, "--sink", sink]
    options = ["--rate", str(LIMIT), "--in-flight", "16", "--lease", "2"]
    return subprocess.Popen([*command, *options], cwd=ROOT, stdout=subprocess.PIPE, text=True)


async def _crash(recipients: int) -> dict[str, int]:
    """Kill -9 a sender process after a third of the deliveries, restart it, count."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'crash.db'}"
        app = _app(url)
        await migrate.upgrade(app.db.engine)
        region = await seed_recipients(app, recipients)
        await queue_notice(app, region, NOTICE)
        await app.db.dispose()
        sink, base = _sink()
        try:
            first = _sender(url, f"{base}/send")
            deadline = time.monotonic() + 120
            while _stats(base)["total"] < recipients // 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
            second = _sender(url, f"{base}/send")
            second.communicate(timeout=300)
            seen = _stats(base)
        finally:
            sink.kill()
        async with app.db.transaction() as session:
            reclaims = int(await session.scalar(select(func.sum(OutboxMessage.reclaims))) or 0)
        await app.close()
    return {
        "lost": recipients - int(seen["distinct"]),
        "duplicates": int(seen["duplicates"]),
        "reclaims": reclaims,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement; PostgreSQL only when a URL is given."""
    queue_n = 10_000 if args.quick else 100_000
    drain_n = 2_000 if args.quick else 10_000
    crash_n = 600 if args.quick else 3_000
    figures: dict[str, Any] = {"sizes": (queue_n, drain_n, crash_n)}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'queue.db'}"
        figures["broadcast_queue_100k_s_sqlite"] = round(await _queue(url, queue_n), 3)
    pg = args.pg or os.environ.get("TEST_DATABASE_URL")
    if pg:
        async with pg_database(pg, f"bench_broadcast_{os.getpid()}") as url:
            figures["broadcast_queue_100k_s_pg"] = round(await _queue(url, queue_n), 3)
    drained = await _drain(drain_n)
    figures["broadcast_drain_pct_of_limit"] = round(100 * drained["steady_rate"] / LIMIT, 1)
    figures["drain_overall_pct"] = round(100 * drained["overall_rate"] / LIMIT, 1)
    # The keys: a run without a crash must lose and repeat nothing.
    figures["broadcast_lost"], figures["broadcast_duplicates"] = (
        drained["lost"],
        drained["duplicates"],
    )
    # Where the kill lands in a send round is luck: take the worst of a few tries.
    trials = [await _crash(crash_n) for _ in range(1 if args.quick else 3)]
    figures["broadcast_crash_lost"] = sum(t["lost"] for t in trials)
    worst = max(trials, key=lambda t: t["duplicates"])
    figures["broadcast_crash_duplicates"] = worst["duplicates"]
    figures["broadcast_crash_reclaims"] = worst["reclaims"]
    figures["crash_trials"] = len(trials)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--pg", default="", help="PostgreSQL URL (else TEST_DATABASE_URL)")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args))
    queue_n, drain_n, crash_n = figures.pop("sizes")
    pg = "broadcast_queue_100k_s_pg" in figures
    rows = [
        ("broadcast_queue_100k_s_sqlite", "≤ 5", figures["broadcast_queue_100k_s_sqlite"] <= 5),
        (
            "broadcast_queue_100k_s_pg",
            "≤ 5",
            figures.get("broadcast_queue_100k_s_pg", 0) <= 5,
        ),
        ("broadcast_drain_pct_of_limit", "≥ 95", figures["broadcast_drain_pct_of_limit"] >= 95),
        ("drain_overall_pct", "-", True),
        ("broadcast_lost", "= 0", figures["broadcast_lost"] == 0),
        ("broadcast_duplicates", "= 0", figures["broadcast_duplicates"] == 0),
        ("broadcast_crash_lost", "= 0", figures["broadcast_crash_lost"] == 0),
        (
            "broadcast_crash_duplicates",
            f"≤ {IN_FLIGHT}",
            figures["broadcast_crash_duplicates"] <= IN_FLIGHT,
        ),
        (
            "broadcast_crash_reclaims",
            "≥ dups",
            figures["broadcast_crash_reclaims"] >= figures["broadcast_crash_duplicates"],
        ),
        ("crash_trials", "-", True),
    ]
    mode = "quick" if args.quick else "full"
    print(
        f"broadcast benchmark ({mode}: queue {queue_n:,} recipients; drain {drain_n:,} at "
        f"{LIMIT:,.0f}/s, in flight {IN_FLIGHT}; kill -9 mid-way through {crash_n:,})"
    )
    print(f"{'figure':<32}{'value':>10}  {'target':<8}ok")
    for key, target, ok in rows:
        if key in figures:
            print(f"{key:<32}{figures[key]:>10}  {target:<8}{'yes' if ok else 'NO'}")
        elif not pg:
            print(f"{key:<32}{'skipped':>10}  {target:<8}-  (no --pg / TEST_DATABASE_URL)")
    keys = (
        "broadcast_queue_100k_s_sqlite",
        "broadcast_queue_100k_s_pg",
        "broadcast_drain_pct_of_limit",
        "broadcast_duplicates",
        "broadcast_lost",
        "broadcast_crash_duplicates",
        "broadcast_crash_lost",
        "broadcast_crash_reclaims",
    )
    merge(args.results, {key: figures[key] for key in keys if key in figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
