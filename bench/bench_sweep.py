"""The dispatch sweep at 1,000 and 10,000 open needs, and the messages answered while it runs.

On the demo district with extra volunteers (one per two needs, every skill the needs ask for
spread among them), in one run and on the same seeded data:
- the sweep as it runs (`offer_rounds`: a chunk's rounds read in a few queries and written in
  bulk): the first sweep (every need is new: ranked, offered or recorded as nobody left), and a
  second one a minute later with nothing changed (should be about one query);
- the yardstick: the same sweep with the rounds made need after need (`one_by_one`, what the
  sweep did before, still how a single need is offered) on a fresh copy of the same data; same
  decisions, same machine, same minutes, so the ratio holds even when the machine is loaded.
  At 10,000 needs it would take the better part of an hour, so it runs up to `--yardstick-max`;
- the query listing the open needs (a floor no sweep can beat);
- SQL statements per need and CPU seconds (less sensitive to a busy machine than wall time);
- `/help` answered by the dispatcher on the same event loop while each first sweep runs, against
  idle (p50 / p99 per message);
- with `--apart`, the same first sweep again on fresh data, run as `linli serve` runs it now: on
  a thread of its own with its own event loop and engine (bot/sweep_thread.py), `/help` on the
  main loop meanwhile (`sweep_apart_*`).
Merges `sweep_dispatch_s_1k`, `sweep_dispatch_s_10k` and the figures beside them into
bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text  # noqa: E402

from bench.results import merge  # noqa: E402
from bot.bootstrap import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.admin.seed import seed_demo  # noqa: E402
from handlers.core.messages import Message  # noqa: E402
from handlers.core.notify import Sink  # noqa: E402
from handlers.needs import open_needs  # noqa: E402
from handlers.sweeps import Sweeper  # noqa: E402
from handlers.tasks.rounds import offer_rounds  # noqa: E402
from handlers.tasks.sweep import dispatch_sweep, one_by_one  # noqa: E402
from handlers.warmup import warm_up  # noqa: E402
from matching.taxonomy import SLOTS  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import Database, create_engine  # noqa: E402
from storage.models import (  # noqa: E402
    Need,
    Person,
    Region,
    ServiceItem,
    TaskOffer,
    VolunteerProfile,
)

DEFAULT_RESULTS = ROOT / "bench" / "results.json"


class Clock:
    """A clock the benchmark moves (the second sweep is in the next minute)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def seed(app: Any, needs: int, volunteers: int, clock: Clock) -> None:
    """The demo district, `volunteers` more volunteers and `needs` open needs (seeded, fixed)."""
    rnd = random.Random(13)
    now = clock() - timedelta(hours=1)
    async with app.db.transaction() as session:
        await seed_demo(session, now, app.settings.policy_version)
    async with app.db.transaction() as session:
        grids = list(
            (await session.execute(select(Region).where(Region.level == "grid"))).scalars()
        )
        # Volunteers' items only: the station's (一窗受理) never reach the dispatch sweep.
        items = list(
            (
                await session.execute(select(ServiceItem).where(ServiceItem.handler != "station"))
            ).scalars()
        )
        skills = sorted({s for item in items for s in item.skills})
        people = [
            Person(display_name=f"志愿者{i}", consent_version="2026-11", created_at=now)
            for i in range(volunteers)
        ]
        session.add_all(people)
        await session.flush()
        session.add_all(
            VolunteerProfile(
                person_id=p.id,
                skills=rnd.sample(skills, 3),
                availability=list(SLOTS),
                home_grid_id=rnd.choice(grids).id,
                reach="street",
                max_tasks_week=3,
                created_at=now,
                updated_at=now,
            )
            for p in people
        )
        resident = people[0].id
        session.add_all(
            Need(
                person_id=None,
                entered_by_id=resident,
                service_item_id=rnd.choice(items).id,
                region_id=rnd.choice(grids).id,
                status="open",
                created_at=now,
                updated_at=now,
            )
            for _ in range(needs)
        )


async def _sweep(app: Any, rounds: Any = offer_rounds) -> float:
    """Seconds until the dispatch sweep of this minute is done (all its chunks)."""
    deps = app.deps

    async def dispatch(sink: Sink, job: Any) -> None:
        await dispatch_sweep(sink, job, rounds=rounds)

    sweeper = Sweeper(deps, {"dispatch_needs": dispatch})
    start = time.perf_counter()
    while (await sweeper.tick()).kinds.get("dispatch_needs"):
        pass
    return time.perf_counter() - start


