"""A fake WeChat API server on 127.0.0.1 (random port): token, custom send, template send, menu,
temporary media (get and upload).

It answers like WeChat does — HTTP 200 with an `errcode` in the JSON — including 40001 for a
token it has expired, 45015 outside a user's 48-hour window and 45047 past the window's quota.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

OK = {"errcode": 0, "errmsg": "ok"}


@dataclass
class FakeWeChat:
    """The fake's state: what tests script (closed windows, expiry) and what it received."""

    appid: str
    secret: str
    url: str = ""
    valid_tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    closed_windows: set[str] = field(default_factory=set)  # openids answered 45015
    over_quota: set[str] = field(default_factory=set)  # openids answered 45047
    unfollowed: set[str] = field(default_factory=set)  # openids answered 43004
    custom: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    rejected_tokens: int = 0
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media_id → file, type
    uploads: dict[str, bytes] = field(default_factory=dict)  # media ids we handed out
    media_gets: int = 0
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def expire_tokens(self) -> None:
        """Every token issued so far now fails with 40001 (as after a fetch elsewhere)."""
        self.valid_tokens.clear()

    def texts_to(self, openid: str) -> list[str]:
        """Texts of the customer-service messages sent to `openid`, in order."""
        return [m["text"]["content"] for m in self.custom if m["touser"] == openid and "text" in m]

    # -- handlers -------------------------------------------------------------------------------

    async def _token(self, request: Request) -> JSONResponse:
        self.token_requests += 1
        q = request.query_params
        if q.get("grant_type") != "client_credential" or q.get("appid") != self.appid:
            return JSONResponse({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != self.secret:
            return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = f"TOKEN-{next(self._serial)}"
        self.valid_tokens.add(token)
        return JSONResponse({"access_token": token, "expires_in": 7200})

    async def _authorized(self, request: Request) -> dict[str, Any] | JSONResponse:
        if request.query_params.get("access_token") not in self.valid_tokens:
            self.rejected_tokens += 1
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
        body = json.loads((await request.body()).decode("utf-8"))
        assert isinstance(body, dict)
        return body

    async def _custom(self, request: Request) -> JSONResponse:
        body = await self._authorized(request)
        if isinstance(body, JSONResponse):
            return body
        user = body.get("touser", "")
        if user in self.unfollowed:
            return JSONResponse({"errcode": 43004, "errmsg": "require subscribe"})
        if user in self.closed_windows:
            return JSONResponse({"errcode": 45015, "errmsg": "response out of time limit"})
        if user in self.over_quota:
            return JSONResponse({"errcode": 45047, "errmsg": "out of response count limit"})
        self.custom.append(body)
        return JSONResponse(OK)

    async def _template(self, request: Request) -> JSONResponse:
        body = await self._authorized(request)
        if isinstance(body, JSONResponse):
            return body
        if not body.get("template_id"):
            return JSONResponse({"errcode": 40037, "errmsg": "invalid template_id"})
        self.templates.append(body)
        return JSONResponse(OK | {"msgid": 200000 + len(self.templates)})

    async def _menu(self, request: Request) -> JSONResponse:
        body = await self._authorized(request)
        if isinstance(body, JSONResponse):
            return body
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 0 < len(buttons) <= 3:
            return JSONResponse({"errcode": 40016, "errmsg": "invalid button size"})
        self.menus.append(body)
        return JSONResponse(OK)

    async def _media_get(self, request: Request) -> Response:
        self.media_gets += 1
        if request.query_params.get("access_token") not in self.valid_tokens:
            self.rejected_tokens += 1
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
        found = self.media.get(request.query_params.get("media_id", ""))
        if found is None:
            return JSONResponse({"errcode": 40007, "errmsg": "invalid media_id"})
        return Response(found[0], media_type=found[1])

    async def _media_upload(self, request: Request) -> JSONResponse:
        if request.query_params.get("access_token") not in self.valid_tokens:
            self.rejected_tokens += 1
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
        form = await request.form()
        upload = form.get("media")
        if request.query_params.get("type") != "image" or not hasattr(upload, "read"):
            return JSONResponse({"errcode": 40004, "errmsg": "invalid media type"})
        media_id = f"UP-{next(self._serial)}"
        self.uploads[media_id] = await upload.read()  # type: ignore[union-attr]
        return JSONResponse({"type": "image", "media_id": media_id, "created_at": 1})

    def images_to(self, openid: str) -> list[str]:
        """Media ids of the images sent to `openid` by the customer-service API, in order."""
        return [
            m["image"]["media_id"] for m in self.custom if m["touser"] == openid and "image" in m
        ]

    def asgi(self) -> Starlette:
        """The fake as an ASGI app."""
        return Starlette(
            routes=[
                Route("/cgi-bin/token", self._token, methods=["GET"]),
                Route("/cgi-bin/message/custom/send", self._custom, methods=["POST"]),
                Route("/cgi-bin/message/template/send", self._template, methods=["POST"]),
                Route("/cgi-bin/menu/create", self._menu, methods=["POST"]),
                Route("/cgi-bin/media/get", self._media_get, methods=["GET"]),
                Route("/cgi-bin/media/upload", self._media_upload, methods=["POST"]),
            ]
        )


@contextlib.asynccontextmanager
async def running(appid: str, secret: str) -> AsyncIterator[FakeWeChat]:
    """Serve a fake on 127.0.0.1 on a free port for the duration of the block."""
    fake = FakeWeChat(appid, secret)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(fake.asgi(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        await task
        sock.close()
