"""The office console's sign-in: one-time links sent in chat, and the short sessions they open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class OfficeLink(Base):
    """A single-use sign-in link sent to a staff member's own chat; only its hash is kept."""

    __tablename__ = "office_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OfficeSession(Base):
    """A signed-in browser: the cookie holds the token, the row its hash and the CSRF secret."""

    __tablename__ = "office_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]


class OfficePassword(Base):
    """A staff member's optional console password: a login name and an argon2 hash of it.

    Failed tries are counted here (every worker sees the same count); after too many, the login
    is locked for a while (handlers/office/passwords.py).
    """

    __tablename__ = "office_passwords"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    login: Mapped[str] = mapped_column(String(32), unique=True)
    hash: Mapped[str] = mapped_column(String(255))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    failures: Mapped[int] = mapped_column(default=0)
    failed_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
