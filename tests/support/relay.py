"""Helpers for the relay tests: a need taken by a volunteer, offers, the thread as stored."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from storage.models import Organization, Person, RelayMessage, TaskOffer


async def offers(app: App, need_id: int) -> list[tuple[int, str]]:
    """(offer id, who answers it) for a need, best first."""
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(TaskOffer).where(TaskOffer.need_id == need_id).order_by(TaskOffer.rank)
        )
        out = []
        for offer in rows.scalars():
            person_id = offer.person_id
            if person_id is None:
                org = await session.get(Organization, offer.organization_id)
                assert org is not None
                person_id = org.contact_person_id
            person = await session.get(Person, person_id)
            assert person is not None
            out.append((offer.id, person.display_name))
        return out


async def thread(app: App, kind: str, item_id: int) -> list[tuple[str, str]]:
    """(kind, text) of an item's stored thread, oldest first."""
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(RelayMessage)
            .where(RelayMessage.item_kind == kind, RelayMessage.item_id == item_id)
            .order_by(RelayMessage.id)
        )
        return [(row.kind, row.text) for row in rows.scalars()]
