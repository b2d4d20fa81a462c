"""Signed callbacks' (timestamp, nonce) pairs: a second use with another body is a replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import CallbackNonce


def _insert(connection: AsyncConnection) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = connection.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CallbackNonce)


async def claim(
    connection: AsyncConnection, channel: str, uses: list[tuple[str, str, str, datetime]]
) -> list[bool]:
    """Record uses (timestamp, nonce, digest, expires_at); per use, whether it may go on.

    True for a pair never seen, or seen with the same digest (the platform retrying the very
    same request); False for a pair already used with another body (a replay). Pairs must be
    distinct within one call. Concurrent claims of one pair in several workers meet on the
    primary key: ON CONFLICT waits for the other transaction, then reads what it stored.
    """
    if not uses:
        return []
    rows = [
        {"channel": channel, "timestamp": ts, "nonce": nonce, "digest": digest, "expires_at": exp}
        for ts, nonce, digest, exp in uses
    ]
    stmt = (
        _insert(connection)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(CallbackNonce.timestamp, CallbackNonce.nonce)
    )
    fresh = {(ts, nonce) for ts, nonce in (await connection.execute(stmt)).all()}
    seen = [(ts, nonce) for ts, nonce, _, _ in uses if (ts, nonce) not in fresh]
    stored: dict[tuple[str, str], str] = {}
    if seen:
        found = await connection.execute(
            select(CallbackNonce.timestamp, CallbackNonce.nonce, CallbackNonce.digest).where(
                CallbackNonce.channel == channel,
                CallbackNonce.nonce.in_({nonce for _, nonce in seen}),
            )
        )
        stored = {(ts, nonce): digest for ts, nonce, digest in found.all()}
    return [
        (ts, nonce) in fresh or stored.get((ts, nonce)) == digest for ts, nonce, digest, _ in uses
    ]


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Forget pairs whose timestamp is no longer accepted anyway; returns how many."""
    result = await session.execute(delete(CallbackNonce).where(CallbackNonce.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