def _statements(app: Any, count: list[int] | None = None) -> list[int]:
    """A counter of the SQL statements the app's engine runs from now on."""
    count = count if count is not None else [0]
    lock = threading.Lock()  # the sweep thread's engine counts into it too (--apart)

    def counted(*_: Any) -> None:
        with lock:
            count[0] += 1

    event.listen(app.db.engine.sync_engine, "before_cursor_execute", counted)
    return count


async def _sweep_apart(app: Any, rounds: Any, count: list[int]) -> float:
    """`_sweep` on a thread with its own event loop and engine, as `linli serve` sweeps."""

    async def sweep() -> float:
        db = Database.connect(app.db.engine.url.render_as_string(hide_password=False))
        own = replace(app, db=db, deps=replace(app.deps, db=db))
        _statements(own, count)
        try:
            return await _sweep(own, rounds)
        finally:
            await db.dispose()

    return await asyncio.to_thread(asyncio.run, sweep())


async def _helps(app: Any, stop: asyncio.Event, tag: str, every_s: float = 0.02) -> list[float]:
    """`/help` from a demo resident every `every_s` until `stop`; each answer's seconds."""
    took: list[float] = []
    i = 0
    while not stop.is_set():
        i += 1
        start = time.perf_counter()
        await app.dispatcher.handle(
            Message(channel="console", user_id="王凤兰", text="/help", update_key=f"{tag}{i}")
        )
        took.append(time.perf_counter() - start)
        await asyncio.sleep(every_s)
    return took


