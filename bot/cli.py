"""The `linli` command line: demo, chat, database and administration."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import typer

from bot.bootstrap import App, build
from bot.settings import Settings, get_settings

app = typer.Typer(
    help="Linli (邻里): community mobilization and volunteer matching.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema and maintenance.", no_args_is_help=True)
admin_app = typer.Typer(
    help="Administration: imports, roles, invite codes, demo data.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")


def _run(work: Callable[[App], Awaitable[Any]], settings: Settings | None = None) -> Any:
    async def main() -> Any:
        application = build(settings)
        try:
            return await work(application)
        finally:
            await application.close()

    return asyncio.run(main())


@app.command()
def demo(lang: str = typer.Option("zh_CN", help="Language of the demo: zh_CN or en.")) -> None:
    """Run the scripted demo on a fresh database and print the transcript."""
    from bot.demo import run_demo

    asyncio.run(run_demo(lang))


@app.command()
def chat(
    user: str = typer.Option("居民", help="Who you are speaking as; '@name text' switches."),
) -> None:
    """Chat with the bot in the terminal (reads stdin line by line, so scripts can be piped in)."""
    from bot.console import Console, stdin_lines
    from storage import migrate

    async def work(application: App) -> None:
        await migrate.upgrade(application.db.engine)
        await Console(application).run(stdin_lines(), user)

    # The operator's own terminal: a piped script may send lines faster than any person, and the
    # flood guard is there against runaway clients on the networked channels.
    _run(work, get_settings().model_copy(update={"flood_messages": 1_000_000}))


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or upgrade the database schema (Alembic)."""
    from storage import migrate

    async def work(application: App) -> None:
        await migrate.upgrade(application.db.engine, revision)
        typer.echo(f"database at {await migrate.current_revision(application.db.engine)}")

    _run(work)


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one shipped."""
    from storage import migrate

    async def work(application: App) -> None:
        typer.echo(f"database: {await migrate.current_revision(application.db.engine)}")
        typer.echo(f"code:     {migrate.head_revision()}")

    _run(work)


def _refuse_non_sqlite() -> None:
    from bot.operations import PG_BACKUP, PG_RESTORE

    typer.echo(_translate("ops.not_sqlite", backup=PG_BACKUP, restore=PG_RESTORE), err=True)
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
    target = path or operations.default_backup_path(settings.data_dir, datetime.now(UTC))
    try:
        operations.backup(settings.effective_database_url, target)
    except operations.NotSqlite:
        _refuse_non_sqlite()
    typer.echo(_translate("ops.backup_done", path=str(target)))


@db_app.command("restore")
def db_restore(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A backup file."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the SQLite database with a backup (stop serve and worker first)."""
    from datetime import UTC, datetime

    from bot import operations

    settings = get_settings()
    try:
        operations.sqlite_path(settings.effective_database_url)
        revision = operations.schema_revision(path)
    except operations.NotSqlite:
        _refuse_non_sqlite()
    except operations.NotABackup as exc:
        typer.echo(_translate("ops.not_a_backup", path=str(path)), err=True)
        raise typer.Exit(1) from exc
    if not yes:
        typer.confirm(_translate("ops.restore_confirm", path=str(path)), abort=True)
    aside = operations.default_backup_path(settings.data_dir, datetime.now(UTC))
    aside = aside.with_name("pre-restore-" + aside.name)
    operations.restore(settings.effective_database_url, path, aside)
    typer.echo(_translate("ops.restored", path=str(path), revision=revision, aside=str(aside)))


def _translate(key: str, **params: Any) -> str:
    from handlers.core.i18n import Translator

    settings = get_settings()
    return Translator(tz=settings.tz).translate(settings.lang, key, **params)


