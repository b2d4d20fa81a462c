"""`linli demo`, `linli chat` and `linli wechat menu`."""

from __future__ import annotations

import asyncio

import typer

from bot.bootstrap import App
from bot.cli.common import (
    app,
    run_app,
    wechat_app,
)
from bot.settings import get_settings


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
        files = application.settings.console_files or application.settings.data_dir / "files"
        await Console(application, files=files).run(stdin_lines(), user)

    # The operator's own terminal: a piped script may send lines faster than any person, and the
    # flood guard is there against runaway clients on the networked channels.
    run_app(work, get_settings().model_copy(update={"flood_messages": 1_000_000}))


@wechat_app.command("menu")
def wechat_menu() -> None:
    """Publish the custom menu whose CLICK keys start the main flows."""
    from bot.channels.wechat import publish_menu

    run_app(publish_menu)
