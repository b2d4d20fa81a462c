"""Plays WeChat's side of the webhook: signed (and optionally encrypted) XML, replies decoded."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat import WeChatConfig
from bot.channels.wechat.protocol import sign
from tests.support.chat import Pick, numbered_choice

_msg_ids = itertools.count(7_300_000_000_000_000_001)
_nonces = itertools.count(1_000_001)


def cdata(text: str) -> str:
    """Text in CDATA the way a careful sender writes it (`]]>` split across sections)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def envelope(user: str, created: int, msg_type: str, fields: dict[str, Any]) -> str:
    """A callback body: the common header plus `fields` (strings go in CDATA)."""
    parts = [
        f"<ToUserName>{cdata('gh_linli')}</ToUserName>",
        f"<FromUserName>{cdata(user)}</FromUserName>",
        f"<CreateTime>{created}</CreateTime>",
        f"<MsgType>{cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        parts.append(f"<{name}>{cdata(value) if isinstance(value, str) else value}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Answer:
    """What the webhook answered: status, raw body, and the reply's fields when it was XML."""

    status: int
    body: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The reply text ("" for "success")."""
        return str(self.fields.get("Content") or "")


@dataclass
class WeChatServer:
    """Posts callbacks to /wechat as WeChat would: signed query, plain or AES body."""

    http: httpx.AsyncClient
    config: WeChatConfig
    clock: Callable[[], datetime]
    aes: bool = False
    last: dict[str, str] = field(default_factory=dict)  # per user, the last answer's text

    @property
    def now(self) -> int:
        """WeChat's clock (the app's fake clock), in seconds."""
        return int(self.clock().timestamp())

    def query(
        self, *, timestamp: int | str | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        """A correctly signed query string."""
        ts, n = str(timestamp if timestamp is not None else self.now), nonce or str(next(_nonces))
        return {"timestamp": ts, "nonce": n, "signature": sign(self.config.token, ts, n)}

    async def post(
        self, xml: str | bytes, *, query: dict[str, str] | None = None, aes: bool | None = None
    ) -> Answer:
        """POST one body (encrypting it in AES mode) and decode the answer."""
        q = dict(query or self.query())
        body = xml.encode() if isinstance(xml, str) else xml
        if self.aes if aes is None else aes:
            crypto = self._crypto()
            sealed = xmltodict.parse(
                crypto.encrypt_message(body.decode(), q["nonce"], q["timestamp"])
            )
            encrypted = sealed["xml"]["Encrypt"]
            q |= {
                "encrypt_type": "aes",
                "msg_signature": sign(self.config.token, q["timestamp"], q["nonce"], encrypted),
            }
            body = (
                f"<xml><ToUserName>{cdata('gh_linli')}</ToUserName>"
                f"<Encrypt>{cdata(encrypted)}</Encrypt></xml>"
            ).encode()
        response = await self.http.post("/wechat", params=q, content=body)
        return self._decode(response, q)

    def _crypto(self) -> WeChatCrypto:
        assert self.config.aes_key
        return WeChatCrypto(self.config.token, self.config.aes_key, self.config.appid)

    def _decode(self, response: httpx.Response, query: dict[str, str]) -> Answer:
        answer = Answer(response.status_code, response.text)
        if response.status_code != 200 or response.text in ("success", ""):
            return answer
        doc = xmltodict.parse(response.text)["xml"]  # a broken reply fails the test here
        if "Encrypt" in doc:
            expected = sign(self.config.token, doc["TimeStamp"], doc["Nonce"], doc["Encrypt"])
            assert doc["MsgSignature"] == expected, "reply signature does not verify"
            plain = self._crypto().decrypt_message(
                response.text, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]
            )
            doc = xmltodict.parse(plain)["xml"]
        answer.fields = dict(doc)
        return answer

    # -- what users do -------------------------------------------------------------------------

    async def text(self, user: str, content: str, msg_id: int | None = None) -> Answer:
        """The user types `content`."""
        mid = msg_id if msg_id is not None else next(_msg_ids)
        return await self.post(envelope(user, self.now, "text", {"Content": content, "MsgId": mid}))

    async def say(self, user: str, content: str) -> str:
        """The user types `content`; returns the reply text."""
        answer = await self.text(user, content)
        assert answer.status == 200, answer
        self.last[user] = answer.text
        return answer.text

    async def pick(self, user: str, label: str) -> str:
        """The user types the number `label` has in the last answer's numbered list."""
        return await self.say(user, str(numbered_choice(self.last.get(user, ""), label)))

    async def script(self, user: str, pairs: Sequence[tuple[str, str]]) -> None:
        """Play (said, expected substring) pairs; a `Pick` types the number its label has in
        the last answer's numbered list (its own text when no answer was seen yet)."""
        for said, expected in pairs:
            shown = self.last.get(user, "")
            picked = isinstance(said, Pick) and shown
            typed = str(numbered_choice(shown, said.label)) if picked else said
            got = await self.say(user, typed)
            assert expected in got, f"after {said!r} expected {expected!r} in:\n{got}"

    async def event(
        self, user: str, event: str, created: int | None = None, **extra: Any
    ) -> Answer:
        """An event (subscribe, CLICK with EventKey=…, LOCATION with Latitude=… …)."""
        fields = {"Event": event, **{k: v for k, v in extra.items()}}
        return await self.post(envelope(user, created or self.now, "event", fields))

    async def click(self, user: str, key: str) -> str:
        """The user taps a menu button."""
        answer = await self.event(user, "CLICK", EventKey=key)
        assert answer.status == 200, answer
        return answer.text

    async def image(self, user: str, media_id: str) -> Answer:
        """The user sends a photo."""
        fields = {
            "PicUrl": "http://mmbiz.example/x.jpg",
            "MediaId": media_id,
            "MsgId": next(_msg_ids),
        }
        return await self.post(envelope(user, self.now, "image", fields))

    async def location(self, user: str, lat: float, lon: float, label: str = "") -> Answer:
        """The user shares a location."""
        fields = {
            "Location_X": lat,
            "Location_Y": lon,
            "Scale": 15,
            "Label": label,
            "MsgId": next(_msg_ids),
        }
        return await self.post(envelope(user, self.now, "location", fields))

    async def raw(self, user: str, msg_type: str, **fields: Any) -> Answer:
        """Any message type, e.g. video or link."""
        fields.setdefault("MsgId", next(_msg_ids))
        return await self.post(envelope(user, self.now, msg_type, fields))