@admin_app.command("import")
def admin_import(
    kind: str = typer.Argument(
        ..., help="regions, catalog, organizations, volunteers, staff or residents."
    ),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file."),
) -> None:
    """Import a table; bad rows are reported by line number and the good rows kept."""
    from handlers.admin.imports import COLUMNS, import_rows
    from handlers.admin.tables import TableError, read_rows

    if kind not in COLUMNS:
        raise typer.BadParameter(f"choose one of: {', '.join(COLUMNS)}", param_hint="KIND")

    async def work(application: App) -> int:
        from storage import migrate

        await migrate.upgrade(application.db.engine)
        async with application.db.transaction() as session:
            report = await import_rows(
                session, kind, read_rows(path, COLUMNS[kind]), application.deps.clock()
            )
        for line, key, params in report.errors:
            typer.echo(
                _translate("import.row_error", line=line, reason=_translate(key, **params)),
                err=True,
            )
        typer.echo(
            _translate(
                "import.summary", kind=kind, imported=report.imported, failed=len(report.errors)
            )
        )
        return len(report.errors)

    try:
        failed = _run(work)
    except TableError as exc:
        typer.echo(_translate("import.file_error", reason=str(exc)), err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(1 if failed else 0)


def _admin_action(work: Callable[[App], Awaitable[Any]]) -> Any:
    from handlers.core.errors import UserError

    try:
        return _run(work)
    except UserError as exc:
        typer.echo(_translate(exc.key, **exc.params), err=True)
        raise typer.Exit(1) from exc


@admin_app.command("grant")
def admin_grant(
    person: str = typer.Argument(..., help="Person id, or channel:id such as telegram:12345."),
    role: str = typer.Argument(..., help="admin, organizer or grid_worker."),
    region: str = typer.Argument(..., help="Region code the role covers (its whole subtree)."),
) -> None:
    """Grant a role over a region subtree."""
    from handlers.admin import roles

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            await roles.grant(session, person, role, region, application.deps.clock())
        typer.echo(_translate("admin.granted", person=person, role=role, region=region))

    _admin_action(work)


@admin_app.command("revoke")
def admin_revoke(
    person: str = typer.Argument(..., help="Person id, or channel:id."),
    role: str = typer.Argument(..., help="The role to take away."),
    region: str = typer.Argument(..., help="Region code of the grant."),
) -> None:
    """Revoke a role over a region."""
    from handlers.admin import roles

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            count = await roles.revoke(session, person, role, region, application.deps.clock())
        typer.echo(_translate("admin.revoked", count=count))

    _admin_action(work)


@admin_app.command("invite")
def admin_invite(
    role: str = typer.Argument(..., help="admin, organizer or grid_worker."),
    region: str = typer.Argument(..., help="Region code the role will cover."),
    count: int = typer.Option(1, min=1, max=500, help="How many single-use codes."),
    days: int = typer.Option(14, min=1, max=365, help="Days until the codes expire."),
) -> None:
    """Create single-use invite codes; the holder redeems one at /start."""
    from handlers.admin import roles

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            codes = await roles.create_invites(
                session, role, region, application.deps.clock(), count=count, valid_days=days
            )
        for code in codes:
            typer.echo(code)

    _admin_action(work)


@admin_app.command("seed-demo")
def admin_seed_demo() -> None:
    """Load the demo district (劲松街道) into the configured database, without running the demo."""
    from handlers.admin.seed import seed_demo
    from storage import migrate

    async def work(application: App) -> None:
        await migrate.upgrade(application.db.engine)
        async with application.db.transaction() as session:
            reports = await seed_demo(
                session, application.deps.clock(), application.settings.policy_version
            )
        for report in reports:
            typer.echo(
                _translate(
                    "import.summary",
                    kind=report.kind,
                    imported=report.imported,
                    failed=len(report.errors),
                )
            )

    _run(work)


@admin_app.command("audit")
def admin_audit(
    limit: int = typer.Option(50, min=1, max=100_000, help="How many entries, newest first."),
    action: list[str] = typer.Option(
        [], "--action", help="Only this action (repeatable); 'role.' means every role.* action."
    ),
) -> None:
    """List the audit log of privileged actions (role grants, broadcasts, decisions, exports)."""
    from zoneinfo import ZoneInfo

    from rich import box
    from rich.console import Console as TableConsole
    from rich.table import Table

    from bot.operations import audit_rows

    async def work(application: App) -> Any:
        async with application.db.transaction() as session:
            return await audit_rows(session, limit=limit, actions=action)

    rows = _run(work)
    tz = ZoneInfo(get_settings().tz)
    headers = ("id", "time", "actor", "action", "target", "details")
    table = Table(*headers, box=box.SIMPLE, title=_translate("ops.audit_title"))
    for row in rows:
        at = row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        table.add_row(str(row.id), at, row.actor, row.action, row.target, row.details)
    TableConsole(width=200, color_system=None, markup=False, highlight=False).print(table)


@admin_app.command("export")
def admin_export(
    kind: str = typer.Argument(..., help="proposals, needs, reports or records."),
    fmt: str = typer.Option("csv", "--format", help="csv, xlsx or json."),
    out: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
    region: str = typer.Option("", help="Only this region's subtree (a region code)."),
) -> None:
    """Export items for the community office (audited)."""
    from handlers.admin.exports import EXPORTERS, FORMATS, exporter, write
    from storage.repos import audit
    from storage.repos import regions as region_repo

    if kind not in EXPORTERS:
        raise typer.BadParameter(f"choose one of: {', '.join(EXPORTERS)}", param_hint="KIND")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of: {', '.join(FORMATS)}", param_hint="--format")

    async def work(application: App) -> bytes:
        async with application.db.transaction() as session:
            scope = await region_repo.by_code(session, region) if region else None
            if region and scope is None:
                from handlers.core.errors import UserError

                raise UserError("admin.no_region", code=region)
            rows = await exporter(kind)(session, scope)
            audit.record(
                session,
                actor_id=None,
                action="export",
                target=kind,
                now=application.deps.clock(),
                region=region,
                rows=len(rows),
                format=fmt,
            )
            return write(rows, fmt)

    data = _admin_action(work)
    if out is None:
        import sys

        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8080, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (use PostgreSQL when > 1)."),
    set_webhook: str = typer.Option(
        "", help="Register this public URL (ending in /telegram) with Telegram, then exit."
    ),
) -> None:
    """Serve the webhooks (/telegram, /wechat) and /healthz; senders drain the outbox."""
    if set_webhook:
        from bot.channels.telegram import set_webhook as register

        _run(lambda application: register(application, set_webhook))
        return
    import uvicorn

    from storage import migrate

    _server_logs()
    if workers > 1:
        _shared_metrics_dir()
    _run(lambda application: migrate.upgrade(application.db.engine))
    uvicorn.run(
        "bot.web:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=get_settings().log_level.lower(),
        log_config=None,  # uvicorn's records go through ours (bot/logs.py)
    )


