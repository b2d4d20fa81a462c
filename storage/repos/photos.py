"""Report photos as bytes: queued where a use case keeps a chat file reference, claimed by the
fetcher of their channel under a lease, stored once checked; looked up by the office and by a
channel that must send another channel's photo as an upload."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Photo

CHANNELS = ("telegram", "wechat")
MAX_ATTEMPTS = 6


def channel_of(ref: str | None) -> str | None:
    """The channel a kept reference comes from (`telegram:…` → telegram), if one we fetch."""
    if not ref or ":" not in ref:
        return None
    channel, rest = ref.split(":", 1)
    return channel if channel in CHANNELS and rest else None


async def want(
    session: AsyncSession,
    ref: str | None,
    *,
    report_id: int,
    role: str,
    person_id: int | None,
    now: datetime,
) -> None:
    """Queue a report's photo for fetching (nothing for no photo, or one already queued)."""
    channel = channel_of(ref)
    if channel is None or ref is None:
        return
    found = await session.scalar(
        select(Photo.id).where(Photo.report_id == report_id, Photo.role == role, Photo.ref == ref)
    )
    if found is None:
        session.add(
            Photo(
                ref=ref,
                channel=channel,
                report_id=report_id,
                role=role,
                person_id=person_id,
                status="pending",
                attempts=0,
                next_try_at=now,
                created_at=now,
            )
        )


async def claim(
    session: AsyncSession, channel: str, now: datetime, *, limit: int, lease: timedelta
) -> list[tuple[int, str]]:
    """Due pending photos of a channel, leased to the caller: (id, the platform's own id).

    The UPDATE repeats the conditions, so two claimers never take the same row (PostgreSQL
    re-checks them on the locked row; SQLite writes one transaction at a time).
    """
    due = and_(
        Photo.channel == channel,
        Photo.status == "pending",
        Photo.next_try_at <= now,
        or_(Photo.lease_until.is_(None), Photo.lease_until <= now),
    )
    ids = list(
        (await session.execute(select(Photo.id).where(due).order_by(Photo.id).limit(limit)))
        .scalars()
        .all()
    )
    if not ids:
        return []
    claimed = await session.execute(
        update(Photo)
        .where(Photo.id.in_(ids), due)
        .values(lease_until=now + lease)
        .returning(Photo.id, Photo.ref)
        .execution_options(synchronize_session=False)
    )
    return [(pid, ref.split(":", 1)[1]) for pid, ref in claimed.all()]


async def store(
    session: AsyncSession,
    photo_id: int,
    data: bytes,
    content_type: str,
    size: tuple[int, int],
    now: datetime,
) -> None:
    """The checked bytes of a photo; it is ready."""
    await session.execute(
        update(Photo)
        .where(Photo.id == photo_id, Photo.status == "pending")
        .values(
            status="ready",
            data=data,
            content_type=content_type,
            width=size[0],
            height=size[1],
            size=len(data),
            fetched_at=now,
            lease_until=None,
            error=None,
        )
    )


async def retry_or_fail(
    session: AsyncSession, photo_id: int, error: str, now: datetime, *, permanent: bool
) -> str:
    """A failed fetch: try again later (backing off), or give up; returns the new status."""
    row = await session.get(Photo, photo_id)
    if row is None or row.status != "pending":
        return "gone"
    row.attempts += 1
    row.error = error[:200]
    row.lease_until = None
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.next_try_at = now + timedelta(seconds=min(30 * 2 ** (row.attempts - 1), 3600))
    return row.status


async def by_ref(session: AsyncSession, ref: str) -> Photo | None:
    """The newest row of a reference (ready ones first), to send its bytes elsewhere."""
    rows = await session.execute(
        select(Photo)
        .where(Photo.ref == ref)
        .order_by((Photo.status == "ready").desc(), Photo.id.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def of_report(session: AsyncSession, report_id: int) -> list[Photo]:
    """A report's photo rows, oldest first."""
    rows = await session.execute(
        select(Photo).where(Photo.report_id == report_id).order_by(Photo.id)
    )
    return list(rows.scalars())
