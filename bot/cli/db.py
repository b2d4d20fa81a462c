"""`linli db`: schema upgrades, the current revision, SQLite backup and restore."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.bootstrap import App
from bot.cli.common import (
    database_problem,
    db_app,
    run_app,
    translate,
)
from bot.settings import get_settings
from storage.db import unparsable


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or upgrade the database schema (Alembic)."""
    from storage import migrate

    async def work(application: App) -> None:
        await migrate.upgrade(application.db.engine, revision)
        typer.echo(f"database at {await migrate.current_revision(application.db.engine)}")

    run_app(work)


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one shipped."""
    from storage import migrate

    async def work(application: App) -> None:
        typer.echo(f"database: {await migrate.current_revision(application.db.engine)}")
        typer.echo(f"code:     {migrate.head_revision()}")

    run_app(work)


def _refuse_non_sqlite() -> None:
    from bot.operations import PG_BACKUP, PG_RESTORE

    typer.echo(translate("ops.not_sqlite", backup=PG_BACKUP, restore=PG_RESTORE), err=True)
    raise typer.Exit(2)


@db_app.command("backup")
def db_backup(
    path: Path = typer.Argument(
        None, dir_okay=False, help="Backup file (default: data/backups/linli-<UTC time>.db)."
    ),
) -> None:
    """Copy the SQLite database to PATH while the bot keeps running (online backup API)."""
    from datetime import UTC, datetime

    from bot import operations

    settings = get_settings()
    database_problem(settings.effective_database_url, unparsable(settings.effective_database_url))
    target = path or operations.default_backup_path(settings.data_dir, datetime.now(UTC))
    try:
        operations.backup(settings.effective_database_url, target)
    except operations.NotSqlite:
        _refuse_non_sqlite()
    typer.echo(translate("ops.backup_done", path=str(target)))


@db_app.command("restore")
def db_restore(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A backup file."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the SQLite database with a backup (stop serve and worker first)."""
    from datetime import UTC, datetime

    from bot import operations

    settings = get_settings()
    database_problem(settings.effective_database_url, unparsable(settings.effective_database_url))
    try:
        operations.sqlite_path(settings.effective_database_url)
        revision = operations.schema_revision(path)
    except operations.NotSqlite:
        _refuse_non_sqlite()
    except operations.NotABackup as exc:
        typer.echo(translate("ops.not_a_backup", path=str(path)), err=True)
        raise typer.Exit(1) from exc
    if not yes:
        typer.confirm(translate("ops.restore_confirm", path=str(path)), abort=True)
    aside = operations.default_backup_path(settings.data_dir, datetime.now(UTC))
    aside = aside.with_name("pre-restore-" + aside.name)
    operations.restore(settings.effective_database_url, path, aside)
    typer.echo(translate("ops.restored", path=str(path), revision=revision, aside=str(aside)))
