"""Benchmark of the office console's JSON: the dashboard and the map of a whole street.

Run ``python bench/bench_office.py [--quick] [--results PATH] [--pg URL]`` (PostgreSQL also from
TEST_DATABASE_URL; without one it runs on SQLite and says so). The demo district is loaded, then
50,000 grid reports and 50,000 service needs (100,000 in all; a tenth of that with --quick) spread
over its grids and buildings and the last eight months, and 20,000 volunteers with service
records. Measured through the real ASGI app with a signed-in street admin (刘文静): GET
/office/api/regions/{street}/dashboard and /map, p95 over repeated calls, beside a baseline
taken in the same run on the same rows: the plain `SELECT count(*)` of reports and of needs.
The target figures are computed afresh on every call (LINLI_OFFICE_FIGURES_SECONDS=0); a second
pass with the default reuse (30 s) gives the `_cached` figures. Prints one table and merges its
figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from bench.results import merge  # noqa: E402
from bench.scratch import pg_database  # noqa: E402
from bot.bootstrap import App, build  # noqa: E402
from bot.office.web import COOKIE  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web import create_web_app  # noqa: E402
from handlers.admin.seed import seed_demo  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import (  # noqa: E402
    GridReport,
    Need,
    Person,
    Region,
    ServiceItem,
    ServiceRecord,
    VolunteerProfile,
)
from storage.repos import office  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"
TARGET_MS = 300.0
CATEGORIES = (
    "illegal_construction",
    "wall_opening",
    "unlicensed_business",
    "back_alley",
    "ground_lock",
    "illegal_ads",
    "other",
)
REPORT_STATES = ("open", "acknowledged", "resolved", "closed", "reopened")
NEED_STATES = ("open", "matching", "assigned", "done", "cancelled")
CHUNK = 5000


def p95(samples: list[float]) -> float:
    """The 95th percentile, in milliseconds."""
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] * 1000


async def _bulk(app: App, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with app.db.transaction() as session:
            await session.execute(insert(model), rows[start : start + CHUNK])


async def seed(app: App, items: int, volunteers: int) -> int:
    """The demo district plus synthetic items and volunteers; returns the street's id."""
    rnd = random.Random(17)
    now = datetime.now(UTC)
    async with app.db.transaction() as session:
        await seed_demo(session, now, app.settings.policy_version)
        regions = list((await session.execute(select(Region))).scalars())
        item_ids = list((await session.execute(select(ServiceItem.id))).scalars())
    buildings = [r for r in regions if r.level == "building"]
    grids = [r for r in regions if r.level == "grid"]
    street = next(r for r in regions if r.level == "street")

    def when() -> datetime:
        return now - timedelta(minutes=rnd.randrange(8 * 30 * 24 * 60))

    reports = []
    for _ in range(items // 2):
        b = rnd.choice(buildings)
        created = when()
        status = rnd.choice(REPORT_STATES)
        done = status in ("resolved", "closed")
        reports.append(
            {
                "category": rnd.choice(CATEGORIES),
                "text": "楼下有人私装地锁",
                "region_id": b.id,
                "grid_id": b.parent_id,
                "status": status,
                "lat": (b.lat or 0) + rnd.uniform(-2e-4, 2e-4),
                "lon": (b.lon or 0) + rnd.uniform(-2e-4, 2e-4),
                "created_at": created,
                "updated_at": created,
                "respond_due": created + timedelta(days=1),
                "resolve_due": created + timedelta(days=7),
                "acknowledged_at": created + timedelta(hours=3) if status != "open" else None,
                "resolved_at": created + timedelta(days=2) if done else None,
                "rating": rnd.choice((None, 3, 4, 5)) if done else None,
            }
        )
    await _bulk(app, GridReport, reports)
    needs = []
    for _ in range(items - items // 2):
        created = when()
        status = rnd.choice(NEED_STATES)
        needs.append(
            {
                "service_item_id": rnd.choice(item_ids),
                "region_id": rnd.choice(buildings).id,
                "status": status,
                "created_at": created,
                "updated_at": created,
                "closed_at": created + timedelta(days=1)
                if status in ("done", "cancelled")
                else None,
            }
        )
    await _bulk(app, Need, needs)
    first = 1_000_000
    people = [
        {"id": first + i, "display_name": f"志愿者{i}", "lang": "zh_CN"} for i in range(volunteers)
    ]
    await _bulk(app, Person, people)
    await _bulk(
        app,
        VolunteerProfile,
        [{"person_id": p["id"], "home_grid_id": rnd.choice(grids).id} for p in people],
    )
    records = [
        {
            "person_id": first + rnd.randrange(volunteers),
            "content": "陪诊",
            "served_at": when(),
            "hours": Decimal(rnd.choice((1, 2, 3))),
            "region_id": rnd.choice(grids).id,
        }
        for _ in range(volunteers * 2)
    ]
    await _bulk(app, ServiceRecord, records)
    if app.db.dialect == "postgresql":
        async with app.db.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
    return street.id


async def measure(app: App, street_id: int, rounds: int, reuse_s: int) -> dict[str, float]:
    """p95 of the two endpoints and of the baseline count, in the same run."""
    app.settings.office_figures_seconds = reuse_s
    async with app.db.transaction() as session:
        admin = (
            await session.execute(select(Person.id).where(Person.display_name == "刘文静"))
        ).scalar_one()
        cookie, _ = office.open_session(session, admin, app.deps.clock(), timedelta(hours=2))
    web = create_web_app(app, [], senders=False)
    transport = httpx.ASGITransport(app=web)
    timings: dict[str, list[float]] = {"dashboard": [], "map": [], "baseline": []}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", cookies={COOKIE: cookie}
    ) as http:
        paths = {
            "dashboard": f"/office/api/regions/{street_id}/dashboard",
            "map": f"/office/api/regions/{street_id}/map",
        }
        for path in paths.values():  # warm up: first queries plan and cache
            assert (await http.get(path)).status_code == 200
        for _ in range(rounds):
            for name, path in paths.items():
                start = time.perf_counter()
                got = await http.get(path)
                timings[name].append(time.perf_counter() - start)
                assert got.status_code == 200, got.text[:200]
            start = time.perf_counter()
            async with app.db.transaction() as session:
                await session.execute(text("SELECT count(*) FROM grid_reports"))
                await session.execute(text("SELECT count(*) FROM needs"))
            timings["baseline"].append(time.perf_counter() - start)
    return {name: round(p95(values), 2) for name, values in timings.items()}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, measure, return the figures."""
    items = 10_000 if args.quick else 100_000
    volunteers = 2_000 if args.quick else 20_000
    rounds = 10 if args.quick else 40
    settings = Settings(LINLI_LOG_LEVEL="WARNING", LINLI_PUBLIC_URL="http://bench")
    pg = args.pg or os.environ.get("TEST_DATABASE_URL")

    async def on(url: str) -> dict[str, float]:
        app = build(settings, database_url=url)
        try:
            await migrate.upgrade(app.db.engine)
            street = await seed(app, items, volunteers)
            fresh = await measure(app, street, rounds, 0)
            cached = await measure(app, street, rounds, 30)
            return fresh | {f"{k}_cached": v for k, v in cached.items() if k != "baseline"}
        finally:
            await app.close()

    if pg:
        async with pg_database(pg, f"bench_office_{os.getpid()}") as url:
            found = await on(url)
        engine = "pg"
    else:
        with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
            found = await on(f"sqlite+aiosqlite:///{Path(tmp) / 'office.db'}")
        engine = "sqlite"
    return {"engine": engine, "items": items, "volunteers": volunteers, **found}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--pg", default="", help="PostgreSQL URL (else TEST_DATABASE_URL)")
    args = parser.parse_args(argv)
    f = asyncio.run(run(args))
    base = f["baseline"] or 0.001
    print(
        f"office benchmark ({'quick' if args.quick else 'full'}, {f['engine']}: "
        f"{f['items']:,} reports and needs, {f['volunteers']:,} volunteers; the whole street)"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'figure':<32}{'p95 ms':>10}  {'× baseline':>10}  {'target':<8}ok")
    for key, name in (
        ("office_dashboard_p95_ms", "dashboard"),
        ("office_map_p95_ms", "map"),
        ("office_dashboard_cached_p95_ms", "dashboard_cached"),
        ("office_map_cached_p95_ms", "map_cached"),
    ):
        ok = f[name] <= TARGET_MS
        print(
            f"{key:<32}{f[name]:>10}  {f[name] / base:>10.1f}  ≤ {TARGET_MS:<6.0f}"
            f"{'yes' if ok else 'NO'}"
        )
    print(f"{'baseline: 2 × count(*)':<32}{base:>10}")
    suffix = "" if f["engine"] == "pg" else "_sqlite"
    merge(
        args.results,
        {
            f"office_dashboard_p95_ms{suffix}": f["dashboard"],
            f"office_map_p95_ms{suffix}": f["map"],
            f"office_dashboard_cached_p95_ms{suffix}": f["dashboard_cached"],
            f"office_map_cached_p95_ms{suffix}": f["map_cached"],
            f"office_count_baseline_p95_ms{suffix}": f["baseline"],
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
