"""The dispatch sweep at 1,000 and 10,000 open needs, and the messages answered while it runs.

On the demo district with extra volunteers (one per two needs, every skill the needs ask for
spread among them), in one run: the baseline (the plain query listing the open needs), the first
sweep (every need is new: ranked, offered or recorded as nobody left), a second sweep a minute
later with nothing changed (should be about one query), and `/help` answered by the dispatcher on
the same event loop while the first sweep runs against idle (p50 / p99 per message).
Merges `sweep_dispatch_s_1k`, `sweep_dispatch_s_10k`, `sweep_again_s_*`, `sweep_baseline_s_*`,
`sweep_help_p99_ms_*` and `idle_help_p99_ms_*` into bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
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
from handlers.needs import open_needs  # noqa: E402
from handlers.sweeps import Sweeper  # noqa: E402
from matching.taxonomy import SLOTS  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import Need, Person, Region, ServiceItem, VolunteerProfile  # noqa: E402

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


async def _sweep(app: Any) -> float:
    """Seconds until the dispatch sweep of this minute is done (all its chunks)."""
    sweeper = Sweeper(app.deps, {"dispatch_needs": Sweeper(app.deps).registry["dispatch_needs"]})
    start = time.perf_counter()
    while (await sweeper.tick()).kinds.get("dispatch_needs"):
        pass
    return time.perf_counter() - start


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


async def one_size(url: str, needs: int) -> dict[str, float]:
    """Figures for one number of open needs on a fresh database."""
    clock = Clock()
    settings = Settings(LINLI_FLOOD_MESSAGES=10**9, LINLI_LOG_LEVEL="WARNING")
    app = build(settings, database_url=url, clock=clock)
    await migrate.upgrade(app.db.engine)
    await seed(app, needs, max(needs // 2, 100), clock)
    start = time.perf_counter()
    async with app.db.transaction() as session:
        listed = len(await open_needs(session))
    baseline = time.perf_counter() - start
    assert listed == needs
    idle_stop = asyncio.Event()
    idle = asyncio.create_task(_helps(app, idle_stop, "idle"))
    await asyncio.sleep(2.0)
    idle_stop.set()
    idle_took = await idle
    stop = asyncio.Event()
    during = asyncio.create_task(_helps(app, stop, "busy"))
    first = await _sweep(app)
    stop.set()
    busy_took = await during
    clock.now += timedelta(minutes=1)
    again = await _sweep(app)
    await app.close()
    return {
        "baseline": baseline,
        "first": first,
        "again": again,
        "idle_p50": _p(idle_took, 0.5),
        "idle_p99": _p(idle_took, 0.99),
        "busy_p50": _p(busy_took, 0.5),
        "busy_p99": _p(busy_took, 0.99),
    }


def _label(needs: int) -> str:
    return f"{needs // 1000}k" if needs >= 1000 else str(needs)


async def run(quick: bool, url: str | None, needs: list[int] | None = None) -> dict[str, Any]:
    """Every figure for each size (with a database URL: give one size, the database is reused)."""
    sizes = needs or ((100,) if quick else (1_000, 10_000))
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        for needs in sizes:
            db = url or f"sqlite+aiosqlite:///{Path(tmp) / f'sweep{needs}'}.db"
            f = await one_size(db, needs)
            label = _label(needs)
            figures |= {
                f"sweep_dispatch_s_{label}": round(f["first"], 3),
                f"sweep_again_s_{label}": round(f["again"], 4),
                f"sweep_baseline_s_{label}": round(f["baseline"], 4),
                f"sweep_help_p50_ms_{label}": f["busy_p50"],
                f"sweep_help_p99_ms_{label}": f["busy_p99"],
                f"idle_help_p50_ms_{label}": f["idle_p50"],
                f"idle_help_p99_ms_{label}": f["idle_p99"],
            }
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 needs, a smoke run")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--needs", type=int, action="append", help="open needs (repeatable)")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    args = parser.parse_args(argv)
    f = asyncio.run(run(args.quick, args.database_url, args.needs))
    print(f"dispatch sweep benchmark ({'quick' if args.quick else 'full'})")
    for key in sorted(f):
        print(f"{key:<32}{f[key]:>12}")
    merge(args.results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
