"""Failed office sign-ins counted per client address, in the database (every serve process
sees the same count), beside the count per login name (handlers/office/passwords.py).

After `MAX_FAILURES` failed password tries from one address within `WINDOW`, that address is
refused for `LOCK` without a password being checked (someone trying many login names meets
this limit, which the per-login one does not catch). Only a digest of the address is kept;
rows are purged daily once their window and lock are over (storage/repos/office.py).
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.errors import NotAllowed
from storage.models import SigninThrottle
from storage.repos import audit

MAX_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def digest(address: str) -> str:
    """What is kept of an address."""
    return hashlib.sha256(address.encode()).hexdigest()


def client_address(peer: str | None, headers: dict[str, str], header: str) -> str:
    """The client's address: the connection's, or with `header` configured (a reverse proxy's
    `X-Forwarded-For` or `X-Real-IP`) the last address in that header, which the proxy added."""
    if header:
        value = headers.get(header.lower(), "")
        last = value.split(",")[-1].strip() if value else ""
        if last:
            return last[:64]
    return (peer or "unknown")[:64]


async def _row(session: AsyncSession, key: str, now: datetime) -> SigninThrottle:
    """The address's row, created if new and locked for this transaction."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(SigninThrottle)
        .values(address=key, failures=0, window_start=now, locked_until=None)
        .on_conflict_do_nothing(index_elements=["address"])
    )
    found = await session.execute(
        select(SigninThrottle)
        .where(SigninThrottle.address == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return found.scalar_one()


async def refuse_if_locked(session: AsyncSession, address: str, now: datetime) -> None:
    """NotAllowed("office.signin.address_locked") while the address is locked; audited."""
    row = await session.get(SigninThrottle, digest(address))
    if row is None or row.locked_until is None or row.locked_until <= now:
        return
    audit.record(
        session,
        actor_id=None,
        action="office.address_locked",
        target=f"address:{row.address[:16]}",
        now=now,
    )
    minutes = max(1, math.ceil((row.locked_until - now).total_seconds() / 60))
    raise NotAllowed("office.signin.address_locked", minutes=minutes)


async def failed(session: AsyncSession, address: str, now: datetime) -> bool:
    """Count a failed try from `address`; True when it now locks the address (audited)."""
    row = await _row(session, digest(address), now)
    if now - row.window_start >= WINDOW:
        row.failures, row.window_start = 0, now
    row.failures += 1
    if row.failures < MAX_FAILURES:
        return False
    row.failures, row.window_start, row.locked_until = 0, now, now + LOCK
    audit.record(
        session,
        actor_id=None,
        action="office.address_limited",
        target=f"address:{row.address[:16]}",
        now=now,
        failures=MAX_FAILURES,
        minutes=int(LOCK.total_seconds() // 60),
    )
    return True
