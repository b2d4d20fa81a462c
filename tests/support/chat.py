"""A transcript chat over the real dispatcher: multi-turn dialogs as (said, expected) pairs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.bootstrap import App
from handlers.core.messages import Location, Message, Reply

_keys = itertools.count(1)


@dataclass
class Chat:
    """Talks to the dispatcher as named users of one channel and keeps the transcript."""

    app: App
    channel: str = "console"
    transcript: list[tuple[str, str, list[Reply]]] = field(default_factory=list)

    async def say(
        self,
        user: str,
        text: str = "",
        *,
        payload: str | None = None,
        location: Location | None = None,
        photo: str | None = None,
        update_key: str | None = None,
        lang_hint: str | None = None,
    ) -> list[Reply]:
        """Send one message as `user`; returns the replies."""
        message = Message(
            channel=self.channel,
            user_id=user,
            text=text,
            payload=payload,
            location=location,
            photo=photo,
            display_name=user,
            lang_hint=lang_hint,
            update_key=update_key or f"k{next(_keys)}",
        )
        outcome = await self.app.dispatcher.handle(message)
        self.transcript.append((user, text or payload or "", outcome.replies))
        return outcome.replies

    async def text(self, user: str, text: str = "", **kwargs: object) -> str:
        """Send and return all reply texts (with choice labels) joined."""
        return render(await self.say(user, text, **kwargs))  # type: ignore[arg-type]

    async def script(self, user: str, pairs: list[tuple[str, str]]) -> None:
        """Play (said, expected substring) pairs, failing with the transcript on a mismatch."""
        for said, expected in pairs:
            got = await self.text(user, said)
            assert expected in got, f"after {said!r} expected {expected!r} in:\n{got}"


def render(replies: list[Reply]) -> str:
    """Replies as one text, choices numbered like the console shows them."""
    parts = []
    for reply in replies:
        parts.append(reply.text)
        parts += [f"{i}. {c.label}" for i, c in enumerate(reply.choices, start=1)]
    return "\n".join(parts)
