"""The few outbound WeChat API calls (token, custom send, template send, menu, media) over httpx.

The access token is held once per deployment in the database (`channel_tokens`): a fresh fetch
invalidates the previous token after a few minutes, so processes must not fetch one each.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.channels import ChannelError
from storage.db import Database
from storage.models import ChannelToken

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.weixin.qq.com"
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid, malformed, expired access token
MEDIA_GONE = frozenset({40007})  # invalid media_id (never was, or past its 3 days)
REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before WeChat says it expires


class WeChatApi:
    """An account's API client; errcodes come back as data, network failures as ChannelError."""

    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        db: Database,
        clock: Callable[[], datetime],
        base_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.appid = appid
        self.secret = secret
        self.db = db
        self.clock = clock
        self.base_url = (base_url or DEFAULT_API_URL).rstrip("/")
        self.timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None
        self._cached: tuple[str, datetime] | None = None
        self._refreshing = asyncio.Lock()
        self.token_fetches = 0  # how many times this process asked WeChat for a token

    @property
    def store_key(self) -> str:
        """The row in `channel_tokens` that holds this account's token."""
        return f"wechat:{self.appid}"

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client, created on first use."""
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout_s)
        return self._client

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- calls -----------------------------------------------------------------------------------

    async def send_custom(self, openid: str, message: dict[str, Any]) -> dict[str, Any]:
        """A customer-service message (only inside the user's 48-hour window)."""
        return await self.call("/cgi-bin/message/custom/send", {"touser": openid, **message})

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None
    ) -> dict[str, Any]:
        """A template message (allowed outside the window, for approved templates only)."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        return await self.call("/cgi-bin/message/template/send", body)

    async def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        """Replace the account's custom menu."""
        return await self.call("/cgi-bin/menu/create", menu)

    async def download_media(self, media_id: str, limit: int) -> bytes:
        """A temporary media file (a photo a user sent), at most `limit` bytes.

        WeChat answers with the file, or with JSON carrying an errcode (40007: no such media,
        e.g. older than its 3 days). Raises ChannelError("gone" | "too_big" | "network" | …).
        """
        token = await self.token()
        answer = await self._get_media(token, media_id, limit)
        if isinstance(answer, dict) and answer.get("errcode") in TOKEN_ERRORS:
            token = await self.token(stale=token)
            answer = await self._get_media(token, media_id, limit)
        if isinstance(answer, bytes):
            return answer
        code = answer.get("errcode")
        kind = "gone" if code in MEDIA_GONE else "network" if code in (-1, 45009) else "protocol"
        raise ChannelError(kind, f"media/get: errcode {code}")

    async def _get_media(self, token: str, media_id: str, limit: int) -> bytes | dict[str, Any]:
        params = {"access_token": token, "media_id": media_id}
        try:
            async with self.client.stream("GET", "/cgi-bin/media/get", params=params) as response:
                response.raise_for_status()
                kind = response.headers.get("content-type", "")
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit:
                    raise ChannelError("too_big", f"{declared} bytes")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise ChannelError("too_big", f"over {limit} bytes")
                    chunks.append(chunk)
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError("network", f"media/get: {type(exc).__name__}: {exc}") from exc
        body = b"".join(chunks)
        if kind.startswith(("application/json", "text/")):
            try:
                answer = json.loads(body)
            except ValueError as exc:
                raise ChannelError("protocol", "media/get: unreadable answer") from exc
            return answer if isinstance(answer, dict) else {"errcode": None}
        return body

    async def upload_image(self, data: bytes) -> str:
        """Upload a picture as temporary media (kept 3 days by WeChat); its media id."""
        token = await self.token()
        answer = await self._upload(token, data)
        if answer.get("errcode") in TOKEN_ERRORS:
            token = await self.token(stale=token)
            answer = await self._upload(token, data)
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise ChannelError("upload", f"media/upload: errcode {answer.get('errcode')}")
        return media_id

    async def _upload(self, token: str, data: bytes) -> dict[str, Any]:
        try:
            response = await self.client.post(
                "/cgi-bin/media/upload",
                params={"access_token": token, "type": "image"},
                files={"media": ("photo.jpg", data, "image/jpeg")},
            )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError("network", f"media/upload: {type(exc).__name__}: {exc}") from exc
        return answer if isinstance(answer, dict) else {}

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON with the shared token; an expired token is refreshed once and retried."""
        token = await self.token()
        answer = await self._post(path, token, body)
        if answer.get("errcode") in TOKEN_ERRORS:
            log.info("wechat token rejected (%s), refreshing", answer.get("errcode"))
            token = await self.token(stale=token)
            answer = await self._post(path, token, body)
        return answer

    async def _post(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        # WeChat shows \\uXXXX escapes literally in menus and messages: send real UTF-8.
        content = json.dumps(body, ensure_ascii=False).encode()
        try:
            response = await self.client.post(
                path,
                params={"access_token": token},
                content=content,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError("network", f"{path}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(answer, dict):
            raise ChannelError("protocol", f"{path}: answer is not an object")
        return answer

    # -- the shared access token -------------------------------------------------------------------

    async def token(self, stale: str | None = None) -> str:
        """A valid access token; `stale` is one WeChat just refused, so never return it again."""
        now = self.clock()
        cached = self._cached
        if cached and cached[0] != stale and cached[1] - REFRESH_MARGIN > now:
            return cached[0]
        async with self._refreshing:  # one refresh per process at a time
            self._cached = await self._shared_token(stale)
            return self._cached[0]

    async def _shared_token(self, stale: str | None) -> tuple[str, datetime]:
        """Read the deployment's token; fetch a new one under a row lock when it is unusable."""
        now = self.clock()
        async with self.db.transaction() as session:
            row = await session.get(ChannelToken, self.store_key)
            if row is not None and _usable(row, stale, now):
                return row.value, row.expires_at  # type: ignore[return-value]
        async with self.db.transaction() as session:
            insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
            await session.execute(
                insert(ChannelToken)
                .values(channel=self.store_key, value="", expires_at=None, updated_at=now)
                .on_conflict_do_nothing(index_elements=["channel"])
            )
            # PostgreSQL: the row lock; SQLite: BEGIN IMMEDIATE already excludes other writers.
            row = (
                await session.execute(
                    select(ChannelToken)
                    .where(ChannelToken.channel == self.store_key)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).scalar_one()
            if _usable(row, stale, now):  # another process refreshed it meanwhile
                return row.value, row.expires_at  # type: ignore[return-value]
            value, lifetime = await self._fetch_token()
            row.value, row.expires_at, row.updated_at = value, now + lifetime, now
            return value, now + lifetime

    async def _fetch_token(self) -> tuple[str, timedelta]:
        self.token_fetches += 1
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        try:
            response = await self.client.get("/cgi-bin/token", params=params)
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError("network", f"token: {type(exc).__name__}: {exc}") from exc
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            code = answer.get("errcode") if isinstance(answer, dict) else None
            raise ChannelError("token", f"no access token (errcode {code})")
        return token, timedelta(seconds=int(answer.get("expires_in", 7200)))


def _usable(row: ChannelToken, stale: str | None, now: datetime) -> bool:
    return bool(
        row.value
        and row.value != stale
        and row.expires_at is not None
        and row.expires_at - REFRESH_MARGIN > now
    )
