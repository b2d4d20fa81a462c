"""WeChat's callback protocol behind one adapter: signatures, timestamps, XML and AES (wechatpy).

Everything here is pure (no database, no network), so a forged or malformed request is refused
before anything else runs. wechatpy does the protocol work (signing, parsing with entities
disabled, rendering replies, AES); we add what it lacks: constant-time comparison, a timestamp
window, a size cap, and CDATA-safe reply text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

MAX_BODY_BYTES = 64 * 1024
MAX_SKEW_S = 300  # WeChat signs its own clock; a replay older than this is refused.
MAX_ID_CHARS = 128
_TOKEN = re.compile(r"[0-9A-Za-z_-]{1,64}")
# ASCII digits only: str.isdigit() takes "²" (int() refuses it) and int() takes "١٢" or "１２".
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Characters XML 1.0 forbids even inside CDATA; user text must not carry them into a reply.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Rejected(Exception):
    """A request refused at the edge, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Inbound:
    """A verified, parsed callback: the wechatpy message and how to answer it."""

    message: BaseMessage
    encrypted: bool
    nonce: str
    timestamp: str
    digest: str  # SHA-256 of the message XML (decrypted): tells WeChat's retry from a replay


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 over the sorted parts (wechatpy's signer)."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def _same(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def check_query(query: Mapping[str, str], token: str, now_s: int) -> tuple[str, str]:
    """Verify `signature` over (token, timestamp, nonce) and the timestamp window.

    Returns (timestamp, nonce); raises `Rejected` (403) on anything wrong.
    """
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _TOKEN.fullmatch(nonce):
        raise Rejected(403, "missing or malformed timestamp/nonce")
    if not _same(sign(token, timestamp, nonce), query.get("signature")):
        raise Rejected(403, "bad signature")
    if abs(now_s - int(timestamp)) > MAX_SKEW_S:
        raise Rejected(403, "stale timestamp")
    return timestamp, nonce


def _parse_xml(text: str) -> dict[str, Any]:
    """The <xml> element as a dict; xmltodict refuses DTDs' entities (XXE, billion laughs)."""
    try:
        doc = xmltodict.parse(text, disable_entities=True)
    except Exception as exc:  # expat errors, entity refusals, anything malformed
        raise Rejected(400, f"malformed XML: {type(exc).__name__}") from exc
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise Rejected(400, "no <xml> root")
    return root


class Protocol:
    """One account's callback protocol: verify, decrypt, parse, render, encrypt."""

    def __init__(self, token: str, appid: str, aes_key: str | None = None) -> None:
        self.token = token
        self.appid = appid
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None

    def verify_url(self, query: Mapping[str, str], now_s: int) -> str:
        """The GET check WeChat makes when the URL is configured: returns `echostr` to echo."""
        check_query(query, self.token, now_s)
        echo = query.get("echostr", "")
        if not echo or len(echo) > 256:
            raise Rejected(400, "missing echostr")
        return echo

    def open(self, query: Mapping[str, str], body: bytes, now_s: int) -> Inbound:
        """Verify and parse a POSTed callback: AES ("safe mode") only once a key is set."""
        timestamp, nonce = check_query(query, self.token, now_s)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Rejected(400, "body is not UTF-8") from exc
        mode = query.get("encrypt_type", "raw") or "raw"
        if mode not in ("raw", "aes"):
            raise Rejected(400, "unknown encrypt_type")
        if mode == "raw" and self.crypto is not None:
            # A plain `signature` covers token, timestamp and nonce, never the body: with a key
            # set, a plain callback (or a downgraded one) could carry anything.
            raise Rejected(403, "plain callback refused: safe mode is configured")
        if mode == "aes":
            text = self._decrypt(_parse_xml(text), query, timestamp, nonce)
        digest = hashlib.sha256(text.encode()).hexdigest()
        return Inbound(self._message(text), mode == "aes", nonce, timestamp, digest)

    def _decrypt(
        self, envelope: dict[str, Any], query: Mapping[str, str], timestamp: str, nonce: str
    ) -> str:
        if self.crypto is None:
            raise Rejected(400, "encrypted callback but no WECHAT_AES_KEY configured")
        encrypted = envelope.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise Rejected(400, "no <Encrypt>")
        if not _same(sign(self.token, timestamp, nonce, encrypted), query.get("msg_signature")):
            raise Rejected(403, "bad msg_signature")
        try:
            return str(PrpCrypto(self.crypto.key).decrypt(encrypted, self.appid))
        except Exception as exc:  # bad padding, base64, length, or another account's appid
            raise Rejected(400, f"cannot decrypt: {type(exc).__name__}") from exc

    @staticmethod
    def _message(text: str) -> BaseMessage:
        try:
            # xmltodict under wechatpy refuses entity declarations (XXE, billion laughs).
            message = parse_message(text)
            source, created = message.source, message.time
        except Exception as exc:  # malformed XML, no <xml> root, no MsgType, bad CreateTime …
            raise Rejected(400, f"unparsable message: {type(exc).__name__}") from exc
        if not isinstance(source, str) or not 0 < len(source) <= MAX_ID_CHARS or not created:
            raise Rejected(400, "no sender or time")
        return message

    def render_text(self, inbound: Inbound, content: str, now_s: int) -> str:
        """The passive text reply to `inbound`, encrypted when the callback was."""
        message = inbound.message
        reply = TextReply(
            source=cdata_safe(str(message.target or "")),
            target=cdata_safe(str(message.source)),
            content=cdata_safe(content),
            time=now_s,
        )
        xml = str(reply.render())
        if inbound.encrypted and self.crypto is not None:
            return str(self.crypto.encrypt_message(xml, inbound.nonce, str(now_s)))
        return xml


def cdata_safe(text: str) -> str:
    """Text that cannot end its CDATA section early: `]]>` is split across two sections."""
    return _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")
