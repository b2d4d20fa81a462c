"""The Telegram channel (python-telegram-bot): webhook for `linli serve`, polling for `linli run`.

mapping: updates → `Message`; rendering: `Reply` → Bot API calls; adapter: one update through the
dispatcher; transport: the outbox sender's Telegram transport and error translation; runtime: the
webhook route, PTB's Application, polling, setWebhook and the command menu.
"""

from bot.channels.telegram.adapter import TelegramAdapter
from bot.channels.telegram.mapping import ALLOWED_UPDATES, CHANNEL, to_inbound
from bot.channels.telegram.rendering import Outgoing, render, split_text
from bot.channels.telegram.runtime import (
    TelegramChannel,
    build_application,
    register_commands,
    run_polling,
    set_webhook,
)
from bot.channels.telegram.transport import LIMITS, BotApi, TelegramTransport, classify

__all__ = [
    "ALLOWED_UPDATES",
    "CHANNEL",
    "LIMITS",
    "BotApi",
    "Outgoing",
    "TelegramAdapter",
    "TelegramChannel",
    "TelegramTransport",
    "build_application",
    "classify",
    "register_commands",
    "render",
    "run_polling",
    "set_webhook",
    "split_text",
    "to_inbound",
]
