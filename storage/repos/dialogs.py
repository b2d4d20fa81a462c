"""Dialog state per (channel, user) and the record of processed updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState, Identity, Person, ProcessedUpdate


async def load_state(session: AsyncSession, channel: str, user_id: str) -> DialogState:
    """The user's dialog state, created empty on first contact."""
    state = await session.get(DialogState, (channel, user_id))
    if state is None:
        state = DialogState(channel=channel, user_id=user_id, data={}, choices=[], window_count=0)
        session.add(state)
    return state


async def load_conversation(
    session: AsyncSession, channel: str, user_id: str, *, lang: str
) -> tuple[Identity, DialogState]:
    """The identity (with its person) and dialog state of a user, in one query.

    On first contact a person, identity and empty state are created. The platform's display
    name is not stored until the person consents at /start.
    """
    row = (
        await session.execute(
            select(Identity, DialogState)
            .outerjoin(
                DialogState,
                and_(
                    DialogState.channel == Identity.channel,
                    DialogState.user_id == Identity.external_id,
                ),
            )
            .where(Identity.channel == channel, Identity.external_id == user_id)
        )
    ).first()
    if row is None:
        person = Person(display_name="", lang=lang)
        session.add(person)
        await session.flush()
        ident = Identity(person_id=person.id, channel=channel, external_id=user_id, person=person)
        session.add(ident)
        return ident, _new_state(session, channel, user_id)
    ident, state = row
    return ident, state if state is not None else _new_state(session, channel, user_id)


def _new_state(session: AsyncSession, channel: str, user_id: str) -> DialogState:
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
