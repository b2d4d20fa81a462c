"""Helpers for the proposals tests: make proposals through the chat, read the outbox and rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from storage.models import OutboxMessage, Proposal, ProposalCosign, ProposalEvent, Region
from tests.support.chat import Chat


async def propose(
    chat: Chat, user: str, title: str, body: str, *, scope: str = "1", category: str = "6"
) -> str:
    """Make a proposal through /propose (no similar one expected); the last reply's text."""
    await chat.text(user, "/propose")
    await chat.text(user, title)
    text = await chat.text(user, body)
    assert "相似的提案" not in text and "similar" not in text, text
    if "范围" in text or "concern" in text:
        text = await chat.text(user, scope)
    return await chat.text(user, category)


async def set_threshold(chat: Chat, code: str, threshold: int | None) -> None:
    """Give a community its own co-signing threshold."""
    async with chat.app.db.transaction() as session:
        await session.execute(
            update(Region).where(Region.code == code).values(cosign_threshold=threshold)
        )


async def get(chat: Chat, proposal_id: int) -> Proposal:
    """The proposal as stored now."""
    async with chat.app.db.transaction() as session:
        found = await session.get(Proposal, proposal_id)
        assert found is not None
        return found


async def set_fields(chat: Chat, proposal_id: int, **fields: Any) -> None:
    """Move a proposal straight to a state (test set-up)."""
    async with chat.app.db.transaction() as session:
        await session.execute(update(Proposal).where(Proposal.id == proposal_id).values(**fields))


async def count(chat: Chat, model: type, **where: Any) -> int:
    """Rows of a model matching column == value conditions."""
    async with chat.app.db.transaction() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(await session.scalar(query) or 0)


async def cosign_rows(chat: Chat, proposal_id: int) -> int:
    """Stored co-signatures of a proposal."""
    return await count(chat, ProposalCosign, proposal_id=proposal_id)


async def event_kinds(chat: Chat, proposal_id: int) -> list[str]:
    """The kinds of a proposal's events, in order."""
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(ProposalEvent.kind)
            .where(ProposalEvent.proposal_id == proposal_id)
            .order_by(ProposalEvent.id)
        )
        return list(rows.scalars())


async def inbox(chat: Chat, name: str) -> list[dict[str, Any]]:
    """Outbox payloads queued for a console user, oldest first."""
    async with chat.app.db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.payload)
            .where(OutboxMessage.channel == "console", OutboxMessage.external_id == name)
            .order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def inbox_text(chat: Chat, name: str) -> str:
    """Every notice text queued for a console user, joined."""
    return "\n".join(payload["text"] for payload in await inbox(chat, name))
