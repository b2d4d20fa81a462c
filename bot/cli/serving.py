"""`linli serve`, `linli run` and `linli worker`: the long-running processes."""

from __future__ import annotations

import asyncio
import math

import typer

from bot.bootstrap import App
from bot.cli.common import (
    app,
    run_app,
)
from bot.settings import get_settings


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8080, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (use PostgreSQL when > 1)."),
    set_webhook: str = typer.Option(
        "", help="Register this public URL (ending in /telegram) with Telegram, then exit."
    ),
    senders: bool | None = typer.Option(
        None, help="Drain the outbox here too (default: LINLI_SERVE_SENDERS, true)."
    ),
    sweeps: bool | None = typer.Option(
        None, help="Run the scheduled sweeps here too (default: LINLI_SERVE_SWEEPS, true)."
    ),
) -> None:
    """Serve the webhooks (/telegram, /wechat), /livez and /healthz; senders drain the outbox."""
    import os

    # The uvicorn workers build the app from the settings: the switches travel as settings.
    for name, value in (("LINLI_SERVE_SENDERS", senders), ("LINLI_SERVE_SWEEPS", sweeps)):
        if value is not None:
            os.environ[name] = "true" if value else "false"
    get_settings.cache_clear()
    if set_webhook:
        from bot.channels.telegram import set_webhook as register

        run_app(lambda application: register(application, set_webhook))
        return
    import uvicorn

    from storage import migrate

    _server_logs()
    if workers > 1:
        _shared_metrics_dir()
    run_app(lambda application: migrate.upgrade(application.db.engine))
    settings = get_settings()
    uvicorn.run(
        "bot.web:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # SIGTERM: requests in progress get LINLI_STOP_SECONDS, then the lifespan's shutdown
        # (a running sweep gets as long again); see docs/deployment.md.
        timeout_graceful_shutdown=math.ceil(settings.stop_s),
        # A worker importing and warming up on a busy host answers the supervisor's ping late:
        # it is not hung, so it is not killed and restarted in a loop.
        timeout_worker_healthcheck=30,
        log_level=settings.log_level.lower(),
        # The client address is the connection's: a forwarded header is believed only where
        # configured (LINLI_OFFICE_CLIENT_IP_HEADER), not by uvicorn for every proxy on localhost.
        proxy_headers=False,
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
    from handlers.warmup import warm_up

    _server_logs()

    async def poll(application: App) -> None:
        await warm_up(application.deps)  # before the first update is fetched
        await run_polling(application)

    run_app(poll)


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
    from handlers.warmup import warm_up
    from storage import migrate

    _server_logs()

    async def work(application: App) -> None:
        await migrate.upgrade(application.db.engine)
        await warm_up(application.deps)  # the sweeps match needs to volunteers (jieba)
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

    run_app(work)
