"""Replayed callbacks refused across workers: each (timestamp, nonce) is used for one body only.

A plain-mode `signature` covers token, timestamp and nonce, never the body, so anyone who saw
one callback URL could post any body under it while the timestamp is accepted. Each pair is
recorded in the database (every worker sees it) with a digest of the message: the same pair
with the same message is WeChat retrying (answered by the processed-update record and the
in-flight join), the same pair with another message is a replay and is refused. Claims that
arrive together share one transaction (handlers.core.batching).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.channels.wechat.protocol import MAX_SKEW_S, Inbound, Rejected
from handlers.core.batching import Batcher
from storage.repos import nonces

CHANNEL = "wechat"


class NonceGuard:
    """Claims each verified callback's (timestamp, nonce) before it is handled."""

    def __init__(
        self,
        transaction: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
        *,
        workers: int = 1,
    ) -> None:
        self._transaction = transaction
        self._batcher: Batcher[Inbound, bool] = Batcher(
            self._claim, key=lambda i: (i.timestamp, i.nonce), workers=workers
        )

    async def check(self, inbound: Inbound) -> None:
        """Go on for a new pair or WeChat's retry; raise `Rejected` (403) for a replay."""
        if not await self._batcher.submit(inbound):
            raise Rejected(403, "timestamp and nonce already used for another message")

    async def _claim(self, batch: list[Inbound]) -> list[bool]:
        uses = [
            (
                i.timestamp,
                i.nonce,
                i.digest,
                # A request with this timestamp is refused as stale after this anyway.
                datetime.fromtimestamp(int(i.timestamp) + MAX_SKEW_S, UTC),
            )
            for i in batch
        ]
        async with self._transaction() as connection:
            return await nonces.claim(connection, CHANNEL, uses)
