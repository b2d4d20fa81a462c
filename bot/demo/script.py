"""The demo script's vocabulary: lines, sections and what the sections may depend on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.bootstrap import App
from handlers.core.messages import Location

# The demo's clock starts here (10:00 on a Monday in Beijing), so the transcript is the same on
# every run and nothing waits for the quiet hours; `Wait` lines move it on.
DEMO_START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
# Story time between two lines: people type at a human pace (and stay under the flood guard).
LINE_PAUSE = timedelta(seconds=5)


@dataclass(frozen=True)
class Say:
    """One line of the script: who says what."""

    user: str
    text: str
    location: Location | None = None  # a shared point (the console has no other way to send one)
    photo: str | None = None  # a channel file reference sent with the text
    # Text known only while the demo runs (an id or code the bot just made), read from the app.
    later: Callable[[App], Awaitable[str]] | None = None


@dataclass(frozen=True)
class Wait:
    """A pause in the story: the demo clock moves on to `until` (due messages are then shown)."""

    until: datetime


@dataclass(frozen=True)
class Run:
    """Something the system does by itself (a scheduler sweep), narrated by a catalog key."""

    note: str
    action: Callable[[App], Awaitable[object]]


class DemoClock:
    """The demo's clock: starts at DEMO_START and moves only on `Wait` lines."""

    def __init__(self, start: datetime = DEMO_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Section:
    """A titled part of the scenario (title is a catalog key)."""

    title: str
    lines: tuple[Say | Wait | Run, ...]


@dataclass
class DemoContext:
    """What the script may depend on: the language it runs in, codes made during the run."""

    lang: str
    invite_code: str = ""
    clock: Callable[[], datetime] = lambda: DEMO_START
    tz: str = "Asia/Shanghai"

    def pick(self, zh: str, en: str) -> str:
        """Free text in the demo's language."""
        return zh if self.lang.startswith("zh") else en
