"""Migrations: the stairway (up, down, up for every revision) and models in step with them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage import migrate
from storage.db import create_engine
from storage.models import Base


async def _empty_engine(db_url: str):
    engine = create_engine(db_url)
    await migrate.downgrade(engine, "base")
    return engine


async def test_stairway(db_url: str) -> None:
    engine = await _empty_engine(db_url)
    try:
        revisions = migrate.revisions()
        assert revisions, "no migrations found"
        previous = "base"
        for revision in revisions:
            await migrate.upgrade(engine, revision)
            await migrate.downgrade(engine, previous)
            await migrate.upgrade(engine, revision)
            assert await migrate.current_revision(engine) == revision
            previous = revision
        assert previous == migrate.head_revision()
    finally:
        await migrate.upgrade(engine, "head")
        await engine.dispose()


async def test_downgrade_to_base_drops_every_table(db_url: str) -> None:
    engine = await _empty_engine(db_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert not (tables & set(Base.metadata.tables))
    finally:
        await migrate.upgrade(engine, "head")
        await engine.dispose()


async def test_models_match_the_migrations(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
        assert diff == [], (
            "models changed without a migration: run `alembic revision --autogenerate`"
        )
    finally:
        await engine.dispose()
