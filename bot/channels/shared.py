"""What every webhook channel does the same way: read a capped body, queue replies for later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from handlers.core.messages import Reply
from storage.repos import outbox


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None if it is larger than `limit` bytes (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def queue_replies(
    session: AsyncSession,
    channel: str,
    external_id: str,
    replies: Sequence[Reply],
    now: datetime,
    *,
    person_id: int | None = None,
    urgent: bool = False,
    not_before: datetime | None = None,
) -> None:
    """Hand replies that cannot go out in the answer itself to the outbox sender, in order."""
    for reply in replies:
        outbox.enqueue(
            session,
            person_id=person_id,
            channel=channel,
            external_id=external_id,
            payload=reply.to_dict(),
            kind="reply",
            urgent=urgent,
            now=now,
            not_before=not_before,
        )
