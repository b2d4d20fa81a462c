"""What the `linli` commands share: the command groups, running a job on the app, messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import typer

from bot import loop
from bot.bootstrap import App, build
from bot.settings import Settings, get_settings

app = typer.Typer(
    help="Linli (邻里): community mobilization and volunteer matching.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema and maintenance.", no_args_is_help=True)
admin_app = typer.Typer(
    help="Administration: imports, roles, invite codes, demo data.", no_args_is_help=True
)
broadcast_app = typer.Typer(help="Broadcasts (notices): progress.", no_args_is_help=True)
report_app = typer.Typer(help="Reports for the community office.", no_args_is_help=True)
wechat_app = typer.Typer(help="WeChat official account tools.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.add_typer(wechat_app, name="wechat")
admin_app.add_typer(broadcast_app, name="broadcast")
admin_app.add_typer(report_app, name="report")


def run_app(work: Callable[[App], Awaitable[Any]], settings: Settings | None = None) -> Any:
    """Build the app, run `work` on it, close it."""

    async def main() -> Any:
        await _database_or_exit((settings or get_settings()).effective_database_url)
        application = build(settings)
        try:
            return await work(application)
        finally:
            await application.close()

    return loop.run(main())


async def _database_or_exit(url: str) -> None:
    """A bad or unreachable DATABASE_URL: one line saying so (no password, no traceback), exit 2."""
    from storage.db import probe

    database_problem(url, await probe(url))


def database_problem(url: str, problem: str | None) -> None:
    """Say what is wrong with the database in one line and exit 2 (nothing if `problem` is None)."""
    from storage.db import shown_url

    if problem is not None:
        typer.echo(translate("ops.db_unreachable", url=shown_url(url), reason=problem), err=True)
        raise typer.Exit(2)


def translate(key: str, **params: Any) -> str:
    """A catalog message in the deployment's language."""
    from handlers.core.i18n import Translator

    settings = get_settings()
    return Translator(tz=settings.tz).translate(settings.lang, key, **params)


def admin_action(work: Callable[[App], Awaitable[Any]]) -> Any:
    """`run_app`, with a refusal (UserError) said in the deployment's language, exit status 1."""
    from handlers.core.errors import UserError

    try:
        return run_app(work)
    except UserError as exc:
        typer.echo(translate(exc.key, **exc.params), err=True)
        raise typer.Exit(1) from exc
