"""Dialog state per (channel, user) and the record of processed updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState, ProcessedUpdate


async def load_state(session: AsyncSession, channel: str, user_id: str) -> DialogState:
    """The user's dialog state, created empty on first contact."""
    state = await session.get(DialogState, (channel, user_id))
    if state is None:
        state = DialogState(channel=channel, user_id=user_id, data={}, choices=[], window_count=0)
        session.add(state)
    return state


async def replies_for(session: AsyncSession, channel: str, key: str) -> list[Any] | None:
    """The replies stored for an update already processed, or None if it is new."""
    return (
        await session.execute(
            select(ProcessedUpdate.replies).where(
                ProcessedUpdate.channel == channel, ProcessedUpdate.update_key == key
            )
        )
    ).scalar_one_or_none()


def record_update(
    session: AsyncSession, channel: str, key: str, replies: list[Any], now: datetime
) -> None:
    """Mark an update processed, in the same transaction as its effects."""
    session.add(ProcessedUpdate(channel=channel, update_key=key, replies=replies, seen_at=now))


async def purge_seen(session: AsyncSession, older_than: datetime) -> int:
    """Forget processed updates past their time-to-live."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)
