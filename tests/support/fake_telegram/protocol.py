"""The Bot API's wire format as the fake server speaks it: objects, errors, request parsing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwx"
BOT_ID = 123456
# Parameters PTB sends as plain strings; everything else arrives JSON-encoded.
STRING_FIELDS = {
    "text",
    "caption",
    "callback_query_id",
    "url",
    "secret_token",
    "parse_mode",
    "language_code",
    "photo",
    "document",
    "inline_message_id",
}
SEND_METHODS = ("sendMessage", "sendPhoto", "sendDocument")


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    via_webhook: bool = False  # made in the response to a webhook, not by a request

    @property
    def chat_id(self) -> int | None:
        """The chat the call addressed, if any."""
        value = self.params.get("chat_id")
        text = str(value) if isinstance(value, int | str) else ""
        return int(text) if text.lstrip("-").isdigit() else None


@dataclass(frozen=True)
class User:
    """A Telegram user talking to the bot in a private chat."""

    id: int
    first_name: str
    language_code: str | None = "zh-hans"
    last_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `User` object as the Bot API sends it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat(self) -> dict[str, Any]:
        """The private `Chat` with this user."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}


class ApiError(Exception):
    """An error answer with its real status code."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def response(self) -> JSONResponse:
        """The error as Telegram sends it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, self.status)


def too_many(retry_after: int) -> ApiError:
    """A 429 as Telegram sends it."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"


def set_markup(message: dict[str, Any], markup: Any) -> None:
    """Store a message's keyboard as Telegram does (an empty one is removed)."""
    if markup and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def check_markup(markup: Any) -> None:
    """Reject what Telegram rejects: callback data over 64 bytes, buttons without one action."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            actions = [k for k in ("url", "callback_data") if k in button]
            if len(actions) != 1 or not button.get("text"):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def callback_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a message that send callback data."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b for row in rows for b in row if "callback_data" in b]


def shown(call: Call) -> str:
    """The text or caption a send call showed."""
    return str(call.params.get("text") or call.params.get("caption") or "")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def decode(name: str, value: str) -> Any:
    """A form value: JSON-decoded unless PTB sends that parameter as a plain string."""
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """The call's parameters from a query string, a form, a multipart body or JSON."""
    body = await request.body()
    ctype = request.headers.get("content-type", "")
    params: dict[str, Any] = {k: decode(k, v) for k, v in request.query_params.items()}
    files: dict[str, tuple[str, bytes]] = {}
    if ctype.startswith("application/json") and body:
        params.update(json.loads(body))
    elif ctype.startswith("multipart/form-data"):
        parsed = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
        )
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            raw = part.get_payload(decode=True)
            payload = raw if isinstance(raw, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                files[str(name)] = (filename, payload)
            else:
                params[str(name)] = decode(str(name), payload.decode())
    elif body:
        params.update({k: decode(k, v) for k, v in parse_qsl(body.decode(), True)})
    return params, files
