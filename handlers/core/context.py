"""What a handler works with: the long-lived dependencies and the per-message context."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.config import CoreConfig
from handlers.core.i18n import Translator
from handlers.core.messages import Choice, Message, Reply
from storage.db import Database
from storage.models import DialogState, Identity, Person


@dataclass(frozen=True)
class Deps:
    """Everything handlers depend on, built once by the composition root (tests pass fakes)."""

    db: Database
    i18n: Translator
    config: CoreConfig
    clock: Callable[[], datetime]


@dataclass
class Ctx:
    """One message being handled: who sent it, their dialog state, the open session."""

    deps: Deps
    session: AsyncSession
    message: Message
    identity: Identity
    person: Person
    state: DialogState
    now: datetime
    args: str = ""

    @property
    def lang(self) -> str:
        """The language to answer in."""
        return self.person.lang

    @property
    def data(self) -> dict[str, Any]:
        """The current flow's answers so far (mutable; saved with the state)."""
        return self.state.data.setdefault("answers", {})

    def t(self, key: str, /, **params: Any) -> str:
        """Text from the catalog in the user's language."""
        return self.deps.i18n.translate(self.lang, key, **params)

    def reply(self, key: str, /, *, choices: Sequence[Choice] = (), **params: Any) -> Reply:
        """A reply with catalog text and optional choices."""
        return Reply(self.t(key, **params), tuple(choices))

    def join(self, items: Iterable[str]) -> str:
        """Items as a list in a sentence of the user's language: "甲、乙", "A, B"."""
        return self.deps.i18n.join(self.lang, items)

    def when(self, value: datetime) -> str:
        """A UTC time shown in the user's local time and style."""
        return self.deps.i18n.datetime(self.lang, value)
