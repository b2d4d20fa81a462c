"""Long polling that acknowledges an update only once it is handled.

getUpdates confirms every update below the `offset` it is called with, so the offset moves past an
update only when its handling finished. When the database is down the handling fails with
`DatabaseUnavailable`: the offset stays at that update, and after a back-off getUpdates hands it
(and whatever came after) over again. Updates of one chat are handled in order, different chats at
the same time; an update handled meanwhile that comes round again is not handled twice here (the
dispatcher's processed-update key also guards across processes and restarts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.channels.telegram.mapping import chat_of
from storage.db import is_unavailable

log = logging.getLogger(__name__)

Handle = Callable[[Update], Awaitable[None]]


class Unhandled(Exception):
    """The update was not handled (the database was down): fetch it again later."""


class UpdatePoller:
    """getUpdates in a loop; `handle` runs per update; the offset follows what is finished."""

    def __init__(
        self,
        bot: Bot,
        handle: Handle,
        *,
        timeout: int = 10,
        allowed_updates: Sequence[str] | None = None,
        retry_s: float = 1.0,
        retry_max_s: float = 30.0,
    ) -> None:
        self.bot = bot
        self.handle = handle
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates) if allowed_updates else None
        self.retry_s = retry_s
        self.retry_max_s = retry_max_s
        self.offset = 0
        self._open: dict[int, asyncio.Task[None]] = {}  # being handled
        self._done: set[int] = set()  # handled, at or above the offset
        self._unhandled: set[int] = set()  # failed for want of the database: fetch again
        self._tails: dict[int, asyncio.Task[None]] = {}  # each chat's newest update
        self._failures = 0  # in a row, for the back-off

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, then let the updates in hand finish and confirm them."""
        while not stop.is_set():
            if self._unhandled:  # the database was down: back off, then fetch them again
                self._unhandled.clear()
                self._failures += 1
                await self._pause(stop)
                continue
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset,
                    timeout=self.timeout,
                    allowed_updates=self.allowed_updates,
                )
            except TelegramError as exc:
                log.warning("getUpdates failed: %s", exc)
                self._failures += 1
                await self._pause(stop)
                continue
            fresh = [u for u in updates if u.update_id not in self._open.keys() | self._done]
            for update in fresh:
                self._start(update)
            if not fresh and self._open:  # only updates in hand came back: wait for one
                await self._first_done(stop)
            else:
                await asyncio.sleep(0)  # let the new handlers start before the next call
            self._advance()
        await self._finish()

    async def handle_all(self, updates: Sequence[Update]) -> None:
        """Handle a backlog as polling does (chats side by side, each in order); for benchmarks."""
        for update in updates:
            self._start(update)
        await asyncio.gather(*self._open.values(), return_exceptions=True)

    def _start(self, update: Update) -> None:
        chat = chat_of(update)
        before = self._tails.get(chat) if chat is not None else None
        task = asyncio.create_task(self._handle(update, before))
        self._open[update.update_id] = task
        task.add_done_callback(_retrieve)
        if chat is not None:
            self._tails[chat] = task
            task.add_done_callback(lambda t: self._drop_tail(chat, t))

    def _drop_tail(self, chat: int, task: asyncio.Task[None]) -> None:
        if self._tails.get(chat) is task:
            del self._tails[chat]

    async def _handle(self, update: Update, before: asyncio.Task[None] | None) -> None:
        update_id = update.update_id
        try:
            if before is not None:
                await before  # the chat's earlier update first (raises Unhandled if it was)
            await self.handle(update)
        except Exception as exc:
            if isinstance(exc, Unhandled) or is_unavailable(exc):
                self._unhandled.add(update_id)
                raise Unhandled from exc  # the chat's later updates wait for this one
            log.exception("telegram update %s failed", update_id)  # a bug: not retried
            self._done.add(update_id)
        else:
            self._done.add(update_id)
            self._failures = 0
        finally:
            self._open.pop(update_id, None)

    def _advance(self) -> None:
        """Move the offset up to the oldest update not finished (or past the newest done)."""
        waiting = set(self._open) | self._unhandled
        if waiting:
            self.offset = max(self.offset, min(waiting))
        elif self._done:
            self.offset = max(self.offset, max(self._done) + 1)
        self._done = {i for i in self._done if i >= self.offset}

    async def _first_done(self, stop: asyncio.Event) -> None:
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({stopping, *self._open.values()}, return_when="FIRST_COMPLETED")
        stopping.cancel()

    async def _pause(self, stop: asyncio.Event) -> None:
        delay = min(self.retry_s * 2 ** max(0, self._failures - 1), self.retry_max_s)
        log.info("polling again in %.1f s", delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)

    async def _finish(self) -> None:
        """Let handling in progress end, then confirm what was handled (like PTB on stop)."""
        if self._open:
            await asyncio.gather(*self._open.values(), return_exceptions=True)
        self._advance()
        with contextlib.suppress(TelegramError):
            await self.bot.get_updates(offset=self.offset, timeout=0, limit=1)


def _retrieve(task: asyncio.Task[None]) -> None:
    """Mark a failed handling's exception as seen (it is acted on through `_unhandled`)."""
    if not task.cancelled():
        task.exception()
