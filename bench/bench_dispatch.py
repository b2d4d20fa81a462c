"""The inbound core without a channel: SQLite statement rates and dispatcher messages per second.

Measures, in one run: `SELECT 1` through SQLAlchemy's async engine with aiosqlite's worker thread
(the baseline) and with the inline adapter (storage/sqlite_inline.py); then the dispatcher handling
`/help` from a registered demo resident on each (one transaction per message: identity and dialog
state, the handler's query, the processed-update row, commit), and `/help` from 32 registered
demo people writing at the same time (they share transactions: handlers/core/batching.py).
Prints one table; merges the keys `sqlite_select_per_s_*`, `dispatch_per_s_*`,
`dispatch_cpu_us_inline` and `dispatch_together_per_s_*` into bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.results import merge  # noqa: E402
from bot.bootstrap import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.admin.seed import seed_demo  # noqa: E402
from handlers.core.messages import Message  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import Identity, Person  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"


async def _selects(url: str, n: int) -> float:
    app = build(Settings(), database_url=url)
    await migrate.upgrade(app.db.engine)
    async with app.db.engine.connect() as conn:
        start = time.perf_counter()
        for _ in range(n):
            await conn.exec_driver_sql("SELECT 1")
        rate = n / (time.perf_counter() - start)
    await app.close()
    return rate


async def _dispatch(url: str, n: int) -> tuple[float, float]:
    app = build(Settings(LINLI_FLOOD_MESSAGES=10**9, LINLI_LOG_LEVEL="WARNING"), database_url=url)
    await migrate.upgrade(app.db.engine)
    async with app.db.transaction() as session:
        await seed_demo(session, app.deps.clock(), app.settings.policy_version)
    for i in range(50):  # warm caches (compiled statements, catalogs)
        await app.dispatcher.handle(
            Message(channel="console", user_id="王凤兰", text="/help", update_key=f"w{i}")
        )
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        await app.dispatcher.handle(
            Message(channel="console", user_id="王凤兰", text="/help", update_key=f"u{i}")
        )
    rate = n / (time.perf_counter() - wall)
    cpu_us = (time.process_time() - cpu) / n * 1e6
    await app.close()
    return rate, cpu_us


async def _dispatch_together(url: str, n: int, at_once: int = 32) -> float:
    """Messages per second when `at_once` different residents write at the same time."""
    app = build(Settings(LINLI_FLOOD_MESSAGES=10**9, LINLI_LOG_LEVEL="WARNING"), database_url=url)
    await migrate.upgrade(app.db.engine)
    async with app.db.transaction() as session:
        await seed_demo(session, app.deps.clock(), app.settings.policy_version)
    async with app.db.transaction() as session:  # registered demo people, as in `_dispatch`
        found = await session.execute(
            select(Identity.external_id)
            .join(Person, Person.id == Identity.person_id)
            .where(Identity.channel == "console", Person.consent_version.is_not(None))
            .order_by(Identity.id)
            .limit(at_once)
        )
        users = list(found.scalars())

    async def wave(tag: str) -> None:
        await asyncio.gather(
            *(
                app.dispatcher.handle(
                    Message(channel="console", user_id=u, text="/help", update_key=f"{tag}-{u}")
                )
                for u in users
            )
        )

    for i in range(5):  # first contact, warm caches
        await wave(f"w{i}")
    waves = max(1, n // at_once)
    wall = time.perf_counter()
    for i in range(waves):
        await wave(f"u{i}")
    rate = waves * at_once / (time.perf_counter() - wall)
    await app.close()
    return rate


async def run(quick: bool) -> dict[str, Any]:
    """Every figure, SQLite thread (baseline) against inline."""
    selects, messages = (2_000, 300) if quick else (20_000, 3_000)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        for mode, suffix in (("thread", "?driver=thread"), ("inline", "")):
            url = f"sqlite+aiosqlite:///{Path(tmp) / mode}.db{suffix}"
            figures[f"sqlite_select_per_s_{mode}"] = round(await _selects(url, selects))
            url = f"sqlite+aiosqlite:///{Path(tmp) / mode}-d.db{suffix}"
            rate, cpu_us = await _dispatch(url, messages)
            figures[f"dispatch_per_s_{mode}"] = round(rate)
            figures[f"dispatch_cpu_us_{mode}"] = round(cpu_us)
            url = f"sqlite+aiosqlite:///{Path(tmp) / mode}-t.db{suffix}"
            together = await _dispatch_together(url, messages)
            figures[f"dispatch_together_per_s_{mode}"] = round(together)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    args = parser.parse_args(argv)
    f = asyncio.run(run(args.quick))
    print(f"dispatch benchmark ({'quick' if args.quick else 'full'}; SQLite)")
    print(f"{'figure':<36}{'aiosqlite thread':>18}{'inline':>10}{'ratio':>8}")
    for name, key in (
        ("SELECT 1 per s", "sqlite_select_per_s"),
        ("/help messages per s", "dispatch_per_s"),
        ("CPU µs per message", "dispatch_cpu_us"),
        ("/help, 32 residents at once, per s", "dispatch_together_per_s"),
    ):
        base, ours = f[f"{key}_thread"], f[f"{key}_inline"]
        print(f"{name:<36}{base:>18}{ours:>10}{ours / base:>7.1f}×")
    keys = (
        "sqlite_select_per_s_thread",
        "sqlite_select_per_s_inline",
        "dispatch_per_s_thread",
        "dispatch_per_s_inline",
        "dispatch_cpu_us_inline",
        "dispatch_together_per_s_thread",
        "dispatch_together_per_s_inline",
    )
    merge(args.results, {k: f[k] for k in keys})
    return 0


if __name__ == "__main__":
    sys.exit(main())
