"""Dialog state, processed updates, the outbox, downloads, broadcasts and due work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

DELIVERY_STATES = ("pending", "sending", "sent", "failed", "blocked", "held", "cancelled")
JOB_STATES = ("pending", "running", "done", "failed", "cancelled")


class DialogState(Base):
    """Where one (channel, user) stands in a flow; in the database so any worker can continue."""

    __tablename__ = "dialog_states"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Payloads of the choices last shown, so "2" can mean the second one on text-only channels.
    choices: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedUpdate(Base):
    """An inbound update already handled, with the replies it produced (served again on retry)."""

    __tablename__ = "processed_updates"

    __table_args__ = (Index("ix_processed_updates_sender", "channel", "user_id"),)

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    # A digest of the sender's id (storage/repos/dialogs.py `sender_key`): an update id is only
    # unique per sender on some platforms, and a redelivery of the update that erased its sender
    # must still be recognised after the erasure, without their id kept in the clear.
    sender: Mapped[str] = mapped_column(String(32), primary_key=True, default="")
    # Who sent it, so that erasing a person also erases the replies kept for them (which may
    # hold their name or address); None once they are erased, or for rows from before 0002.
    user_id: Mapped[str | None] = mapped_column(String(128))
    replies: Mapped[list[Any]] = mapped_column(default=list)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CallbackNonce(Base):
    """A signed callback's (timestamp, nonce), kept while that timestamp is accepted (WeChat).

    Any worker refuses the pair a second time unless the body is the same (WeChat's own retry,
    which the processed-update record then answers): a signed query string cannot be replayed.
    """

    __tablename__ = "callback_nonces"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    timestamp: Mapped[str] = mapped_column(String(12), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the message, hex
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Download(Base):
    """A file too big for a chat message (WeChat has no files), fetched once by link, briefly.

    The token is the link's only secret (random, 256 bits); the row is gone when it expires and
    when the person it was made for is erased.
    """

    __tablename__ = "downloads"
    __table_args__ = (Index("ix_downloads_recipient", "channel", "user_id"),)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Broadcast(Base):
    """A notice to an audience; delivered as one outbox row per recipient."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    recipients: Mapped[int] = mapped_column(default=0)
    scheduled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    progress_ref: Mapped[str | None] = mapped_column(String(128))


class OutboxMessage(Base):
    """A message to send outside the immediate reply; written with the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_channel_status_due", "channel", "status", "not_before"),
        Index("ix_outbox_broadcast_status", "broadcast_id", "status"),
        Index("ix_outbox_person_kind", "person_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), default="notice")
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # Times the row was taken back from a sender whose lease ran out (it may have been sent).
    reclaims: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelToken(Base):
    """A platform access token held once per deployment, shared by every process (WeChat)."""

    __tablename__ = "channel_tokens"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DueJob(Base):
    """Work that comes due at a time (reminder, offer time-out, escalation), claimed by sweeps.

    (kind, ref) is unique: scheduling the same job again moves it, and a periodic sweep's row per
    period (("honour_roll", "2026-12")) can be created by every worker but exists once.
    """

    __tablename__ = "due_jobs"
    __table_args__ = (
        Index("ix_due_jobs_status_due", "status", "due_at"),
        UniqueConstraint("kind", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64), default="")
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
