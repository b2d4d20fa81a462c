"""A transcript chat over the real dispatcher: multi-turn dialogs as (said, expected) pairs."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.bootstrap import App
from handlers.core.messages import Choice, Location, Message, Reply

_keys = itertools.count(1)


class Pick(str):
    """In a script: pick the shown choice with this label (or the one label containing it), by
    typing its number as a person would on a channel without buttons.

    As a string it is what to type where the choices shown are not known (a script's first
    step, or code that just sends it): `Pick("中文", "1")`.
    """

    label: str

    def __new__(cls, label: str, typed: str = "") -> Pick:
        pick = super().__new__(cls, typed or label)
        pick.label = label
        return pick

    def __repr__(self) -> str:
        return f"Pick({self.label!r})"


def choice_number(shown: tuple[Choice, ...], label: str) -> int:
    """The 1-based number of the one choice in `shown` labelled `label` (or containing it)."""
    exact = [i for i, c in enumerate(shown, start=1) if c.label == label]
    near = exact or [i for i, c in enumerate(shown, start=1) if label in c.label]
    labels = [c.label for c in shown]
    assert len(near) == 1, f"no single choice {label!r} among {labels}"
    return near[0]


def numbered_choice(text: str, label: str) -> int:
    """The number of the choice labelled `label` (or the one containing it) in a rendered
    numbered list ("1. 中文" lines), as a text-only channel shows choices."""
    found = tuple(
        Choice(m["label"], m["n"])
        for m in re.finditer(r"^\s*(?P<n>\d+)\. (?P<label>.+)$", text, flags=re.MULTILINE)
    )
    return int(found[choice_number(found, label) - 1].payload)


@dataclass
class Chat:
    """Talks to the dispatcher as named users of one channel and keeps the transcript."""

    app: App
    channel: str = "console"
    transcript: list[tuple[str, str, list[Reply]]] = field(default_factory=list)
    # Per user, the choices a typed number picks now (the dispatcher's outcome says).
    shown: dict[str, tuple[Choice, ...]] = field(default_factory=dict)

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
        display_name: str | None = None,
    ) -> list[Reply]:
        """Send one message as `user` (the platform's display name: `user`, or `display_name`;
        "" for none); returns the replies."""
        message = Message(
            channel=self.channel,
            user_id=user,
            text=text,
            payload=payload,
            location=location,
            photo=photo,
            display_name=user if display_name is None else (display_name or None),
            lang_hint=lang_hint,
            update_key=update_key or f"k{next(_keys)}",
        )
        outcome = await self.app.dispatcher.handle(message)
        self.transcript.append((user, text or payload or "", outcome.replies))
        if not outcome.replayed:  # what the dispatcher says a number picks now
            self.shown[user] = outcome.choices
        return outcome.replies

    async def pick(self, user: str, label: str, **kwargs: object) -> list[Reply]:
        """Type the number of the choice labelled `label` among those last shown to `user`."""
        return await self.say(user, self.typed(user, label), **kwargs)  # type: ignore[arg-type]

    def typed(self, user: str, said: str) -> str:
        """What to type for `said`: a `Pick` becomes its choice's number among those shown."""
        if not isinstance(said, Pick):
            return said
        if user in self.shown:
            return str(choice_number(self.shown[user], said.label))
        return str.__str__(said)

    async def text(self, user: str, text: str = "", **kwargs: object) -> str:
        """Send and return all reply texts (with choice labels) joined."""
        return render(await self.say(user, text, **kwargs))  # type: ignore[arg-type]

    async def script(self, user: str, pairs: Sequence[tuple[str, str]]) -> None:
        """Play (said, expected substring) pairs, failing on a mismatch; `said` may be a `Pick`."""
        for said, expected in pairs:
            got = await self.text(user, self.typed(user, said))
            assert expected in got, f"after {said!r} expected {expected!r} in:\n{got}"


def render(replies: list[Reply]) -> str:
    """Replies as one text, choices numbered like the console shows them."""
    parts = []
    for reply in replies:
        parts.append(reply.text)
        parts += [f"{i}. {c.label}" for i, c in enumerate(reply.choices, start=1)]
    return "\n".join(parts)
