"""python-telegram-bot's requests made over aiohttp instead of its default httpx.

PTB separates the Bot API (building calls, parsing answers, raising its errors) from the HTTP
client under it (`telegram.request.BaseRequest`); this is that client over aiohttp. Why: under
load httpx looks at every pooled connection on each request (~10 % of a serving process's CPU
at 100 updates/s, bench/soak.py), and aiohttp does the same work in C (docs/deployment.md, "CPU
per update"). The same idea is kept by PTB's maintainers in ptbcontrib (`aiohttp_request`),
which is not published on PyPI; this one is ours.

Timeouts: PTB's connect and read timeouts are aiohttp's `sock_connect` and `sock_read`; the wait
for a free pooled connection is part of aiohttp's `connect` timeout (pool + connect). aiohttp
has no write timeout: an upload is bounded by `media_total_s` instead.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_TOKEN_IN_URL = re.compile(r"/bot[^/\s'\"]+")


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one `aiohttp.ClientSession`, made in `initialize` (on the loop)."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        pool_timeout: float = 1.0,
        media_total_s: float = 60.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect = connect_timeout
        self._read = read_timeout
        self._pool = pool_timeout
        self._media_total = media_total_s
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call gives none (PTB adds a long poll's to it)."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; aiohttp's failures become PTB's `TimedOut` and `NetworkError`."""
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        connect = _given(connect_timeout, self._connect)
        files = bool(request_data and request_data.contains_files)
        timeout = aiohttp.ClientTimeout(
            total=self._media_total if files else None,
            connect=_sum(_given(pool_timeout, self._pool), connect),
            sock_connect=connect,
            sock_read=_given(read_timeout, self._read),
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_form(request_data),
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
            ) as answer:
                return answer.status, await answer.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutError (asyncio's, too)
            raise TimedOut(f"aiohttp: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {_redacted(str(exc))}") from exc


def _redacted(text: str) -> str:
    """An error's text without the bot token (some aiohttp errors quote the URL, /bot<token>/…):
    it is kept with the outbox row and may be logged."""
    return _TOKEN_IN_URL.sub("/bot<token>", text)


def _form(request_data: RequestData | None) -> aiohttp.FormData | None:
    """The parameters as a form (PTB sends JSON-encoded values), with files as parts. File names
    go as UTF-8, as httpx sends them: quoted, "台账.xlsx" would arrive as "%E5%8F%B0…"."""
    if request_data is None:
        return None
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


def _given(value: Any, default: float | None) -> float | None:
    """A call's timeout, or ours where the call left it to the default."""
    return default if value is BaseRequest.DEFAULT_NONE else value


def _sum(pool: float | None, connect: float | None) -> float | None:
    """Waiting for a pooled connection and then connecting: aiohttp bounds them together."""
    return None if pool is None or connect is None else pool + connect
