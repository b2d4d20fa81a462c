"""Scratch PostgreSQL databases for benchmarks: created beside the given one, dropped after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import create_engine


async def _recreate(base_url: str, name: str, create: bool) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def pg_database(base_url: str, suffix: str) -> AsyncIterator[str]:
    """A fresh, empty database named `<base database>_<suffix>`; yields its URL."""
    name = f"{make_url(base_url).database or 'test'}_{suffix}"
    url = await _recreate(base_url, name, create=True)
    try:
        yield url
    finally:
        await _recreate(base_url, name, create=False)


async def create_pg_database(base_url: str, suffix: str) -> str:
    """For callers that cannot hold the context open (another process uses it): create now."""
    name = f"{make_url(base_url).database or 'test'}_{suffix}"
    return await _recreate(base_url, name, create=True)


async def drop_pg_database(base_url: str, suffix: str) -> None:
    """Drop a database made by `create_pg_database` with the same arguments."""
    await _recreate(base_url, f"{make_url(base_url).database or 'test'}_{suffix}", create=False)