def _p(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else 0.0
    return round(statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000, 1)


async def _fresh(url: str) -> None:
    """An empty PostgreSQL database again (SQLite: each variant gets its own file)."""
    if url.startswith("sqlite"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def one_size(
    url: str, needs: int, rounds: Any, idle: bool, apart: bool = False
) -> dict[str, float]:
    """Figures for one number of open needs and one way of making the rounds, on fresh data."""
    await _fresh(url)
    clock = Clock()
    settings = Settings(LINLI_FLOOD_MESSAGES=10**9, LINLI_LOG_LEVEL="WARNING", **CHUNK)
    app = build(settings, database_url=url, clock=clock)
    await migrate.upgrade(app.db.engine)
    await seed(app, needs, max(needs // 2, 100), clock)
    await warm_up(app.deps)  # as a process does before it takes traffic
    f: dict[str, float] = {}
    start = time.perf_counter()
    async with app.db.transaction() as session:
        listed = len(await open_needs(session))
    f["baseline"] = time.perf_counter() - start
    assert listed == needs
    if idle:
        idle_stop = asyncio.Event()
        idling = asyncio.create_task(_helps(app, idle_stop, "idle"))
        await asyncio.sleep(2.0)
        idle_stop.set()
        idle_took = await idling
        f |= {"idle_p50": _p(idle_took, 0.5), "idle_p99": _p(idle_took, 0.99)}
    statements = _statements(app)
    stop = asyncio.Event()
    during = asyncio.create_task(_helps(app, stop, "busy"))
    cpu = time.process_time()
    f["first"] = await (_sweep_apart(app, rounds, statements) if apart else _sweep(app, rounds))
    f["cpu"] = time.process_time() - cpu
    stop.set()
    busy_took = await during
    async with app.db.transaction() as session:
        f["offers"] = float(await session.scalar(select(func.count()).select_from(TaskOffer)) or 0)
    # The /help answered meanwhile run statements of their own: taken off.
    f["per_need"] = round(max(statements[0] - len(busy_took) * _HELP_STATEMENTS, 0) / needs, 2)
    f |= {"busy_p50": _p(busy_took, 0.5), "busy_p99": _p(busy_took, 0.99)}
    clock.now += timedelta(minutes=1)
    f["again"] = await _sweep(app, rounds)
    await app.close()
    return f


_HELP_STATEMENTS = 0  # set by _help_cost() before the sweeps
CHUNK: dict[str, Any] = {}  # LINLI_DISPATCH_CHUNK when given (--chunk)


async def _help_cost(url: str) -> int:
    """Statements one `/help` runs (to count the sweep's own statements while helps run)."""
    await _fresh(url)
    clock = Clock()
    app = build(Settings(LINLI_LOG_LEVEL="WARNING"), database_url=url, clock=clock)
    await migrate.upgrade(app.db.engine)
    await seed(app, 1, 100, clock)
    for key in ("w0", "w1"):  # the second one, warm, is counted
        count = _statements(app) if key == "w1" else [0]
        await app.dispatcher.handle(
            Message(channel="console", user_id="王凤兰", text="/help", update_key=key)
        )
    await app.close()
    return count[0]


def _label(needs: int) -> str:
    return f"{needs // 1000}k" if needs >= 1000 else str(needs)


async def run(
    quick: bool,
    url: str | None,
    needs: list[int] | None = None,
    yardstick_max: int = 1000,
    apart: bool = False,
) -> dict[str, Any]:
    """Every figure for each size (with a database URL: each variant empties it first)."""
    global _HELP_STATEMENTS
    sizes = needs or ((100,) if quick else (1_000, 10_000))
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:

        def db(name: str) -> str:
            return url or f"sqlite+aiosqlite:///{Path(tmp) / name}.db"

        _HELP_STATEMENTS = await _help_cost(db("help"))
        for n in sizes:
            label = _label(n)
            f = await one_size(db(f"rounds{n}"), n, offer_rounds, idle=True)
            figures |= {
                f"sweep_dispatch_s_{label}": round(f["first"], 3),
                f"sweep_dispatch_cpu_s_{label}": round(f["cpu"], 3),
                f"sweep_statements_per_need_{label}": f["per_need"],
                f"sweep_offers_{label}": int(f["offers"]),
                f"sweep_again_s_{label}": round(f["again"], 4),
                f"sweep_baseline_s_{label}": round(f["baseline"], 4),
                f"sweep_help_p50_ms_{label}": f["busy_p50"],
                f"sweep_help_p99_ms_{label}": f["busy_p99"],
                f"idle_help_p50_ms_{label}": f["idle_p50"],
                f"idle_help_p99_ms_{label}": f["idle_p99"],
            }
            if apart:
                a = await one_size(db(f"apart{n}"), n, offer_rounds, idle=False, apart=True)
                assert int(a["offers"]) == int(f["offers"]), "the sweep apart made other offers"
                figures |= {
                    f"sweep_apart_s_{label}": round(a["first"], 3),
                    f"sweep_apart_cpu_s_{label}": round(a["cpu"], 3),
                    f"sweep_apart_help_p50_ms_{label}": a["busy_p50"],
                    f"sweep_apart_help_p99_ms_{label}": a["busy_p99"],
                }
            if n > yardstick_max:
                continue
            y = await one_size(db(f"one{n}"), n, one_by_one, idle=False)
            assert int(y["offers"]) == int(f["offers"]), "the two ways made different offers"
            figures |= {
                f"sweep_one_by_one_s_{label}": round(y["first"], 3),
                f"sweep_one_by_one_cpu_s_{label}": round(y["cpu"], 3),
                f"sweep_one_by_one_statements_per_need_{label}": y["per_need"],
                f"sweep_one_by_one_help_p50_ms_{label}": y["busy_p50"],
                f"sweep_one_by_one_help_p99_ms_{label}": y["busy_p99"],
                f"sweep_speedup_{label}": round(y["first"] / max(f["first"], 1e-9), 1),
            }
    figures["sweep_load_average"] = round(os.getloadavg()[0], 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 needs, a smoke run")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--needs", type=int, action="append", help="open needs (repeatable)")
    parser.add_argument(
        "--yardstick-max",
        type=int,
        default=1000,
        help="largest size also swept need after need (the same-run yardstick)",
    )
    parser.add_argument(
        "--apart",
        action="store_true",
        help="also sweep on a thread of its own, /help on the main loop (as linli serve does)",
    )
    parser.add_argument("--chunk", type=int, help="needs per sweep transaction (default: setting)")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    args = parser.parse_args(argv)
    if args.chunk:
        CHUNK["LINLI_DISPATCH_CHUNK"] = args.chunk
    f = asyncio.run(run(args.quick, args.database_url, args.needs, args.yardstick_max, args.apart))
    print(f"dispatch sweep benchmark ({'quick' if args.quick else 'full'})")
    for key in sorted(f):
        print(f"{key:<32}{f[key]:>12}")
    merge(args.results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
