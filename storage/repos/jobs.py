"""Due work as rows (DueJob): schedule, claim under a lease, finish, retry, fail, cancel.

Sweeps claim due rows atomically, so several workers never run one job twice and a restart picks
up what came due meanwhile (rows whose claimer died are taken back when their lease runs out).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DueJob

OPEN_STATES = ("pending", "running")


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DueJob)


async def schedule(
    session: AsyncSession,
    kind: str,
    ref: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Create the job (kind, ref) due at `due_at`, or move it there and make it pending again.

    Use a `ref` that names the thing and the occasion ("12:24h" for a reminder a day before
    activity 12): the pair is unique.
    """
    values = {
        "kind": kind,
        "ref": ref,
        "due_at": due_at,
        "payload": payload or {},
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }
    stmt = _insert(session).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "ref"],
        set_={
            "due_at": stmt.excluded.due_at,
            "payload": stmt.excluded.payload,
            "status": "pending",
            "attempts": 0,
            "lease_until": None,
            "last_error": None,
        },
    )
    await session.execute(stmt)


async def ensure(
    session: AsyncSession,
    kind: str,
    ref: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Create the job (kind, ref) unless it exists, whatever its state; True if created.

    Every worker may call this for the same period; the unique (kind, ref) keeps one row.
    """
    stmt = (
        _insert(session)
        .values(
            kind=kind,
            ref=ref,
            due_at=due_at,
            payload=payload or {},
            status="pending",
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["kind", "ref"])
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def cancel(session: AsyncSession, kind: str, ref: str) -> int:
    """Cancel a job not yet done (a running one finishes what it started)."""
    result = await session.execute(
        update(DueJob)
        .where(DueJob.kind == kind, DueJob.ref == ref, DueJob.status == "pending")
        .values(status="cancelled", lease_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def get(session: AsyncSession, kind: str, ref: str) -> DueJob | None:
    """The job (kind, ref), if any."""
    return (
        await session.execute(select(DueJob).where(DueJob.kind == kind, DueJob.ref == ref))
    ).scalar_one_or_none()


async def lock(session: AsyncSession, kind: str, ref: str) -> DueJob | None:
    """The job (kind, ref), locked until commit (PostgreSQL) and read afresh."""
    rows = await session.execute(
        select(DueJob)
        .where(DueJob.kind == kind, DueJob.ref == ref)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return rows.scalar_one_or_none()


async def release_expired(session: AsyncSession, now: datetime) -> int:
    """Take back running jobs whose sweeper's lease ran out (it died or hung); they run again."""
    result = await session.execute(
        update(DueJob)
        .where(DueJob.status == "running", DueJob.lease_until < now)
        .values(status="pending", lease_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim(
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease_until: datetime,
    kinds: Collection[str],
) -> list[DueJob]:
    """Atomically move up to `limit` due jobs of `kinds` to "running" under a lease.

    PostgreSQL: candidates are locked with FOR UPDATE SKIP LOCKED, so concurrent sweepers take
    disjoint sets. SQLite: the transaction began with BEGIN IMMEDIATE, so reading the ids and
    updating them is already exclusive. Kinds this worker has no handler for are left alone (a newer
    worker may know them).
    """
    if not kinds:
        return []
    candidates = (
        select(DueJob.id)
        .where(DueJob.status == "pending", DueJob.due_at <= now, DueJob.kind.in_(list(kinds)))
        .order_by(DueJob.due_at, DueJob.id)
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
        update(DueJob)
        .where(DueJob.id.in_(ids))
        .values(status="running", lease_until=lease_until, attempts=DueJob.attempts + 1)
        .returning(DueJob)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all(), key=lambda job: (job.due_at, job.id))


async def finish(session: AsyncSession, job_id: int, lease_until: datetime | None) -> bool:
    """Mark a claimed job done, if this claim still holds it; False if it was taken back.

    Called first in the job's own transaction: on PostgreSQL the row stays locked until the
    job's effects commit with it, so no other sweeper can reclaim it meanwhile.
    """
    result = await session.execute(
        update(DueJob)
        .where(DueJob.id == job_id, DueJob.status == "running", DueJob.lease_until == lease_until)
        .values(status="done", lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def retry_later(
    session: AsyncSession,
    job_id: int,
    lease_until: datetime | None,
    due_at: datetime,
    error: str,
) -> bool:
    """Put a failed attempt back as pending, due again at `due_at` (backoff)."""
    result = await session.execute(
        update(DueJob)
        .where(DueJob.id == job_id, DueJob.status == "running", DueJob.lease_until == lease_until)
        .values(status="pending", due_at=due_at, lease_until=None, last_error=error[:2000])
    )
    return bool(getattr(result, "rowcount", 0))


async def fail(
    session: AsyncSession, job_id: int, lease_until: datetime | None, error: str
) -> bool:
    """Give up on a job after its last attempt."""
    result = await session.execute(
        update(DueJob)
        .where(DueJob.id == job_id, DueJob.status == "running", DueJob.lease_until == lease_until)
        .values(status="failed", lease_until=None, last_error=error[:2000])
    )
    return bool(getattr(result, "rowcount", 0))


async def purge_finished(
    session: AsyncSession, older_than: datetime, kinds: Collection[str] | None = None
) -> int:
    """Delete done and cancelled jobs due before `older_than` (failed ones stay for a look)."""
    stmt = delete(DueJob).where(
        DueJob.status.in_(("done", "cancelled")), DueJob.due_at < older_than
    )
    if kinds is not None:
        stmt = stmt.where(DueJob.kind.in_(list(kinds)))
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def counts(session: AsyncSession, kind: str | None = None) -> dict[str, int]:
    """Jobs per status, optionally of one kind."""
    query = select(DueJob.status, func.count()).group_by(DueJob.status)
    if kind is not None:
        query = query.where(DueJob.kind == kind)
    return {status: int(n) for status, n in (await session.execute(query)).all()}
