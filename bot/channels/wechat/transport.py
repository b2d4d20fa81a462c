"""Proactive WeChat messages for the outbox sender: customer service, templates, or held.

Customer-service messages reach a user only within 48 hours of their last message (and only a
few per window). Outside it a message goes out as a template message when one is configured for
its kind (`WECHAT_TEMPLATES`, or the template of the kind it is a variant of: `TEMPLATE_FALLBACK`),
else it is held until the user writes again — the dispatcher then releases held rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.channels import ChannelError
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.mapping import CHANNEL
from bot.channels.wechat.rendering import PHOTO_PREFIX, photos, render, split
from bot.photos import WAIT, WAIT_ATTEMPTS, upload_for
from bot.sender import SendResult
from handlers.core.i18n import Translator
from handlers.core.messages import Reply
from storage.db import Database
from storage.models import OutboxMessage
from storage.repos import people

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
WINDOW_SAFETY = timedelta(minutes=5)  # our last_inbound_at is kept to the minute
WINDOW_CLOSED = 45015  # "out of response time limit"
QUOTA_EXCEEDED = 45047  # too many customer-service messages in this window
NOT_FOLLOWING = 43004  # the user unfollowed the account
INVALID_OPENID = 40003
BUSY = frozenset({-1, 45009, 45011})  # system busy, daily API limit, call frequency
# A kind without a template of its own goes out with the template of the kind it is a variant of
# (an urgent offer is an offer): configuring "offer" must not leave urgent offers held.
TEMPLATE_FALLBACK: dict[str, str] = {"urgent_offer": "offer"}


class WeChatTransport:
    """Sends one outbox row to one openid; platform errors come back as `SendResult`s."""

    channel = CHANNEL
    numbers_choices = True  # choices are shown as a numbered list (bot/sender.py remembers them)

    def __init__(
        self,
        api: WeChatApi,
        db: Database,
        i18n: Translator,
        clock: Callable[[], datetime],
        *,
        templates: dict[str, Any] | None = None,
        default_lang: str = "zh_CN",
    ) -> None:
        self.api = api
        self.db = db
        self.i18n = i18n
        self.clock = clock
        self.templates = dict(templates or {})
        self.default_lang = default_lang

    async def send(self, external_id: str, reply: Reply, row: OutboxMessage) -> SendResult:
        """Deliver `reply` inside the window, by template outside it, or hold it."""
        last_inbound, lang = await self._contact(external_id)
        text = render([reply], lambda key: self.i18n.translate(lang, key))
        try:
            if last_inbound is not None and self.clock() - last_inbound < WINDOW - WINDOW_SAFETY:
                upload = await self._foreign_photo(reply)
                if upload == WAIT and row.attempts < WAIT_ATTEMPTS:
                    return SendResult("retry", retry_after=10.0 * (row.attempts + 1), error="photo")
                media = await self.api.upload_image(upload) if isinstance(upload, bytes) else None
                result = await self._customer_service(external_id, text, reply, media)
                if result is not None:
                    return result
            return await self._outside_window(external_id, text, row)
        except ChannelError as exc:
            retry = min(2.0 ** max(row.attempts, 1), 300.0)
            return SendResult("retry", retry_after=retry, error=f"{exc.kind}: {exc.detail}"[:200])

    async def _foreign_photo(self, reply: Reply) -> bytes | str | None:
        """Another channel's photo in the reply: its bytes to upload, WAIT, or None."""
        if not reply.photo or reply.photo.startswith(PHOTO_PREFIX):
            return None
        return await upload_for(self.db, reply.photo, self.clock())

    async def _customer_service(
        self, openid: str, text: str, reply: Reply, uploaded: str | None = None
    ) -> SendResult | None:
        """Send by the customer-service API; None when the window turned out to be closed.

        `uploaded` is the media id of another channel's photo uploaded for this message.
        """
        messages: list[dict[str, Any]] = [
            {"msgtype": "text", "text": {"content": piece}} for piece in split(text) if piece
        ]
        media = [*photos([reply]), *([uploaded] if uploaded else [])]
        messages += [{"msgtype": "image", "image": {"media_id": m}} for m in media]
        last: dict[str, Any] = {}
        for index, message in enumerate(messages):
            last = await self.api.send_custom(openid, message)
            code = last.get("errcode", 0)
            if code == WINDOW_CLOSED and index == 0:
                return None
            if code != 0:
                return _failure(code, last)
        return SendResult("sent", platform_id=str(last.get("msgid", "")) or None)

    async def _outside_window(self, openid: str, text: str, row: OutboxMessage) -> SendResult:
        template = self.templates.get(row.kind) or self.templates.get(
            TEMPLATE_FALLBACK.get(row.kind, "")
        )
        if not template:
            return SendResult("held", error="outside the 48-hour window")
        spec = template if isinstance(template, dict) else {"id": str(template)}
        field = str(spec.get("field", "content"))
        limit = int(spec.get("max", 200))
        value = text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"
        answer = await self.api.send_template(
            openid, str(spec["id"]), {field: {"value": value}}, spec.get("url")
        )
        code = answer.get("errcode", 0)
        if code == 0:
            return SendResult("sent", platform_id=str(answer.get("msgid", "")) or None)
        return _failure(code, answer)

    async def _contact(self, openid: str) -> tuple[datetime | None, str]:
        """When the user last wrote, and their language."""
        async with self.db.transaction() as session:
            ident = await people.identity(session, CHANNEL, openid)
            if ident is None:
                return None, self.default_lang
            return ident.last_inbound_at, ident.person.lang


def _failure(code: object, answer: dict[str, Any]) -> SendResult:
    detail = f"errcode {code}: {str(answer.get('errmsg', ''))[:120]}"
    if code in (QUOTA_EXCEEDED, WINDOW_CLOSED):
        return SendResult("held", error=detail)
    if code == NOT_FOLLOWING:
        return SendResult("blocked", error=detail)
    if code in BUSY:
        return SendResult("retry", retry_after=30.0, error=detail)
    return SendResult("failed", error=detail)
