"""Report photos fetched from the chat platforms, and the office sign-in limit per address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

PHOTO_ROLES = ("before", "after", "answer")  # filed with the report, at closing, a department's
PHOTO_STATES = ("pending", "ready", "failed")


class Photo(Base):
    """A photo of a report as bytes: kept by chat file id (`telegram:…`, `wechat:…`) on the item,
    fetched once from the platform by the worker (bot/photos.py), checked and re-encoded.

    Rows are queued where a use case keeps a photo reference (`pending`), claimed under a lease,
    then `ready` (bytes, JPEG, metadata stripped) or `failed` for good (`error` says why).
    """

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_channel_status_next", "channel", "status", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(255), index=True)  # the chat's reference, as kept
    channel: Mapped[str] = mapped_column(String(16))
    report_id: Mapped[int] = mapped_column(ForeignKey("grid_reports.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    content_type: Mapped[str | None] = mapped_column(String(32))
    width: Mapped[int | None]
    height: Mapped[int | None]
    size: Mapped[int | None]
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime | None]


class SigninThrottle(Base):
    """Failed office sign-ins counted per client address (a digest of it), in the database so
    that every serve process sees the same count; purged daily once no longer locked."""

    __tablename__ = "office_signin_throttle"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the address
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
