"""Helpers for the volunteer, organization and hours tests: paced scripts, people, rows, outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from handlers.core.notify import Sink
from handlers.hours import record_service
from storage.models import OutboxMessage, Person, Region, ServiceRecord, VolunteerProfile
from tests.support.chat import Chat
from tests.support.clock import FakeClock


class Talk:
    """A chat whose clock moves 3 s per message, so long dialogs stay under the flood limit."""

    def __init__(self, chat: Chat, clock: FakeClock) -> None:
        self.chat = chat
        self.clock = clock

    async def text(self, user: str, said: str = "", **kwargs: Any) -> str:
        """Say one thing; the replies as text."""
        self.clock.advance(seconds=3)
        return await self.chat.text(user, said, **kwargs)

    async def script(self, user: str, pairs: list[tuple[str, str]]) -> None:
        """Play (said, expected substring) pairs."""
        for said, expected in pairs:
            got = await self.text(user, said)
            assert expected in got, f"after {said!r} expected {expected!r} in:\n{got}"


async def person_id(chat: Chat, name: str) -> int:
    """The id of the demo person called `name`."""
    async with chat.app.db.transaction() as session:
        found = await session.scalar(select(Person.id).where(Person.display_name == name))
        assert found is not None, name
        return int(found)


async def region_id(chat: Chat, code: str) -> int:
    """The id of a region by code."""
    async with chat.app.db.transaction() as session:
        found = await session.scalar(select(Region.id).where(Region.code == code))
        assert found is not None, code
        return int(found)


async def profile(chat: Chat, name: str) -> VolunteerProfile | None:
    """The stored volunteer profile of a person."""
    pid = await person_id(chat, name)
    async with chat.app.db.transaction() as session:
        return await session.get(VolunteerProfile, pid)


async def record(chat: Chat, name: str, hours: str, served_at: datetime, **fields: Any) -> int:
    """Record a service for a person through the use case (as dispatch or activities do)."""
    values: dict[str, Any] = {
        "content": "陪同就医",
        "place": "朝阳医院",
        "region_id": await region_id(chat, "CY-JS-01"),
        "organizer_id": None,
        "recorded_by_id": None,
    }
    values.update(fields)
    pid = await person_id(chat, name)
    async with chat.app.db.transaction() as session:
        deps = chat.app.deps
        row = await record_service(
            Sink.bare(session, deps, deps.clock()),
            person_id=pid,
            served_at=served_at,
            hours=Decimal(hours),
            **values,
        )
        return row.id


async def stored_record(chat: Chat, record_id: int) -> ServiceRecord:
    """A service record as stored now."""
    async with chat.app.db.transaction() as session:
        found = await session.get(ServiceRecord, record_id)
        assert found is not None
        return found


async def outbox_texts(chat: Chat, name: str) -> list[str]:
    """Texts queued for a person, oldest first."""
    pid = await person_id(chat, name)
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.payload)
            .where(OutboxMessage.person_id == pid)
            .order_by(OutboxMessage.id)
        )
        return [payload["text"] for payload in rows.scalars()]
