"""Office sign-in: one-time links and sessions, stored as hashes of their tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OfficeLink, OfficeSession, SigninThrottle


def digest(token: str) -> str:
    """The stored form of a token (a leaked table opens no session)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(session: AsyncSession, person_id: int, now: datetime, ttl: timedelta) -> str:
    """A new single-use sign-in token for a person, valid for `ttl`."""
    token = secrets.token_urlsafe(32)
    session.add(
        OfficeLink(
            token_hash=digest(token), person_id=person_id, created_at=now, expires_at=now + ttl
        )
    )
    return token


async def redeem_link(session: AsyncSession, token: str, now: datetime) -> int | None:
    """Use a link once: the person it was made for, or None if unknown, expired or used.

    One conditional UPDATE, so two browsers racing with the same link cannot both win.
    """
    result = await session.execute(
        update(OfficeLink)
        .where(
            OfficeLink.token_hash == digest(token),
            OfficeLink.used_at.is_(None),
            OfficeLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(OfficeLink.person_id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


def open_session(
    session: AsyncSession, person_id: int, now: datetime, ttl: timedelta
) -> tuple[str, str]:
    """A new browser session: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        OfficeSession(
            token_hash=digest(token),
            person_id=person_id,
            csrf=csrf,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token, csrf


async def live_session(session: AsyncSession, token: str, now: datetime) -> OfficeSession | None:
    """The session behind a cookie, unless it is unknown, expired or ended."""
    row = await session.execute(
        select(OfficeSession).where(
            OfficeSession.token_hash == digest(token),
            OfficeSession.expires_at > now,
            OfficeSession.ended_at.is_(None),
        )
    )
    return row.scalar_one_or_none()


async def end_session(session: AsyncSession, session_id: int, now: datetime) -> None:
    """Sign out."""
    await session.execute(
        update(OfficeSession).where(OfficeSession.id == session_id).values(ended_at=now)
    )


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Drop expired or used links and expired or ended sessions; returns how many rows."""
    links = await session.execute(
        delete(OfficeLink).where(or_(OfficeLink.expires_at <= now, OfficeLink.used_at.is_not(None)))
    )
    sessions = await session.execute(
        delete(OfficeSession).where(
            or_(OfficeSession.expires_at <= now, OfficeSession.ended_at.is_not(None))
        )
    )
    # Failed sign-ins per address (handlers/office/throttle.py), once their window and lock end.
    addresses = await session.execute(
        delete(SigninThrottle).where(
            SigninThrottle.window_start < now - timedelta(hours=1),
            or_(SigninThrottle.locked_until.is_(None), SigninThrottle.locked_until <= now),
        )
    )
    return sum(int(getattr(r, "rowcount", 0) or 0) for r in (links, sessions, addresses))
