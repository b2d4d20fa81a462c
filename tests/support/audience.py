"""Many recipients at once, for crash tests and benchmarks: people, identities, a broadcast."""

from __future__ import annotations

import csv
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bot.bootstrap import App
from handlers.admin.seed import DEMO_DIR
from handlers.broadcasts import queue_broadcast
from storage.models import Broadcast, Identity, Person, Region
from storage.repos import regions

CHUNK = 20_000


async def seed_recipients(
    app: App, count: int, *, channel: str = "webhook", code: str = "BENCH", english_every: int = 10
) -> Region:
    """`count` registered people living in a community `code`, each with one identity."""
    now = app.deps.clock()
    async with app.db.transaction() as session:
        region = await regions.by_code(session, code)
        if region is None:
            region = await regions.add(
                session, code=code, level="community", name="测试社区", parent=None
            )
        base = int(await session.scalar(select(func.max(Person.id))) or 0)
        for start in range(0, count, CHUNK):
            ids = range(base + start + 1, base + min(start + CHUNK, count) + 1)
            await session.execute(
                insert(Person),
                [
                    {
                        "id": pid,
                        "display_name": f"居民{pid}",
                        "lang": "en" if english_every and pid % english_every == 0 else "zh_CN",
                        "home_region_id": region.id,
                        "consent_version": app.settings.policy_version,
                        "created_at": now,
                    }
                    for pid in ids
                ],
            )
            await session.execute(
                insert(Identity),
                [
                    {
                        "person_id": pid,
                        "channel": channel,
                        "external_id": f"{channel}-{pid}",
                        "created_at": now,
                    }
                    for pid in ids
                ],
            )
        if app.db.dialect == "postgresql":  # explicit ids leave the sequence behind
            await session.execute(
                text("SELECT setval(pg_get_serial_sequence('persons', 'id'), max(id)) FROM persons")
            )
    async with app.db.transaction() as session:
        # Fresh statistics, as a live database has them (autovacuum): without them PostgreSQL
        # plans the audience query for empty tables.
        await session.execute(text("ANALYZE"))
    return region


async def queue_notice(
    app: App, region: Region, body: str, *, now: datetime | None = None
) -> tuple[int, int, float]:
    """Write a broadcast to everyone in `region` the way /broadcast does, timed.

    Returns (broadcast id, rows written, seconds for the transaction that wrote them).
    """
    now = now or app.deps.clock()
    started = time.perf_counter()
    async with app.db.transaction() as session:
        broadcast = Broadcast(
            author_id=None,
            region_id=region.id,
            audience={"roles": ["everyone"]},
            text=body,
            status="queued",
            created_at=now,
            recipients=0,
        )
        session.add(broadcast)
        await session.flush()
        written = await queue_broadcast(session, app.deps, broadcast, now)
    return broadcast.id, written, time.perf_counter() - started


def _rows(kind: str) -> list[dict[str, str]]:
    with Path(DEMO_DIR, f"{kind}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def demo_audience(
    prefix: str, role: str, skills: tuple[str, ...] = (), lang: str | None = None
) -> int:
    """The audience size worked out from the demo tables, independently of the SQL."""
    return len(demo_audience_names(prefix, role, skills, lang))


def demo_audience_names(
    prefix: str, role: str, skills: tuple[str, ...] = (), lang: str | None = None
) -> list[str]:
    """Who the audience is, by name (each demo person's console id), from the demo tables."""

    def speaks(row: dict[str, str]) -> bool:
        return lang is None or (row.get("lang") or "zh").startswith(lang[:2])

    volunteers = [r for r in _rows("volunteers") if r["home_region_code"].startswith(prefix)]
    if role == "volunteers":
        return [
            r["name"]
            for r in volunteers
            if speaks(r) and (not skills or set(skills) & set(r["skills"].split(";")))
        ]
    if role in ("organizers", "grid_workers"):
        wanted = role[:-1] if role == "organizers" else "grid_worker"
        return [
            r["name"]
            for r in _rows("staff")
            if r["role"] == wanted and r["region_code"].startswith(prefix) and speaks(r)
        ]
    people = [(r["name"], r["home_region_code"]) for r in volunteers if speaks(r)]
    people += [(r["name"], r["home_region_code"]) for r in _rows("residents") if speaks(r)]
    people += [(r["name"], r["region_code"]) for r in _rows("staff") if speaks(r)]
    return [name for name, code in people if code.startswith(prefix)]
