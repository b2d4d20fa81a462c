"""Relayed messages (one thread per item) and needs' sensitive notes: reads, writes, erasure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import NeedSensitive, RelayMessage


def add(
    session: AsyncSession,
    *,
    item_kind: str,
    item_id: int,
    sender_id: int,
    recipient_id: int | None,
    text: str,
    now: datetime,
    kind: str = "text",
) -> RelayMessage:
    """Keep one relayed message with its item."""
    row = RelayMessage(
        item_kind=item_kind,
        item_id=item_id,
        sender_id=sender_id,
        recipient_id=recipient_id,
        kind=kind,
        text=text,
        created_at=now,
    )
    session.add(row)
    return row


async def thread(
    session: AsyncSession, item_kind: str, item_id: int, limit: int | None = None
) -> list[RelayMessage]:
    """An item's thread, oldest first (the last `limit` messages when given)."""
    query = (
        select(RelayMessage)
        .where(RelayMessage.item_kind == item_kind, RelayMessage.item_id == item_id)
        .order_by(RelayMessage.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(list((await session.execute(query)).scalars())))


async def shared_phone(
    session: AsyncSession, item_kind: str, item_id: int, sender_id: int
) -> str | None:
    """The number a party chose to share on this item (the latest), or None."""
    return await session.scalar(
        select(RelayMessage.text)
        .where(
            RelayMessage.item_kind == item_kind,
            RelayMessage.item_id == item_id,
            RelayMessage.sender_id == sender_id,
            RelayMessage.kind == "phone",
        )
        .order_by(RelayMessage.id.desc())
        .limit(1)
    )


async def of_person(session: AsyncSession, person_id: int) -> list[RelayMessage]:
    """Every message a person sent or was sent (for /mydata)."""
    rows = await session.execute(
        select(RelayMessage)
        .where(or_(RelayMessage.sender_id == person_id, RelayMessage.recipient_id == person_id))
        .order_by(RelayMessage.id)
    )
    return list(rows.scalars())


async def erase_items(session: AsyncSession, item_kind: str, item_ids: Iterable[int]) -> int:
    """Delete the threads of these items; returns the messages deleted."""
    ids = list(item_ids)
    if not ids:
        return 0
    result = await session.execute(
        delete(RelayMessage)
        .where(RelayMessage.item_kind == item_kind, RelayMessage.item_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def erase_person(session: AsyncSession, person_id: int) -> None:
    """Delete every message a person sent or was sent."""
    await session.execute(
        delete(RelayMessage)
        .where(or_(RelayMessage.sender_id == person_id, RelayMessage.recipient_id == person_id))
        .execution_options(synchronize_session=False)
    )


async def sensitive_note(session: AsyncSession, need_id: int) -> str:
    """A need's sensitive note ("" when none was given)."""
    row = await session.get(NeedSensitive, need_id)
    return row.note if row is not None else ""


def keep_sensitive_note(session: AsyncSession, need_id: int, note: str, now: datetime) -> None:
    """Keep a need's sensitive note apart from the need."""
    session.add(NeedSensitive(need_id=need_id, note=note, created_at=now))


async def erase_sensitive_notes(session: AsyncSession, need_ids: Iterable[int]) -> None:
    """Delete the sensitive notes of these needs."""
    ids = list(need_ids)
    if ids:
        await session.execute(
            delete(NeedSensitive)
            .where(NeedSensitive.need_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
