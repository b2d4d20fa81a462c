"""Alembic environment: on a connection we pass in, or (the CLI) on DATABASE_URL or the default."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import create_engine, default_url
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_configure)
    await engine.dispose()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or _cli_url(),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over the connection in `config.attributes`, else over DATABASE_URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    asyncio.run(_run_from_url(_cli_url()))


def _cli_url() -> str:
    """For the bare alembic CLI: DATABASE_URL, else the default SQLite file in LINLI_DATA_DIR."""
    return os.environ.get("DATABASE_URL") or default_url(
        Path(os.environ.get("LINLI_DATA_DIR", "data"))
    )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
