"""The transactional outbox: messages written with the change that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, true, update
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
        **row_values(
            person_id=person_id,
            channel=channel,
            external_id=external_id,
            payload=payload,
            kind=kind,
            now=now,
            urgent=urgent,
            broadcast_id=broadcast_id,
            not_before=not_before,
        )
    )
    session.add(row)
    return row


def row_values(
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
) -> dict[str, Any]:
    """The columns of one outbox message (`enqueue`'s arguments)."""
    return {
        "person_id": person_id,
        "channel": channel,
        "external_id": external_id,
        "payload": payload,
        "kind": kind,
        "urgent": urgent,
        "broadcast_id": broadcast_id,
        "not_before": not_before or now,
        "created_at": now,
        "status": "pending",
        "attempts": 0,
    }


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add many messages (`row_values`) in one statement executed for all rows."""
    if rows:
        await session.execute(insert(cast(Table, OutboxMessage.__table__)), rows)


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


async def release_expired(
    session: AsyncSession, channel: str, now: datetime, *, every_lease: bool = False
) -> int:
    """Take back rows whose sender's lease ran out (it died mid-send); each may be a duplicate.

    `every_lease`: take back every row being sent, leases or not — for a sender that knows it is
    the channel's only one (it holds the sender lock), so whoever claimed them is dead.
    """
    expired = true() if every_lease else OutboxMessage.lease_until < now
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.status == "sending", expired)
        .values(status="pending", reclaims=OutboxMessage.reclaims + 1, lease_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim(
    session: AsyncSession,
    channel: str,
    now: datetime,
    limit: int,
    lease_until: datetime,
    *,
    urgent_first: bool = True,
) -> list[OutboxMessage]:
    """Atomically move up to `limit` due rows to "sending" under a lease (no two senders share one).

    Urgent rows first, unless `urgent_first` is off (the console: in the order they were queued).

    PostgreSQL: the candidate rows are locked with FOR UPDATE SKIP LOCKED. SQLite: the transaction
    began with BEGIN IMMEDIATE, so reading the ids and updating them is already exclusive.
    """
    candidates = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
        )
        .order_by(*((OutboxMessage.urgent.desc(),) if urgent_first else ()), OutboxMessage.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    # The ids first, then the UPDATE: as a subquery of the UPDATE, PostgreSQL may scan the
    # SKIP LOCKED candidates more than once and so claim more rows than `limit`.
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(status="sending", lease_until=lease_until, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all(), key=lambda row: (urgent_first and not row.urgent, row.id))


async def record(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Write the outcome of sends: one dict per row with `id` and the columns to set."""
    if changes:
        await session.execute(update(OutboxMessage), changes)


async def block_identity(
    session: AsyncSession, channel: str, external_id: str, now: datetime
) -> None:
    """The user blocked the bot: mark the identity unreachable and stop its pending messages."""
    from storage.models import Identity

    await session.execute(
        update(Identity)
        .where(Identity.channel == channel, Identity.external_id == external_id)
        .values(unreachable_at=now)
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.external_id == external_id,
            OutboxMessage.status.in_(("pending", "held")),
        )
        .values(status="blocked", error="blocked by the user")
    )


async def release_held(session: AsyncSession, channel: str, external_id: str, now: datetime) -> int:
    """The user wrote again: messages held for the channel's window may be sent now."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.external_id == external_id,
            OutboxMessage.status == "held",
        )
        .values(status="pending", not_before=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def counts(session: AsyncSession, **filters: Any) -> dict[str, int]:
    """Rows per status, optionally filtered by column values (channel=…, broadcast_id=…)."""
    from sqlalchemy import func

    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    for column, value in filters.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    return {status: int(n) for status, n in (await session.execute(query)).all()}


async def last_written(session: AsyncSession, person_id: int, kind: str) -> datetime | None:
    """When the newest message of `kind` to a person was written (None: never)."""
    rows = await session.execute(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.person_id == person_id, OutboxMessage.kind == kind
        )
    )
    return rows.scalar_one()
