"""The audit log of privileged actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    target: str,
    now: datetime,
    **details: Any,
) -> None:
    """Add an audit entry in the current transaction."""
    session.add(
        AuditEntry(actor_id=actor_id, action=action, target=target, details=details, at=now)
    )


async def latest(session: AsyncSession, limit: int = 50) -> list[AuditEntry]:
    """The newest audit entries."""
    rows = await session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return list(rows.scalars())


async def exists(session: AsyncSession, *, action: str, target: str) -> bool:
    """Whether an action on a target was already recorded."""
    row = await session.execute(
        select(AuditEntry.id)
        .where(AuditEntry.action == action, AuditEntry.target == target)
        .limit(1)
    )
    return row.first() is not None
