"""Dialog state per (channel, user) and the record of processed updates."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState, Identity, Person, ProcessedUpdate

# Built once: statement construction and cache-key generation cost more than SQLite's lookup.
_WITH_STATE = select(Identity, DialogState).outerjoin(
    DialogState,
    and_(DialogState.channel == Identity.channel, DialogState.user_id == Identity.external_id),
)
_CONVERSATION = _WITH_STATE.where(
    Identity.channel == bindparam("channel"), Identity.external_id == bindparam("user")
)
_CONVERSATIONS = _WITH_STATE.where(
    Identity.channel == bindparam("channel"),
    Identity.external_id.in_(bindparam("users", expanding=True)),
)
# Two updates of one user at once (a double tap reaching two processes, parallel webhooks) take
# turns on the identity row, so the second must see what the first left. On PostgreSQL (READ
# COMMITTED) a statement that waited for a row lock re-reads only the locked row: the joined
# dialog state and person would come from the snapshot taken before the wait. So the lock is
# taken first, alone, and the conversation read in a second statement, with a fresh snapshot.
# Rows are locked in one order (by id) by every worker: no deadlock between batches.
_LOCK = (
    select(Identity.id)
    .where(Identity.channel == bindparam("channel"), Identity.external_id == bindparam("user"))
    .with_for_update()
)
_LOCK_MANY = (
    select(Identity.id)
    .where(
        Identity.channel == bindparam("channel"),
        Identity.external_id.in_(bindparam("users", expanding=True)),
    )
    .order_by(Identity.id)
    .with_for_update()
)
_RECORD_UPDATE = insert(ProcessedUpdate)


async def load_conversation(
    session: AsyncSession, channel: str, user_id: str, *, lang: str
) -> tuple[Identity, DialogState]:
    """The identity (with its person) and dialog state of a user, read after its row is locked.

    On first contact a person, identity and empty state are created. The platform's display
    name is not stored until the person consents at /start.
    """
    params = {"channel": channel, "user": user_id}
    if _locks(session) and (await session.execute(_LOCK, params)).first() is None:
        return await _first_contact(session, channel, user_id, lang)
    row = (await session.execute(_CONVERSATION, params)).first()
    if row is None:
        return await _first_contact(session, channel, user_id, lang)
    ident, state = row
    return ident, state if state is not None else _new_state(channel, user_id)


async def load_conversations(
    session: AsyncSession, users: list[tuple[str, str, str]]
) -> dict[tuple[str, str], tuple[Identity, DialogState]]:
    """`load_conversation` for several (channel, user id, language) at once: a query per channel."""
    found: dict[tuple[str, str], tuple[Identity, DialogState]] = {}
    for channel in sorted({c for c, _, _ in users}):
        params = {"channel": channel, "users": [u for c, u, _ in users if c == channel]}
        if _locks(session):
            await session.execute(_LOCK_MANY, params)
        rows = await session.execute(_CONVERSATIONS, params)
        for ident, state in rows:
            found[channel, ident.external_id] = (
                ident,
                state if state is not None else _new_state(channel, ident.external_id),
            )
    for channel, user_id, lang in users:
        if (channel, user_id) not in found:
            found[channel, user_id] = await _first_contact(session, channel, user_id, lang)
    return found


def _locks(session: AsyncSession) -> bool:
    """Whether to lock rows: SQLite's transactions are exclusive already (BEGIN IMMEDIATE)."""
    return session.get_bind().dialect.name != "sqlite"


async def _first_contact(
    session: AsyncSession, channel: str, user_id: str, lang: str
) -> tuple[Identity, DialogState]:
    person = Person(display_name="", lang=lang)
    session.add(person)
    await session.flush()
    ident = Identity(person_id=person.id, channel=channel, external_id=user_id, person=person)
    session.add(ident)
    return ident, _new_state(channel, user_id)


def _new_state(channel: str, user_id: str) -> DialogState:
    """An empty state, not yet added to the session: it is written only once it holds something."""
    return DialogState(channel=channel, user_id=user_id, data={}, choices=[])


async def remember_choices(
    session: AsyncSession, channel: str, user_id: str, choices: list[Any]
) -> None:
    """`remember_choices_of` for one person."""
    await remember_choices_of(session, channel, {user_id: choices})


async def remember_choices_of(
    session: AsyncSession, channel: str, shown: dict[str, list[Any]]
) -> None:
    """Make pushed messages' choices (per user id) the ones a bare number answers.

    Not while a flow waits for input: then a number still answers the flow's question. Takes
    its turn with the people's updates (their identities' row locks, in id order as a batch of
    updates takes them), so a flow one of them is starting meanwhile is seen.
    """
    if not shown:
        return
    if _locks(session):
        await session.execute(_LOCK_MANY, {"channel": channel, "users": sorted(shown)})
    for user_id, choices in shown.items():
        state = await session.get(DialogState, (channel, user_id))
        if state is None:
            state = _new_state(channel, user_id)
            session.add(state)
        if state.flow is None:
            state.choices = list(choices)


def sender_key(user_id: str) -> str:
    """The sender part of a processed update's key: a digest, kept after the sender is erased."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:32]


async def replies_for(
    session: AsyncSession, channel: str, user_id: str, key: str
) -> list[Any] | None:
    """The replies stored for an update of this sender already processed, or None if it is new."""
    return (
        await session.execute(
            select(ProcessedUpdate.replies).where(
                ProcessedUpdate.channel == channel,
                ProcessedUpdate.update_key == key,
                ProcessedUpdate.sender == sender_key(user_id),
            )
        )
    ).scalar_one_or_none()


async def record_updates(
    session: AsyncSession, seen: list[tuple[str, str, str, bool, list[Any]]], now: datetime
) -> None:
    """Mark updates (channel, key, sender, whether the sender was erased, replies) processed, in
    the same transaction as their effects. A redelivery of an update fails here with
    IntegrityError (the primary key: channel, update key and sender).
    """
    await session.flush()  # the effects first, so a duplicate fails only after them
    if not seen:
        return
    connection = await session.connection()  # Core: no ORM bookkeeping for a plain insert
    await connection.execute(
        _RECORD_UPDATE,
        [
            {
                "channel": channel,
                "update_key": key,
                "sender": sender_key(user_id),
                # kept in the clear for erasure to find the row, unless the update erased them
                "user_id": None if erased else user_id,
                "replies": replies,
                "seen_at": now,
            }
            for channel, key, user_id, erased, replies in seen
        ],
    )


async def purge_seen(session: AsyncSession, older_than: datetime) -> int:
    """Forget processed updates past their time-to-live."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)
