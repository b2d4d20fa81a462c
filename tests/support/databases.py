"""Fresh, migrated databases per test, on SQLite always and on PostgreSQL when configured."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
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
    directory: Path,
    seed: Callable[[AsyncEngine], Awaitable[None]] | None = None,
    migrated: Path | None = None,
) -> Path:
    """A migrated (and optionally seeded) SQLite file to copy for each test (starting from a copy
    of the `migrated` one, when given, instead of running the migrations again)."""
    path = directory / "template.db"
    if migrated is not None:
        shutil.copy(migrated, path)

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)  # nothing to do on a migrated copy
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
        await _pg_admin(
            f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)', f'CREATE DATABASE "{empty}"'
        )
        engine = create_engine(_pg_named(empty))
        await migrate.upgrade(engine)
        await engine.dispose()
        # the seeded one starts as a copy of the migrated one (no second run of the migrations)
        await _pg_admin(
            f'DROP DATABASE IF EXISTS "{seeded}" WITH (FORCE)',
            f'CREATE DATABASE "{seeded}" TEMPLATE "{empty}"',
        )
        engine = create_engine(_pg_named(seeded))
        await seed(engine)
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


# The shape of the public schema: relations with their columns in order, constraints, functions,
# triggers and types, by name. A test that left it otherwise (a migration test stopped half way)
# gets its database copied again instead of reset.
_SHAPE = """
SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
  SELECT 'rel:' || c.relname || ':' || c.relkind::text || ':' || coalesce((
      SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ' '
                        ORDER BY a.attnum)
      FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    ), '') AS x
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'con:' || conname || ':' || contype::text
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'fn:' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'tg:' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
  UNION ALL SELECT 'ty:' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace
  UNION ALL SELECT 'ns:' || nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%temp\\_%'
) shape
"""


@dataclass(frozen=True)
class _Snapshot:
    """A template database's rows (binary COPY), sequence positions and schema shape."""

    tables: tuple[str, ...]
    rows: dict[str, bytes]
    sequences: dict[str, tuple[int, bool]]
    shape: str


_snapshots: dict[str, _Snapshot] = {}
_run_shape: list[str] = []  # the run database's shape when it was last copied ([] before that)


def _dsn(name: str) -> str:
    return make_url(_pg_named(name)).set(drivername="postgresql").render_as_string(False)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _snapshot(template: str) -> _Snapshot:
    if template in _snapshots:
        return _snapshots[template]
    conn = await asyncpg.connect(_dsn(template))
    try:
        tables = tuple(
            r[0]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        )
        rows: dict[str, bytes] = {}
        for table in tables:
            if await conn.fetchval(f"SELECT EXISTS (SELECT FROM {_q(table)})"):
                out = io.BytesIO()
                await conn.copy_from_table(table, output=out, format="binary")
                rows[table] = out.getvalue()
        sequences: dict[str, tuple[int, bool]] = {}
        for (name,) in await conn.fetch(
            "SELECT relname FROM pg_class WHERE relkind = 'S'"
            " AND relnamespace = 'public'::regnamespace"
        ):
            seq = await conn.fetchrow(f"SELECT last_value, is_called FROM {_q(name)}")
            sequences[name] = (int(seq["last_value"]), bool(seq["is_called"]))
        shape = str(await conn.fetchval(_SHAPE))
    finally:
        await conn.close()
    _snapshots[template] = snap = _Snapshot(tables, rows, sequences, shape)
    return snap


async def pg_fresh(template: str) -> str:
    """A URL of this process's test database holding exactly what `template` holds.

    The first time it is copied from the template (CREATE DATABASE … TEMPLATE, a second or more
    on a busy machine); after that it is reset in place: the other connections to it ended (as
    DROP DATABASE … WITH (FORCE) would), every table emptied and filled again with the template's
    rows, every sequence set back. A test database whose schema a test changed is copied again.
    """
    snap = await _snapshot(template)
    run = f"{_pg_base_name()}_linli_{os.getpid()}_run"
    if _run_shape == [snap.shape] and await _reset(run, snap):
        return _pg_named(run)
    url = await pg_copy(template)
    _run_shape[:] = [snap.shape]
    return url


async def _reset(run: str, snap: _Snapshot) -> bool:
    conn = await asyncpg.connect(_dsn(run))
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        if await conn.fetchval(_SHAPE) != snap.shape:
            return False
        # Emptied by TRUNCATE (new, empty files, as in a fresh copy: DELETE would leave dead rows
        # behind and with them other query plans): the tables the template has rows in, and those
        # written since (an empty table has no pages; a row written, even rolled back, makes one).
        written = await conn.fetch(
            "SELECT t FROM unnest($1::text[]) t WHERE pg_relation_size(quote_ident(t)) > 0",
            list(snap.tables),
        )
        emptied = sorted(set(snap.rows) | {r[0] for r in written})
        async with conn.transaction():
            # rows go back as they were; no foreign-key (or other) trigger fires for them
            try:
                await conn.execute("SET LOCAL session_replication_role = replica")
            except asyncpg.InsufficientPrivilegeError:  # not a superuser: copy as before
                return False
            # CASCADE names the empty tables that refer to these too
            await conn.execute(f"TRUNCATE {', '.join(_q(t) for t in emptied)} CASCADE")
            for table, data in snap.rows.items():
                await conn.copy_to_table(table, source=io.BytesIO(data), format="binary")
            for name, (value, called) in snap.sequences.items():
                await conn.execute("SELECT setval($1::regclass, $2, $3)", _q(name), value, called)
    finally:
        await conn.close()
    return True


def pg_drop_all() -> None:
    """Drop the databases this run created."""
    prefix = f"{_pg_base_name()}_linli_{os.getpid()}_"
    names = [prefix + suffix for suffix in ("empty", "seeded", "run")]
    asyncio.run(_pg_admin(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names)))


async def until_a_lock_wait(
    engine: AsyncEngine, relation: str | None = None, polls: int = 6000
) -> None:
    """Until a backend of this database waits for a lock (on `relation`, if given), polled every
    10 ms on another connection. Other databases are left out: tests running in parallel
    (pytest-xdist) wait for locks of their own."""
    query = (
        "SELECT count(*) FROM pg_stat_activity a"
        " WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'"
    )
    if relation is not None:
        query += (
            " AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted"
            " AND l.relation = CAST(:relation AS regclass))"
        )
    params = {} if relation is None else {"relation": relation}
    for _ in range(polls):
        async with engine.connect() as conn:
            waiting = await conn.scalar(text(query), params)
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("nothing ever waited for a lock")
