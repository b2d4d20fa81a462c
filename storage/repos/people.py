"""Persons and their channel identities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity


async def identity(session: AsyncSession, channel: str, external_id: str) -> Identity | None:
    """The identity for (channel, external id), with its person, or None."""
    return (
        await session.execute(
            select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
        )
    ).scalar_one_or_none()


async def identities_of(session: AsyncSession, person_id: int) -> list[Identity]:
    """Every channel identity a person can be reached on."""
    rows = await session.execute(
        select(Identity).where(Identity.person_id == person_id, Identity.unreachable_at.is_(None))
    )
    return list(rows.scalars())


def touch_inbound(ident: Identity, now: datetime) -> bool:
    """Remember the last inbound message (WeChat's 48-hour window), at most once a minute.

    Returns whether it was updated; an identity that writes again is reachable again.
    """
    last = ident.last_inbound_at
    if last is None or (now - last).total_seconds() > 60:
        ident.last_inbound_at = now
        ident.unreachable_at = None
        return True
    return False
