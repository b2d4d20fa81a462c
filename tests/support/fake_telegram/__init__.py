"""A fake Telegram Bot API server on 127.0.0.1 (random port), speaking the real HTTP protocol.

python-telegram-bot posts form-encoded bodies (non-string values JSON-encoded), multipart bodies for
uploads, or JSON, to /bot<token>/<method>. This server answers like the real one: `{"ok": true,
"result": ...}` with realistic objects, and errors with their real status codes (429 with
`parameters.retry_after`, 403 for a blocked user, 400 for bad requests), because PTB picks the
exception from the status code. It records every call, serves queued updates to getUpdates (long
polling), keeps the messages it "sent" so tests can press their buttons, injects errors per chat.
"""

from tests.support.fake_telegram.protocol import (
    BLOCKED,
    BOT_ID,
    CHAT_NOT_FOUND,
    TOKEN,
    ApiError,
    Call,
    User,
    too_many,
)
from tests.support.fake_telegram.server import FakeTelegram
from tests.support.fake_telegram.serving import running, serve_in_background, stop_server

__all__ = [
    "BLOCKED",
    "BOT_ID",
    "CHAT_NOT_FOUND",
    "TOKEN",
    "ApiError",
    "Call",
    "FakeTelegram",
    "User",
    "running",
    "serve_in_background",
    "stop_server",
    "too_many",
]
