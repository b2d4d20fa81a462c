"""Messages to people other than the sender: outbox rows, each rendered in the recipient's language.

`notify` works while a message is handled (pass the `Ctx`) and without one (scheduler sweeps, use
cases other features call: pass their `Sink`, which always carries the deployment's settings).
Parameters may be given in forms that are localized per recipient: `Pair` (a Chinese and an
English text), `Key` (a catalog key), `At` (a UTC time shown in the recipient's local time).
Non-urgent messages written during quiet hours wait until they end (`URGENT_KINDS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Self
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.config import CoreConfig
from handlers.core.context import Ctx, Deps
from handlers.core.i18n import Translator
from handlers.core.messages import Choice, Reply
from storage.models import Identity, OutboxMessage, Person
from storage.repos import outbox, people

# Kinds that may go out during quiet hours (`urgent=True`), each because someone waits for it now;
# every other notice, offers included, waits for the end of the quiet hours
# (tests/e2e/test_quiet_hours_notices.py sends each kind at 23:30 local).
URGENT_KINDS: dict[str, str] = {
    "alert": "an organizer's alert that a need has nobody to take it (handlers/alerts.py)",
    "signin": "an office sign-in link the person just asked for, valid for minutes",
    "activity": "a waitlist place for an activity that starts before the quiet hours end",
    "relay": "a message one side of an item writes to the other (the relay), as a chat would",
    "urgent_offer": "an offer of a need its resident called urgent (很急): help is wanted now",
    "urgent_need": "organizers told of an urgent need at once (handlers/tasks/urgency.py)",
}


@dataclass(frozen=True)
class Sink:
    """The use-case context: the open session, the time of writing, and the dependencies
    (`deps`: translator, frozen settings tree, clock) of the process.

    Every use case that works without a message (sweeps, other features, the CLI) takes one;
    handlers make theirs with `Sink.of(ctx)`; sweeps get one per job from the `Sweeper`.
    """

    session: AsyncSession
    deps: Deps
    now: datetime

    @classmethod
    def of(cls, ctx: Ctx) -> Self:
        """The context of the message being handled."""
        return cls(ctx.session, ctx.deps, ctx.now)

    @classmethod
    def bare(cls, session: AsyncSession, deps: Deps, now: datetime | None = None) -> Self:
        """A context for use cases called without a message (now: the deps' clock)."""
        return cls(session, deps, deps.clock() if now is None else now)

    @property
    def i18n(self) -> Translator:
        """The catalogs."""
        return self.deps.i18n

    @property
    def config(self) -> CoreConfig:
        """The deployment's frozen settings tree."""
        return self.deps.config

    def wake(self) -> datetime:
        """When a non-urgent notice written now goes out: now, or the end of the quiet hours."""
        cfg = self.config
        return after_quiet_hours(self.now, cfg.tz, cfg.quiet_start, cfg.quiet_end)


@dataclass(frozen=True)
class Pair:
    """A value with a Chinese and an English form (a service item's name)."""

    zh: str
    en: str


@dataclass(frozen=True)
class Key:
    """A catalog key, translated in the recipient's language."""

    key: str


@dataclass(frozen=True)
class At:
    """A UTC time, shown in the recipient's local time and style."""

    value: datetime


@dataclass(frozen=True)
class Span:
    """A start and end in UTC, shown in the recipient's local time ("2026-12-06 09:00–11:00")."""

    start: datetime
    end: datetime

    def localize(self, i18n: Translator, lang: str) -> str:
        return i18n.span(lang, self.start, self.end)


@dataclass(frozen=True)
class Day:
    """A UTC time shown as the recipient's local date."""

    value: datetime


@dataclass(frozen=True)
class Listed:
    """Items shown as a list in the recipient's language ("甲、乙", "A, B"); "—" if none."""

    items: tuple[str, ...]

    def localize(self, i18n: Translator, lang: str) -> str:
        return i18n.join(lang, self.items) or "—"


def localize(i18n: Translator, lang: str, value: Any) -> Any:
    """A parameter in the recipient's language; objects with a `localize(i18n, lang)` do it."""
    if hasattr(value, "localize"):
        return value.localize(i18n, lang)
    if isinstance(value, Day):
        return i18n.datetime(lang, value.value, "yyyy-MM-dd")
    if isinstance(value, datetime):
        return i18n.datetime(lang, value)
    if isinstance(value, Pair):
        return value.zh if lang.startswith("zh") else value.en
    if isinstance(value, Key):
        return i18n.translate(lang, value.key)
    if isinstance(value, At):
        return i18n.datetime(lang, value.value)
    return value


def after_quiet_hours(now: datetime, tz: str, start: time, end: time) -> datetime:
    """`now`, or the end of the quiet hours (local time) if `now` falls inside them."""
    local = now.astimezone(ZoneInfo(tz))
    clock = local.time()
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return now
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(now.tzinfo)


async def notify(
    target: Ctx | Sink,
    person_id: int | None,
    key: str,
    /,
    *,
    choices: Sequence[tuple[str, str]] = (),
    kind: str = "notice",
    urgent: bool = False,
    photo: str | None = None,
    **params: Any,
) -> int:
    """Queue `key` for every reachable identity of a person; choices are (label key, payload)."""
    sink = Sink.of(target) if isinstance(target, Ctx) else target
    if person_id is None:
        return 0
    person = await sink.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        return 0
    identities = await people.identities_of(sink.session, person_id)
    return queue_notice(
        sink,
        person,
        identities,
        key,
        choices=choices,
        kind=kind,
        urgent=urgent,
        photo=photo,
        **params,
    )


async def notify_each(
    target: Ctx | Sink,
    people: Sequence[int | None],
    key: str,
    /,
    *,
    skip: int | None = None,
    **kwargs: Any,
) -> int:
    """`notify` each person once, leaving out None and `skip` (the one acting)."""
    seen: set[int] = set()
    count = 0
    for person_id in people:
        if person_id is None or person_id == skip or person_id in seen:
            continue
        seen.add(person_id)
        count += await notify(target, person_id, key, **kwargs)
    return count


def queue_notice(
    sink: Sink,
    person: Person,
    identities: Sequence[Identity],
    key: str,
    /,
    *,
    choices: Sequence[tuple[str, str]] = (),
    kind: str = "notice",
    urgent: bool = False,
    photo: str | None = None,
    **params: Any,
) -> int:
    """`notify` for a person and reachable identities the caller loaded."""
    rows = notice_rows(
        sink,
        person,
        identities,
        key,
        choices=choices,
        kind=kind,
        urgent=urgent,
        photo=photo,
        **params,
    )
    for row in rows:
        sink.session.add(OutboxMessage(**row))
    return len(rows)


def notice_rows(
    sink: Sink,
    person: Person,
    identities: Sequence[Identity],
    key: str,
    /,
    *,
    choices: Sequence[tuple[str, str]] = (),
    kind: str = "notice",
    urgent: bool = False,
    photo: str | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """The outbox rows of one notice (`outbox.enqueue_many` writes many at once)."""
    if person.erased_at is not None:
        return []
    lang, i18n = person.lang, sink.i18n
    local = {name: localize(i18n, lang, value) for name, value in params.items()}
    reply = Reply(
        i18n.translate(lang, key, **local),
        tuple(Choice(i18n.translate(lang, label), payload) for label, payload in choices),
        photo=photo,
    )
    send_at = sink.now if urgent else sink.wake()
    return [
        outbox.row_values(
            person_id=person.id,
            channel=ident.channel,
            external_id=ident.external_id,
            payload=reply.to_dict(),
            kind=kind,
            urgent=urgent,
            now=sink.now,
            not_before=send_at,
        )
        for ident in identities
    ]
