"""The transactional outbox: messages written with the change that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage


def enqueue(
    session: AsyncSession,
    *,
    person_id: int | None,
    channel: str,
    external_id: str,
    payload: dict[str, Any],
    kind: str = "notice",
    now: datetime,
    urgent: bool = False,
    broadcast_id: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add one message to the outbox (sent after the transaction commits)."""
    row = OutboxMessage(
        person_id=person_id,
        channel=channel,
        external_id=external_id,
        payload=payload,
        kind=kind,
        urgent=urgent,
        broadcast_id=broadcast_id,
        not_before=not_before or now,
        created_at=now,
        status="pending",
        attempts=0,
    )
    session.add(row)
    return row


async def pending(
    session: AsyncSession, channel: str, now: datetime, limit: int = 100
) -> list[OutboxMessage]:
    """Pending messages for a channel that are due, oldest first."""
    rows = await session.execute(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def mark_sent(
    session: AsyncSession, ids: list[int], now: datetime, platform_ids: dict[int, str] | None = None
) -> None:
    """Record messages as sent."""
    if not ids:
        return
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(status="sent", sent_at=now)
    )
    for row_id, platform_id in (platform_ids or {}).items():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(platform_message_id=platform_id)
        )
