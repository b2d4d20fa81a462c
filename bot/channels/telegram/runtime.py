"""Running the Telegram channel: the webhook inside `linli serve`, long polling for `linli run`."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import signal
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, BotCommand, Update
from telegram.ext import Application

from bot.bootstrap import App, settle_heap
from bot.channels import ChannelError
from bot.channels.shared import read_capped
from bot.channels.telegram.adapter import TelegramAdapter
from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.mapping import ALLOWED_UPDATES, CHANNEL
from bot.channels.telegram.photos import TelegramPhotos
from bot.channels.telegram.polling import UpdatePoller
from bot.channels.telegram.rendering import in_webhook_response
from bot.channels.telegram.transport import LIMITS, BotApi, TelegramTransport
from bot.sender import Limits, OutboxSender, Transport
from bot.settings import Settings
from handlers.core.i18n import N_
from handlers.routes import build_routes
from storage.db import is_unavailable

log = logging.getLogger(__name__)
PtbApp = Application[Any, Any, Any, Any, Any, Any]

WEBHOOK_PATH = "/telegram"
MAX_BODY = 1 << 20  # updates are a few kB; anything near this is not from Telegram
SECRET_HEADER = "x-telegram-bot-api-secret-token"
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
# Telegram's command menu, in this order: everyday commands for everyone (role-specific ones are in
# /help). A command is listed only while handlers/routes.py serves it ("cancel" always is).
MENU = (
    ("start", N_("telegram.cmd.start")),
    ("help", N_("telegram.cmd.help")),
    ("propose", N_("telegram.cmd.propose")),
    ("proposals", N_("telegram.cmd.proposals")),
    ("need", N_("telegram.cmd.need")),
    ("needs", N_("telegram.cmd.needs")),
    ("report", N_("telegram.cmd.report")),
    ("reports", N_("telegram.cmd.reports")),
    ("volunteer", N_("telegram.cmd.volunteer")),
    ("tasks", N_("telegram.cmd.tasks")),
    ("activities", N_("telegram.cmd.activities")),
    ("hours", N_("telegram.cmd.hours")),
    ("me", N_("telegram.cmd.me")),
    ("lang", N_("telegram.cmd.lang")),
    ("cancel", N_("telegram.cmd.cancel")),
)
MENU_LANGUAGES = (("zh_CN", "zh"), ("en", "en"))  # catalog language → Telegram language_code


def file_url(api_url: str) -> str:
    """The file download base for a Bot API base URL (…/bot → …/file/bot)."""
    base = api_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def build_application(settings: Settings) -> PtbApp:
    """PTB's Application from the settings: no persistence, no job queue (state is ours)."""
    if not settings.telegram_token:
        raise ChannelError("config", "TELEGRAM_TOKEN is not set")
    builder = Application.builder().token(settings.telegram_token).job_queue(None)
    if settings.telegram_api_url:
        builder = builder.base_url(settings.telegram_api_url).base_file_url(
            file_url(settings.telegram_api_url)
        )
    # PTB's Bot API over aiohttp (http.py): less CPU per call than its default httpx.
    builder = builder.request(AiohttpRequest()).get_updates_request(
        AiohttpRequest(connection_pool_size=1)
    )
    # No PTB updater: polling acknowledges updates itself (polling.py), the webhook is ours.
    return builder.updater(None).build()


def webhook_secret(settings: Settings) -> str:
    """The webhook secret; the webhook is refused without a well-formed one."""
    secret = settings.telegram_webhook_secret or ""
    if not SECRET_FORMAT.fullmatch(secret):
        raise ChannelError(
            "config", "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -"
        )
    return secret


def menu(app: App, lang: str) -> list[BotCommand]:
    """The command menu in one language."""
    served = {*build_routes().commands, "cancel"}
    return [
        BotCommand(name, app.deps.i18n.translate(lang, key))
        for name, key in MENU
        if name in served and COMMAND_NAME.fullmatch(name)
    ]


async def register_commands(app: App, bot: Bot) -> None:
    """setMyCommands in Chinese and English, and the default language for everyone else."""
    for lang, code in MENU_LANGUAGES:
        await bot.set_my_commands(menu(app, lang), language_code=code)
    await bot.set_my_commands(menu(app, app.settings.lang))