def _server_logs() -> None:
    """Servers log JSON lines unless LINLI_LOG_FORMAT says otherwise (read before the settings)."""
    import os

    os.environ.setdefault("LINLI_LOG_FORMAT", "json")


def _shared_metrics_dir() -> None:
    """Several workers sum their metrics through files (prometheus_client multiprocess mode)."""
    import os
    import shutil

    from bot.metrics import MULTIPROC_ENV

    if os.environ.get(MULTIPROC_ENV):
        return
    directory = get_settings().data_dir / "metrics"
    shutil.rmtree(directory, ignore_errors=True)  # figures of an earlier run are stale
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory.resolve())


@app.command()
def run() -> None:
    """Run the Telegram bot with long polling (a laptop or a single server); Ctrl-C stops it."""
    from bot.channels.telegram import run_polling

    _server_logs()
    _run(run_polling)


@app.command()
def worker(
    sweeps: bool = typer.Option(True, help="Run the scheduled sweeps (due jobs, digests)."),
    senders: bool = typer.Option(True, help="Drain the outbox of every configured channel."),
) -> None:
    """Run the sweeps and the outbox senders without a web server; Ctrl-C or SIGTERM stops it.

    Any number of workers (and `linli serve` processes) may run at once: due jobs and outbox
    rows are claimed atomically, so none is done twice and a restart catches up.
    """
    import signal

    from bot.channels.registry import configured_channels
    from bot.scheduler import run_worker
    from storage import migrate

    _server_logs()

    async def work(application: App) -> None:
        await migrate.upgrade(application.db.engine)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(
            application,
            configured_channels(application),
            stop,
            scheduler=sweeps,
            senders=senders,
        )

    _run(work)


broadcast_app = typer.Typer(help="Broadcasts (notices): progress.", no_args_is_help=True)
admin_app.add_typer(broadcast_app, name="broadcast")


@broadcast_app.command("status")
def broadcast_status(broadcast_id: int = typer.Argument(..., help="The notice number.")) -> None:
    """Show a broadcast's progress: sent, blocked, failed, held (WeChat window), pending."""
    from handlers.broadcasts import describe
    from handlers.core.errors import UserError
    from storage.repos import broadcasts

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            found = await broadcasts.get(session, broadcast_id)
            if found is None:
                raise UserError("broadcasts.not_found", id=broadcast_id)
            counts = await broadcasts.progress(session, broadcast_id)
        typer.echo(describe(application.deps, application.settings.lang, found, counts))

    _admin_action(work)


report_app = typer.Typer(help="Reports for the community office.", no_args_is_help=True)
admin_app.add_typer(report_app, name="report")


@report_app.command("1710")
def report_1710(
    region: str = typer.Option("", help="Only communities in this region's subtree (a code)."),
) -> None:
    """Per community: social organizations by tier against the "1710" target (1 + 7 + 10)."""
    from rich import box
    from rich.console import Console as TableConsole
    from rich.table import Table

    from handlers.core.errors import UserError
    from handlers.organizations import report_1710 as rows_1710
    from handlers.organizations import table_1710
    from storage.repos import regions as region_repo

    async def work(application: App) -> Any:
        async with application.db.transaction() as session:
            scope = await region_repo.by_code(session, region) if region else None
            if region and scope is None:
                raise UserError("admin.no_region", code=region)
            return await rows_1710(session, scope)

    rows = _admin_action(work)
    headers, cells = table_1710(_translate, rows)
    table = Table(*headers, box=box.SIMPLE, title=_translate("orgs.report.title"))
    for cell in cells:
        table.add_row(*cell)
    TableConsole(width=160, color_system=None, markup=False, highlight=False).print(table)
    met = sum(1 for row in rows if row.met)
    typer.echo(_translate("orgs.report.summary", met=met, total=len(rows)))


wechat_app = typer.Typer(help="WeChat official account tools.", no_args_is_help=True)
app.add_typer(wechat_app, name="wechat")


@wechat_app.command("menu")
def wechat_menu() -> None:
    """Publish the custom menu whose CLICK keys start the main flows."""
    from bot.channels.wechat import publish_menu

    _run(publish_menu)


def main() -> None:
    """Console-script entry point."""
    app()
