"""One Telegram update through Linli: map it, dispatch it, answer the press, send the replies.

The same code serves the webhook and long polling. Nothing here is kept between updates: dialog
state, deduplication and the outbox are in the database, so any worker can take any update.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot.bootstrap import App
from bot.channels.shared import queue_replies
from bot.channels.telegram.mapping import CHANNEL, Inbound, MalformedUpdate, to_inbound
from bot.channels.telegram.rendering import Outgoing, foreign, render, settled
from bot.channels.telegram.transport import Api, classify
from bot.photos import upload_for
from bot.sender import SendResult
from handlers.core.i18n import normalize_lang
from handlers.core.messages import Reply
from storage.repos import outbox

log = logging.getLogger(__name__)


class TelegramAdapter:
    """Handles updates for one bot; `api` performs the Bot API calls (PTB's, or a recorder)."""

    def __init__(self, app: App, api: Api) -> None:
        self.app = app
        self.api = api

    async def on_update(self, update: object, _context: object = None) -> None:
        """A python-telegram-bot handler callback (polling mode)."""
        if isinstance(update, Update):
            await self.process(update)

    async def process(self, update: Update, *, answer_in_response: bool = False) -> Outgoing | None:
        """Handle one update; raises only if its replies could be neither sent nor queued.

        A redelivered update (same update_id) changes nothing again: the dispatcher returns the
        replies it stored the first time, and they are sent again, because a redelivery means the
        first attempt may have died before they went out.

        `answer_in_response` (the webhook): a button press is answered not by a Bot API call but
        by the call returned here, which the webhook puts in its response body, as the Bot API
        allows for calls whose result nobody needs: one HTTP request fewer per press.
        """
        try:
            inbound = to_inbound(update)
        except MalformedUpdate as exc:
            # Acknowledged (a retry would be just as malformed), logged once, without content.
            log.warning("telegram update malformed, acknowledged and dropped: %s", exc.reason)
            return None
        if inbound is None:
            return None
        answering, answer = None, None
        if inbound.callback is not None:  # stop the button's spinner
            answer = Outgoing("answer_callback_query", {"callback_query_id": inbound.callback.id})
            if not answer_in_response:
                answering = asyncio.create_task(self._quietly(answer))
        try:
            if inbound.message is None:
                return answer
            if not inbound.private:
                await self._outside_private_chat(inbound)
                return answer
            outcome = await self.app.dispatcher.handle(inbound.message)
            if outcome.replayed:
                log.info("update %s redelivered; replies sent again", inbound.message.update_key)
            pressed = inbound.pressed
            edit = settled(pressed, inbound.message.payload or "") if pressed else None
            if edit is None:
                await self.deliver(inbound, outcome.replies)
            else:  # retiring the old buttons need not wait for the new message, nor delay it
                await asyncio.gather(self._quietly(edit), self.deliver(inbound, outcome.replies))
            return answer
        finally:
            if answering is not None:
                await answering

    async def deliver(self, inbound: Inbound, replies: list[Reply]) -> None:
        """Send replies in order; what cannot go out now (429, network) goes to the outbox."""
        uploads = [await self._upload(reply) for reply in replies]
        calls = [
            (index, call)
            for index, reply in enumerate(replies)
            for call in render(reply, uploads[index])
        ]
        for index, call in calls:
            try:
                await self.api(call, chat_id=inbound.chat_id)
            except TelegramError as exc:
                result = classify(exc)
                if result.outcome == "retry":
                    await self._queue(inbound, replies[index:], result)
                    return
                if result.outcome == "blocked":
                    await self._blocked(inbound)
                    return
                log.warning("telegram reply part dropped: %s", result.error)

    async def _upload(self, reply: Reply) -> bytes | None:
        """Another channel's photo, if its bytes are here already (a reply does not wait)."""
        ref = foreign(reply)
        if ref is None:
            return None
        got = await upload_for(self.app.db, ref, self.app.deps.clock())
        return got if isinstance(got, bytes) else None

    async def _queue(self, inbound: Inbound, replies: list[Reply], result: SendResult) -> None:
        """Hand replies that could not be sent to the outbox sender, which retries under limits."""
        now = self.app.deps.clock()
        later = now + timedelta(seconds=result.retry_after)
        async with self.app.db.transaction() as session:
            queue_replies(session, CHANNEL, str(inbound.chat_id), replies, now, not_before=later)
        log.info("%d telegram replies queued after %s", len(replies), result.error)

    async def _blocked(self, inbound: Inbound) -> None:
        assert inbound.message is not None
        async with self.app.db.transaction() as session:
            await outbox.block_identity(
                session, CHANNEL, inbound.message.user_id, self.app.deps.clock()
            )

    async def _outside_private_chat(self, inbound: Inbound) -> None:
        """Linli talks about people's homes and requests: only in private chats."""
        if not inbound.is_command or inbound.message is None:
            return
        lang = normalize_lang(inbound.message.lang_hint, self.app.settings.lang)
        text = self.app.deps.i18n.translate(lang, "telegram.private_only")
        await self._quietly(Outgoing("send_message", {"text": text}), chat_id=inbound.chat_id)

    async def _quietly(self, call: Outgoing, **extra: Any) -> None:
        """A call whose failure changes nothing for the user (an old query, an unchanged edit)."""
        try:
            await self.api(call, **extra)
        except TelegramError as exc:
            log.debug("telegram %s failed: %s", call.method, exc)
