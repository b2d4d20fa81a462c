"""A scripted transport for sender tests: records every send, answers as told per chat."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from bot.sender import SendResult
from handlers.core.messages import Reply
from storage.models import OutboxMessage


@dataclass
class ScriptedTransport:
    """Answers `sent` unless a chat has scripted answers queued; counts deliveries per row."""

    channel: str = "console"
    script: dict[str, list[SendResult]] = field(default_factory=dict)
    delivered: Counter[int] = field(default_factory=Counter)
    texts: list[tuple[str, str]] = field(default_factory=list)
    delay_s: float = 0.0

    async def send(self, external_id: str, reply: Reply, row: OutboxMessage) -> SendResult:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        queued = self.script.get(external_id)
        if queued:
            result = queued.pop(0)
            if result.outcome != "sent":
                return result
        self.delivered[row.id] += 1
        self.texts.append((external_id, reply.text))
        return SendResult("sent", platform_id=f"m{row.id}")
