"""Tests of the `linli` command line: the demo district seeded in the test's own process.

A `linli admin seed-demo` process costs seconds (start-up, migrations); a test about another
command seeds here instead and keeps the process for the command it is about. One test runs the
seeding command itself (tests/e2e/test_cli.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from handlers.admin.seed import seed_demo
from storage import migrate
from storage.db import create_engine, default_url
from storage.models import utcnow
from tests.support import databases


def seed_data_dir(data_dir: Path, migrated: Path) -> None:
    """What `linli admin seed-demo` does to the SQLite database of a data directory (where a
    `linli` process with LINLI_DATA_DIR=data_dir and no DATABASE_URL finds it): migrations — a
    copy of the migrated template — then the demo district as of the machine's clock."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = databases.sqlite_copy(migrated, data_dir)
    assert url == default_url(data_dir)
    asyncio.run(_seed(url))


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)  # nothing to do on the template's copy, as in the command
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            reports = await seed_demo(session, utcnow(), Settings().policy_version)
        assert all(not r.errors for r in reports), [r.errors for r in reports]
    finally:
        await engine.dispose()
