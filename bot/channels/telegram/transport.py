"""Sending through the Bot API: the outbox transport, and Telegram errors translated once here."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.mapping import CHANNEL
from bot.channels.telegram.rendering import Outgoing, foreign, render
from bot.photos import WAIT, WAIT_ATTEMPTS, upload_for
from bot.sender import Limits, SendResult
from handlers.core.messages import Reply
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Telegram's documented limits: about 30 messages a second overall, one a second per chat, 20 a
# minute per group (group chats have negative ids). Sent evenly, at most 5 at once: a full
# second's burst met 429s in bench/bench_telegram.py, 5 met none at the same rate.
LIMITS = Limits(
    per_second=30.0,
    per_chat_per_second=1.0,
    per_group_per_second=20 / 60,
    is_group=lambda external_id: external_id.startswith("-"),
    burst=5,
)


class Api(Protocol):
    """Makes one Bot API call; the real one goes through python-telegram-bot's HTTP stack."""

    async def __call__(self, call: Outgoing, **extra: Any) -> Any:
        """Perform `call` (with `extra` arguments such as chat_id); raises PTB's errors."""
        ...


class BotApi:
    """`Api` over a PTB `Bot`."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, call: Outgoing, **extra: Any) -> Any:
        """Call the Bot method named by `call.method`."""
        return await getattr(self.bot, call.method)(**call.kwargs, **extra)


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (PTB returns int or timedelta depending on a flag)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: TelegramError, attempts: int = 0) -> SendResult:
    """What a Bot API error means for the message: retry, blocked, or failed for good."""
    detail = str(exc.message)[:200]
    if isinstance(exc, RetryAfter):
        return SendResult("retry", retry_after=retry_seconds(exc), error="rate_limited")
    if isinstance(exc, Forbidden):  # blocked, deactivated, kicked from the group
        return SendResult("blocked", error=detail)
    if isinstance(exc, BadRequest | ChatMigrated):  # chat not found, bad file id …: permanent
        return SendResult("failed", error=detail)
    if isinstance(exc, NetworkError | InvalidToken):  # timeouts, 5xx, resets; a token to fix
        return SendResult("retry", retry_after=min(2.0**attempts, 300.0), error=detail)
    return SendResult("failed", error=detail)


class TelegramTransport:
    """The outbox sender's way to Telegram: renders a reply and sends every part of it.

    With a database, another channel's photo (a WeChat media id) goes out as an upload of its
    fetched bytes; a message waits a little (`upload_for`) while they are being fetched.
    """

    channel = CHANNEL

    def __init__(
        self, api: Api, db: Database | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.api = api
        self.db = db
        self.clock = clock

    @classmethod
    def for_bot(
        cls, bot: Bot, db: Database | None = None, clock: Callable[[], datetime] | None = None
    ) -> TelegramTransport:
        """A transport over a PTB bot."""
        return cls(BotApi(bot), db, clock)

    async def send(self, external_id: str, reply: Reply, row: OutboxMessage) -> SendResult:
        """Send one outbox message; platform errors come back as results, never raised."""
        last: Any = None
        upload: bytes | None = None
        ref = foreign(reply)
        if ref and self.db is not None and self.clock is not None:
            got = await upload_for(self.db, ref, self.clock())
            if got == WAIT and row.attempts < WAIT_ATTEMPTS:
                return SendResult("retry", retry_after=10.0 * (row.attempts + 1), error="photo")
            upload = got if isinstance(got, bytes) else None
        try:
            for call in render(reply, upload):
                last = await self.api(call, chat_id=int(external_id))
        except TelegramError as exc:
            result = classify(exc, row.attempts)
            log.info(
                "telegram send to %s: %s (%s)",
                external_id,
                result.outcome,
                result.error,
                extra={"row": row.id},
            )
            return result
        message_id = getattr(last, "message_id", None)
        return SendResult("sent", platform_id=str(message_id) if message_id else None)
