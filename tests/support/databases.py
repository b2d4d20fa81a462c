"""Fresh, migrated databases per test, on SQLite always and on PostgreSQL when configured."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import create_engine

PG_URL = os.environ.get("TEST_DATABASE_URL")


def engines() -> list[str]:
    """The engines the suite runs on."""
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def sqlite_template(
    directory: Path, seed: Callable[[AsyncEngine], Awaitable[None]] | None = None
) -> Path:
    """A migrated (and optionally seeded) SQLite file to copy for each test."""
    path = directory / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        if seed is not None:
            await seed(engine)
        await engine.dispose()

    asyncio.run(build())
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    """A URL of a fresh copy of the template."""
    target = directory / "linli.db"
    shutil.copy(template, target)
    return f"sqlite+aiosqlite:///{target}"


def _pg_named(name: str) -> str:
    assert PG_URL
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _pg_base_name() -> str:
    assert PG_URL
    return make_url(PG_URL).database or "test"


async def _pg_admin(*statements: str) -> None:
    """Run statements on the configured database outside a transaction (CREATE/DROP DATABASE)."""
    assert PG_URL
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


def pg_templates(seed: Callable[[AsyncEngine], Awaitable[None]]) -> tuple[str, str]:
    """Two template databases beside the configured one: migrated, and migrated plus seeded.

    Each test then gets a fresh copy (CREATE DATABASE … TEMPLATE), which is much faster than
    seeding the demo district again.
    """
    base = f"{_pg_base_name()}_linli_{os.getpid()}"  # runs in parallel don't share databases
    empty, seeded = f"{base}_empty", f"{base}_seeded"

    async def build() -> None:
        for name, seeder in ((empty, None), (seeded, seed)):
            await _pg_admin(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
            )
            engine = create_engine(_pg_named(name))
            await migrate.upgrade(engine)
            if seeder is not None:
                await seeder(engine)
            await engine.dispose()

    asyncio.run(build())
    return empty, seeded


async def pg_copy(template: str) -> str:
    """A URL of a fresh database copied from a template."""
    run = f"{_pg_base_name()}_linli_{os.getpid()}_run"
    await _pg_admin(
        f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)',
        f'CREATE DATABASE "{run}" TEMPLATE "{template}"',
    )
    return _pg_named(run)


def pg_drop_all() -> None:
    """Drop the databases this run created."""
    prefix = f"{_pg_base_name()}_linli_{os.getpid()}_"
    names = [prefix + suffix for suffix in ("empty", "seeded", "run")]
    asyncio.run(_pg_admin(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names)))


async def until_a_lock_wait(engine: AsyncEngine, polls: int = 6000) -> None:
    """Until some PostgreSQL backend waits for a lock (polled every 10 ms on another connection)."""
    for _ in range(polls):
        async with engine.connect() as conn:
            waiting = await conn.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("nothing ever waited for a lock")