class TelegramChannel:
    """The webhook channel of `linli serve` (a `ChannelRuntime`)."""

    name = CHANNEL

    def __init__(self, app: App, application: PtbApp) -> None:
        self.app = app
        self.application = application
        secret = app.settings.telegram_webhook_secret
        # `linli worker` only sends, so it needs no secret; the webhook refuses to exist without.
        self.secret = webhook_secret(app.settings).encode() if secret else None
        self.adapter = TelegramAdapter(app, BotApi(application.bot))

    @classmethod
    def from_app(cls, app: App) -> TelegramChannel:
        """The channel as the settings describe it."""
        return cls(app, build_application(app.settings))

    def routes(self) -> list[BaseRoute]:
        """POST /telegram: the webhook (only with a secret: Telegram must prove who it is)."""
        if self.secret is None:
            webhook_secret(self.app.settings)  # raises, saying what is missing
        return [Route(WEBHOOK_PATH, self.webhook, methods=["POST"])]

    async def start(self) -> None:
        """Initialize PTB (getMe) and publish the command menu."""
        await self.application.initialize()
        await _publish_menu(self.app, self.application.bot)

    async def stop(self) -> None:
        """Close PTB's HTTP connections."""
        await self.application.shutdown()

    def transport(self) -> Transport:
        """The outbox transport over this bot."""
        return TelegramTransport.for_bot(self.application.bot, self.app.db, self.app.deps.clock)

    def limits(self) -> Limits:
        """Telegram's sending limits."""
        return LIMITS

    def photo_source(self) -> TelegramPhotos:
        """Downloads the photos users sent (bot/photos.py)."""
        return TelegramPhotos(self.application.bot)

    async def webhook(self, request: Request) -> Response:
        """Check the secret, cap and parse the body, process; 200 only once it is all committed."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if self.secret is None or not hmac.compare_digest(given, self.secret):
            return Response(status_code=403)
        body = await read_capped(request, MAX_BODY)
        if body is None:
            return Response(status_code=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # whatever the body is, it is not an update we can take
            # Acknowledged: Telegram resends whatever is not answered 2xx, forever; this body
            # (sent with the secret) would never get better. Logged once, without its content.
            log.warning("telegram update malformed, acknowledged and dropped: %s", _kind(exc))
            return Response(status_code=200)
        try:
            answer = await self.adapter.process(update, answer_in_response=True)
        except Exception as exc:  # Telegram redelivers on non-2xx; dedupe makes the retry safe
            if is_unavailable(exc):
                log.warning("telegram update %s: database unavailable, 503", update.update_id)
                return Response(status_code=503)
            log.exception("telegram update %s failed", update.update_id)
            return Response(status_code=500)
        if answer is not None:  # a Bot API call in the response body (see TelegramAdapter)
            return JSONResponse(in_webhook_response(answer))
        return Response(status_code=200)


def _kind(exc: Exception) -> str:
    """What was wrong with a body, without quoting it."""
    return "not JSON" if isinstance(exc, json.JSONDecodeError) else type(exc).__name__


async def _publish_menu(app: App, bot: Bot) -> None:
    try:
        await register_commands(app, bot)
    except Exception:  # a menu is a convenience; the bot works without it
        log.warning("could not publish the Telegram command menu", exc_info=True)


async def set_webhook(app: App, url: str) -> None:
    """Register `url` (ending in /telegram) with Telegram, with the secret, and publish the menu."""
    secret = webhook_secret(app.settings)
    application = build_application(app.settings)
    async with application:
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )
        await _publish_menu(app, application.bot)
    print(app.deps.i18n.translate(app.settings.lang, "telegram.webhook_set", url=url))


async def run_polling(
    app: App,
    *,
    stop: asyncio.Event | None = None,
    poll_timeout: float = 10.0,
    retry_s: float = 1.0,
) -> None:
    """Long polling plus the outbox sender, until Ctrl-C / SIGTERM (or `stop` is set).

    An update is acknowledged only once handled: while the database is down it is fetched again
    after a back-off (bot/channels/telegram/polling.py).
    """
    from storage import migrate

    await migrate.upgrade(app.db.engine)
    application = build_application(app.settings)
    adapter = TelegramAdapter(app, BotApi(application.bot))
    stop = stop or asyncio.Event()
    with _stop_on_signals(stop):
        async with application:
            await _publish_menu(app, application.bot)
            await application.bot.delete_webhook()  # getUpdates is refused while one is set
            poller = UpdatePoller(
                application.bot,
                adapter.process,
                timeout=int(poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                retry_s=retry_s,
            )
            log.info("polling Telegram as @%s", application.bot.username)
            sender = OutboxSender(
                app.db, TelegramTransport.for_bot(application.bot), app.deps.clock, LIMITS
            )
            # Exclusive: with `linli serve` or `linli worker` beside it on PostgreSQL, one
            # process sends, so the bot's rate limits hold.
            retry = app.settings.sender_lock_retry_s
            sending = asyncio.create_task(sender.run_exclusive(stop, retry_s=retry))
            settle_heap()
            try:
                await poller.run(stop)
            finally:
                stop.set()
                await sending


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM end polling cleanly (where the loop supports signal handlers)."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or Windows
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
