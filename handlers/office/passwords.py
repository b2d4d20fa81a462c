"""Optional console passwords for staff: argon2id hashes, a failure limit, every step audited.

The sign-in link sent in chat stays the default. A staff member signed in by that link may set a
login name and password on the console's 密码 page (or the office sets one with
`linli admin office-password`), for an office PC where the chat is not at hand. Passwords are
never typed into a chat: the chat keeps its history.

Failures are counted per login in the database (every worker sees them): after `MAX_FAILURES`
in a row the login is locked for `LOCK_MINUTES`, and tries while locked are refused unverified.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import STAFF_ROLES
from handlers.core.errors import Conflict, InvalidInput, NotAllowed
from storage.models import OfficePassword, Person
from storage.repos import audit, roles

MIN_LENGTH = 10
MAX_LENGTH = 128
MAX_FAILURES = 5
LOCK_MINUTES = 15
LOGIN = re.compile(r"^[A-Za-z0-9._-]{3,32}$")

HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, 3 passes)
# Checked when the login is unknown, so an unknown login takes as long as a wrong password.
_DUMMY = HASHER.hash("not a password of anyone")


async def _hash(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def _verify(stored: str, password: str) -> bool:
    def check() -> bool:
        try:
            return HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def check_new(login: str, password: str, repeat: str | None = None) -> None:
    """Refuse a login name or password that cannot be set."""
    if not LOGIN.match(login):
        raise InvalidInput("office.password.bad_login")
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput("office.password.too_short", n=MIN_LENGTH)
    if repeat is not None and repeat != password:
        raise InvalidInput("office.password.mismatch")


async def set_password(
    session: AsyncSession,
    person: Person,
    login: str,
    password: str,
    now: datetime,
    *,
    actor_id: int | None,
) -> None:
    """Give a staff member a login name and password (replacing any they had); audited."""
    check_new(login, password)
    if person.erased_at is not None:
        raise NotAllowed()
    if not any(g.role in STAFF_ROLES for g in await roles.active_grants(session, person.id)):
        raise NotAllowed()
    taken = await session.execute(
        select(OfficePassword.person_id).where(
            OfficePassword.login == login, OfficePassword.person_id != person.id
        )
    )
    if taken.first() is not None:
        raise Conflict("office.password.login_taken")
    hashed = await _hash(password)
    row = await session.get(OfficePassword, person.id)
    if row is None:
        session.add(OfficePassword(person_id=person.id, login=login, hash=hashed, set_at=now))
    else:
        row.login, row.hash, row.set_at = login, hashed, now
        row.failures, row.failed_at, row.locked_until = 0, None, None
    audit.record(
        session,
        actor_id=actor_id,
        action="office.password_set",
        target=f"person:{person.id}",
        now=now,
        login=login,
    )


async def remove_password(
    session: AsyncSession, person_id: int, now: datetime, *, actor_id: int | None
) -> bool:
    """Drop a staff member's password (only the link signs them in then); audited."""
    result = await session.execute(
        delete(OfficePassword).where(OfficePassword.person_id == person_id)
    )
    gone = bool(getattr(result, "rowcount", 0))
    if gone:
        audit.record(
            session,
            actor_id=actor_id,
            action="office.password_removed",
            target=f"person:{person_id}",
            now=now,
        )
    return gone


async def login_of(session: AsyncSession, person_id: int) -> str | None:
    """The login name a staff member set, if any."""
    row = await session.get(OfficePassword, person_id)
    return row.login if row else None


async def check_password(
    session: AsyncSession, login: str, password: str, now: datetime
) -> int | None:
    """The person a login name and password sign in, or None; failures counted and audited.

    Raises NotAllowed("office.password.locked") while the login is locked. The caller commits
    what this records even when it refuses (the count must survive the refusal).
    """
    row = (
        await session.execute(
            select(OfficePassword).where(OfficePassword.login == login[:32]).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        await _verify(_DUMMY, password[:MAX_LENGTH])
        audit.record(
            session,
            actor_id=None,
            action="office.password_failed",
            target="login:unknown",
            now=now,
        )
        return None
    if row.locked_until is not None and row.locked_until > now:
        audit.record(
            session,
            actor_id=None,
            action="office.password_locked",
            target=f"person:{row.person_id}",
            now=now,
        )
        raise NotAllowed("office.password.locked", minutes=LOCK_MINUTES)
    if await _verify(row.hash, password[:MAX_LENGTH]):
        row.failures, row.failed_at, row.locked_until = 0, None, None
        return row.person_id
    row.failures += 1
    row.failed_at = now
    if row.failures >= MAX_FAILURES:
        row.failures = 0
        row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    audit.record(
        session,
        actor_id=None,
        action="office.password_failed",
        target=f"person:{row.person_id}",
        now=now,
        locked=row.locked_until is not None and row.locked_until > now,
    )
    return None
