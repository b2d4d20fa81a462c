"""Downloads: files handed out by a short-lived, unguessable link."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Download


def create(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    name: str,
    content: str,
    now: datetime,
    ttl: timedelta,
) -> str:
    """Keep a file for `ttl`; returns the token that fetches it."""
    token = secrets.token_urlsafe(32)
    session.add(
        Download(
            token=token,
            channel=channel,
            user_id=user_id,
            name=name,
            content=content,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


async def fetch(session: AsyncSession, token: str, now: datetime) -> Download | None:
    """The file behind a token, unless it is unknown or expired."""
    found = (
        await session.execute(
            select(Download).where(Download.token == token, Download.expires_at > now)
        )
    ).scalar_one_or_none()
    return found


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Drop expired files; returns how many."""
    result = await session.execute(delete(Download).where(Download.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
