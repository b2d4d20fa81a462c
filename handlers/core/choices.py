"""The numbered-choice memory: what "2" or a typed label picks on a channel without buttons.

The choices last shown to a (channel, user) are kept in their dialog state as [label, payload]
pairs: the dispatcher writes them from its own replies (`remember`), the outbox sender from a
pushed message it delivered (`shown`, on text-only channels), and the dispatcher reads them
(`chosen`). Nothing else writes or reads them. Rows written before labels were kept hold bare
payloads: a number still picks them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.messages import Choice, Reply
from handlers.core.numbers import parse_int
from storage.models import DialogState
from storage.repos import dialogs as dialog_repo


def remember(state: DialogState, replies: list[Reply]) -> None:
    """The choices of the last reply that has any become what a number answers (or none)."""
    with_choices = [r for r in replies if r.choices]
    state.choices = _stored(with_choices[-1].choices) if with_choices else []


async def shown(
    session: AsyncSession, channel: str, delivered: Sequence[tuple[str, Sequence[Choice]]]
) -> None:
    """Pushed messages with choices reached these (user id, choices): a number or a label picks
    them now (the last one per person; not while a flow waits for an answer: see
    `storage.repos.dialogs.remember_choices_of`)."""
    latest = {user_id: _stored(choices) for user_id, choices in delivered}
    await dialog_repo.remember_choices_of(session, channel, latest)


def of(state: DialogState) -> tuple[Choice, ...]:
    """The choices last shown, as `Choice`s (a bare payload of an older row has no label)."""
    return tuple(_choice(item) for item in state.choices)


def chosen(state: DialogState, text: str, *, flow_waits: bool, numbers: bool) -> str | None:
    """The payload `text` picks among the choices last shown, or None.

    A number picks by position (unless the step waiting asks for a number: `numbers`); outside a
    flow, the exact label as shown ("接受", "我办的事") picks its choice before the words go to
    free-text understanding. Inside a flow the step matches its own labels
    (`handlers.core.dialogs`).
    """
    remembered = of(state)
    if not remembered or numbers:
        return None
    number = parse_int(text, low=1)
    if number is not None:
        return remembered[number - 1].payload if number <= len(remembered) else None
    said = folded(text)
    if flow_waits or not said:
        return None
    hits = {c.payload for c in remembered if c.label and folded(c.label) == said}
    return hits.pop() if len(hits) == 1 else None


def folded(text: str) -> str:
    """A label or an answer compared without case, width or spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _stored(choices: Sequence[Choice]) -> list[Any]:
    return [[c.label, c.payload] for c in choices]


def _choice(item: Any) -> Choice:
    if isinstance(item, str):
        return Choice("", item)
    label, payload = item
    return Choice(str(label), str(payload))
