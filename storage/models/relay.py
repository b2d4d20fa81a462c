"""What people say to each other about one item through Linli, and notes kept apart from offers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

ITEM_KINDS = ("need", "report")
RELAY_KINDS = ("text", "phone")


class RelayMessage(Base):
    """One message relayed between the parties of an item (a need's resident and volunteer, a
    report's reporter and grid worker). `kind` "phone" is a number its sender chose to share."""

    __tablename__ = "relay_messages"
    __table_args__ = (Index("ix_relay_messages_item", "item_kind", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int]
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NeedSensitive(Base):
    """A need's health or other sensitive note, kept apart from the need (敏感个人信息): stored
    only with the person's separate consent and shown only to the accepted helper."""

    __tablename__ = "need_sensitive"

    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
