"""The fake Bot API server: what tests arrange and read, the updates they send, its methods."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fake_telegram.protocol import (
    BLOCKED,
    BOT_ID,
    SEND_METHODS,
    TOKEN,
    ApiError,
    Call,
    User,
    callback_buttons,
    check_markup,
    read_params,
    set_markup,
    shown,
    too_many,
    utf16_len,
)
from tests.support.fake_telegram.serving import serve_in_background, stop_server


class FakeTelegram:
    """The fake server: start with `async with FakeTelegram() as tg`, point PTB at `tg.base_url`."""

    def __init__(self, token: str = TOKEN, *, rate_limit: float | None = None) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.files: dict[str, bytes] = {}  # file_id → bytes users sent (getFile, /file/bot…)
        self.uploads: list[bytes] = []  # photos the bot uploaded (sendPhoto with a file)
        self.downloads = 0
        self.errors: dict[int, list[ApiError]] = {}
        self.blocked: set[int] = set()
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {}
        self.rate_limit = rate_limit  # overall sends per second (token bucket), None = unlimited
        self.rate_limited = 0
        self._bucket = (rate_limit or 0.0, time.monotonic())
        self._updates: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._ids = itertools.count(1001)
        self._update_ids = itertools.count(700_000_001)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeTelegram:
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            ]
        )
        self._server, self._task, self.port = await serve_in_background(app)
        return self

    async def __aexit__(self, *_: object) -> None:
        self._arrived.set()  # release a long poll in progress, so the server can stop
        await stop_server(self._server, self._task)

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_URL is set to."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests arrange ----------------------------------------------------------------------

    def queue(self, *updates: dict[str, Any]) -> None:
        """Make updates available to getUpdates."""
        self._updates.extend(updates)
        self._arrived.set()

    def fail(self, chat_id: int, *errors: ApiError) -> None:
        """Answer the next calls addressed to `chat_id` with these errors, in order."""
        self.errors.setdefault(chat_id, []).extend(errors)

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: every later call to the chat gets 403."""
        self.blocked.add(chat_id)

    # -- what tests read -------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        """Successful calls of one method."""
        return [c for c in self.calls if c.method == method and c.status == 200]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages the bot sent (text, photo, document), optionally to one chat."""
        return [
            c
            for c in self.calls
            if c.method in SEND_METHODS
            and c.status == 200
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        """Text (or caption) of every message sent to a chat, in order."""
        return [shown(c) for c in self.sent(chat_id)]

    def transcript(self, chat_id: int, since: int = 0) -> str:
        """Everything sent to a chat from the `since`-th message on, buttons as [label]."""
        lines = []
        for call in self.sent(chat_id)[since:]:
            lines.append(shown(call))
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                lines.append(" ".join(f"[{b['text']}]" for b in row))
        return "\n".join(lines)

    def last_with_buttons(self, chat_id: int) -> dict[str, Any]:
        """The newest message in a chat that still shows callback buttons."""
        for (chat, _), message in sorted(self.messages.items(), key=lambda kv: -kv[0][1]):
            if chat == chat_id and callback_buttons(message):
                return copy.deepcopy(message)  # a snapshot, as a callback query carries it
        raise AssertionError(f"no message with buttons in chat {chat_id}")

    # -- updates the tests send ------------------------------------------------------------------

    def text(self, user: User, text: str) -> dict[str, Any]:
        """An update carrying a text message (commands get their bot_command entity)."""
        message = self._user_message(user, text=text)
        word = text.split(maxsplit=1)[0] if text.strip() else ""
        if word.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        return self._update(message=message)

    def location(self, user: User, lat: float, lon: float) -> dict[str, Any]:
        """An update carrying a shared location."""
        return self._update(
            message=self._user_message(user, location={"latitude": lat, "longitude": lon})
        )

    def photo(self, user: User, file_id: str, caption: str = "") -> dict[str, Any]:
        """An update carrying a photo in three sizes (the largest is `file_id`)."""
        sizes = [
            {"file_id": f"{file_id}-s", "file_unique_id": "us", "width": 90, "height": 67},
            {"file_id": file_id, "file_unique_id": "ul", "width": 1280, "height": 960},
            {"file_id": f"{file_id}-m", "file_unique_id": "um", "width": 320, "height": 240},
        ]
        extra = {"caption": caption} if caption else {}
        return self._update(message=self._user_message(user, photo=sizes, **extra))

    def press(
        self, user: User, label: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A callback-query update: `user` presses the button with this label (or data)."""
        message = message or self.last_with_buttons(user.id)
        buttons = callback_buttons(message)
        matching = [b for b in buttons if label in (b["text"], b["callback_data"])]
        if not matching:
            matching = [b for b in buttons if label in b["text"]]
        assert matching, f"no button {label!r} in {[b['text'] for b in buttons]}"
        return self.press_data(user, matching[0]["callback_data"], message)

    def press_data(self, user: User, data: str, message: dict[str, Any]) -> dict[str, Any]:
        """A callback-query update with any data, on a given message."""
        query = {
            "id": f"cq{next(self._ids)}",
            "from": user.to_dict(),
            "message": message,
            "chat_instance": f"ci{user.id}",
            "data": data,
        }
        return self._update(callback_query=query)

    def _user_message(self, user: User, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": user.chat(),
            "from": user.to_dict(),
            **content,
        }

    def _update(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **content}

    def webhook_answered(self, status: int, body: bytes) -> None:
        """What Telegram does with the response to a webhook: a JSON body naming a method is
        performed as that call (its result goes nowhere, so an error is only recorded)."""
        if status != 200 or not body:
            return
        try:
            params = json.loads(body)
        except ValueError:
            return
        if not isinstance(params, dict) or not isinstance(params.get("method"), str):
            return
        method = params.pop("method")
        call = Call(method, params, time.monotonic(), via_webhook=True)
        self.calls.append(call)
        handler = getattr(self, f"_api_{method}", None)
        try:
            if handler is None or method == "getUpdates":
                raise ApiError(404, "Not Found")
            handler(call)
        except ApiError as exc:
            call.status = exc.status

    # -- the HTTP side ---------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params, files = await read_params(request)
        call = Call(method, params, time.monotonic(), files=files)
        self.calls.append(call)
        if request.path_params["token"] != self.token:
            call.status = 401
            return ApiError(401, "Unauthorized").response()
        handler = getattr(self, f"_api_{method}", None)
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            if call.chat_id is not None:
                self._check_chat(call.chat_id, method)
            result = await handler(call) if method == "getUpdates" else handler(call)
        except ApiError as exc:
            call.status = exc.status
            return exc.response()
        return JSONResponse({"ok": True, "result": result})

    def _check_chat(self, chat_id: int, method: str) -> None:
        if chat_id in self.blocked:
            raise ApiError(403, BLOCKED)
        queued = self.errors.get(chat_id)
        if queued:
            raise queued.pop(0)
        if method in SEND_METHODS and self.rate_limit:
            self._take_token()

    def _take_token(self) -> None:
        """A token bucket of `rate_limit` per second (capacity one second's worth)."""
        assert self.rate_limit
        tokens, last = self._bucket
        now = time.monotonic()
        tokens = min(self.rate_limit, tokens + (now - last) * self.rate_limit)
        if tokens < 1:
            self._bucket = (tokens, now)
            self.rate_limited += 1
            raise too_many(max(1, math.ceil((1 - tokens) / self.rate_limit)))
        self._bucket = (tokens - 1, now)

    def _api_getMe(self, _: Call) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "邻里 Linli",
            "username": "linli_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, call: Call) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        timeout = float(call.params.get("timeout") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
        return self._updates[:limit]

    def _api_setWebhook(self, call: Call) -> bool:
        self.webhook = dict(call.params)
        return True

    def _api_deleteWebhook(self, _: Call) -> bool:
        self.webhook = {}
        return True

    def _api_getWebhookInfo(self, _: Call) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
            "allowed_updates": self.webhook.get("allowed_updates", []),
        }

    def _api_setMyCommands(self, call: Call) -> bool:
        commands = call.params.get("commands") or []
        for command in commands:
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        self.commands[str(call.params.get("language_code") or "")] = commands
        return True

    def _api_answerCallbackQuery(self, _: Call) -> bool:
        return True

    def _api_sendMessage(self, call: Call) -> dict[str, Any]:
        text = str(call.params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._store(call, text=text)

    def _api_getFile(self, call: Call) -> dict[str, Any]:
        file_id = str(call.params.get("file_id") or "")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id[-8:],
            "file_size": len(self.files[file_id]),
            "file_path": f"photos/{file_id}.jpg",
        }

    async def _file(self, request: Request) -> Response:
        path = request.path_params["path"]
        file_id = path.removeprefix("photos/").removesuffix(".jpg")
        if request.path_params["token"] != self.token or file_id not in self.files:
            return Response(status_code=404)
        self.downloads += 1
        return Response(self.files[file_id], media_type="application/octet-stream")

    def _api_sendPhoto(self, call: Call) -> dict[str, Any]:
        photo = call.params.get("photo")
        upload = call.files.get("photo")
        if upload is not None:  # a photo uploaded as bytes (another channel's)
            self.uploads.append(upload[1])
            photo = f"up{len(self.uploads)}"
        if not isinstance(photo, str) or not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if photo.startswith("bad"):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        content = {
            "photo": [
                {"file_id": photo, "file_unique_id": "u" + photo[-8:], "width": 1280, "height": 960}
            ]
        }
        return self._store(call, **content, **self._caption(call))

    def _api_sendDocument(self, call: Call) -> dict[str, Any]:
        upload = call.files.get("document")
        if upload is None:
            raise ApiError(400, "Bad Request: there is no document in the request")
        file_id = f"doc{len(self.documents) + 1}"
        self.documents[file_id] = upload
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": upload[0],
            "file_size": len(upload[1]),
        }
        return self._store(call, document=document, **self._caption(call))

    def _api_editMessageText(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        text = str(call.params.get("text") or "")
        markup = call.params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        set_markup(message, markup)
        return message

    def _api_editMessageReplyMarkup(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        markup = call.params.get("reply_markup")
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        set_markup(message, markup)
        return message

    def _editable(self, call: Call) -> dict[str, Any]:
        key = (call.chat_id or 0, int(call.params.get("message_id") or 0))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    @staticmethod
    def _caption(call: Call) -> dict[str, Any]:
        caption = str(call.params.get("caption") or "")
        if utf16_len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": caption} if caption else {}

    def _store(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = call.chat_id
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        markup = call.params.get("reply_markup")
        check_markup(markup)
        chat = (
            {"id": chat_id, "type": "private", "first_name": "user"}
            if chat_id > 0
            else {"id": chat_id, "type": "group", "title": "group"}
        )
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "邻里 Linli",
                "username": "linli_test_bot",
            },
            **content,
        }
        set_markup(message, markup)
        self.messages[(chat_id, message["message_id"])] = message
        return message
