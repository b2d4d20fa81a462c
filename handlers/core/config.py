"""The typed, frozen settings tree handlers read: built once by the composition root.

Every tunable has its one default here; `bot/settings.py` names its environment variable (with
this default) and `docker/.env.example` documents it. `bot/bootstrap.core_config` copies the
settings into this tree at start, so a bad value fails there, not in the middle of a sweep.
Handlers read attributes (`ctx.deps.config.dispatch.k`), never a dict by string key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from matching import Weights

# The star levels of the national volunteer rating (一星 … 五星) by recorded hours.
DEFAULT_STARS = (Decimal(100), Decimal(300), Decimal(600), Decimal(1000), Decimal(1500))


@dataclass(frozen=True)
class DispatchRules:
    """How needs are offered: how many at once, for how long, in what chunks, the oversupply cap."""

    k: int = 3
    offer_ttl_minutes: int = 120
    chunk: int = 10  # needs ranked per transaction by the dispatch sweep
    oversupply_cap: int = 6  # services a resident may get within `oversupply_days`
    oversupply_days: int = 30

    @property
    def offer_ttl(self) -> timedelta:
        """How long an offer waits for an answer (from when it goes out)."""
        return timedelta(minutes=self.offer_ttl_minutes)


@dataclass(frozen=True)
class ActivityRules:
    """Activities: waitlist promotion time-out, check-in window, reminders, mobilization."""

    promote_hours: float = 2
    checkin_before_minutes: float = 60
    reminder_hours: tuple[int, ...] = (24, 2)
    mobilize_limit: int = 20
    mobilize_before_hours: float = 48

    @property
    def promote_timeout(self) -> timedelta:
        """How long a promoted person has to confirm a place."""
        return timedelta(hours=self.promote_hours)

    @property
    def checkin_opens(self) -> timedelta:
        """How long before the start check-in opens."""
        return timedelta(minutes=self.checkin_before_minutes)

    @property
    def mobilize_before(self) -> timedelta:
        """How long before the start an activity short of people mobilizes volunteers."""
        return timedelta(hours=self.mobilize_before_hours)


@dataclass(frozen=True)
class HoursRules:
    """Rounding of one record's hours, the star thresholds, and the largest hours one record takes.

    Default: to the nearest half hour, halves rounded up (1.2 → 1.0, 1.25 → 1.5, 1.75 → 2.0,
    0.2 → 0.0 — a record is still kept for a short service, with no hours counted).
    """

    step: Decimal = Decimal("0.5")
    rounding: str = ROUND_HALF_UP  # a `decimal` rounding mode
    stars: tuple[Decimal, ...] = DEFAULT_STARS
    max_per_record: Decimal = Decimal(24)

    def __post_init__(self) -> None:
        # Records are stored with one decimal place: a step finer than 0.1 would be cut off.
        if self.step <= 0 or (self.step * 10) % 1 != 0:
            raise ValueError("hours step must be a positive multiple of 0.1")
        if list(self.stars) != sorted(set(self.stars)) or any(s <= 0 for s in self.stars):
            raise ValueError("star thresholds must be positive and increasing")

    def round(self, hours: Decimal) -> Decimal:
        """`hours` rounded to the step (e.g. 1.25 → 1.5 with the default half-up half hour)."""
        units = (hours / self.step).quantize(Decimal(1), rounding=self.rounding)
        return (units * self.step).quantize(Decimal("0.1"))

    def level(self, total: Decimal) -> int:
        """Star level for a total of recorded hours: 0 below the first threshold."""
        return sum(1 for threshold in self.stars if total >= threshold)

    def next_threshold(self, total: Decimal) -> tuple[int, Decimal] | None:
        """(next level, hours still missing), or None at the top level."""
        level = self.level(total)
        if level >= len(self.stars):
            return None
        return level + 1, self.stars[level] - total


@dataclass(frozen=True)
class ProposalRules:
    """Co-signatures that put a proposal on the agenda (when the community sets none), staleness."""

    cosign_threshold: int = 10
    cosign_share: float | None = None  # of the community's households, if set
    stale_days: int = 30
    confirm_days: int = 7  # followers' window to confirm or dispute a project marked done


@dataclass(frozen=True)
class ClosingRules:
    """Closing a task: when the resident is reminded to confirm, when it confirms itself, how
    long a dispute stays possible after that, and the most hours one task may record."""

    reminder_hours: float = 24
    auto_confirm_days: float = 3
    dispute_days: float = 7
    max_task_hours: Decimal = Decimal(12)

    @property
    def reminder(self) -> timedelta:
        """How long after "done" the resident is reminded to confirm."""
        return timedelta(hours=self.reminder_hours)

    @property
    def auto_confirm(self) -> timedelta:
        """How long after "done" an unanswered task is confirmed by itself."""
        return timedelta(days=self.auto_confirm_days)

    @property
    def dispute_window(self) -> timedelta:
        """How long after an automatic confirmation the resident may still dispute."""
        return timedelta(days=self.dispute_days)


@dataclass(frozen=True)
class OfficeRules:
    """The office console: where people reach `linli serve`, how long a sign-in link lives."""

    public_url: str | None = None
    link_minutes: int = 10


def _no_overrides() -> Mapping[str, tuple[int, int]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class CoreConfig:
    """The settings handlers need, copied once from the application settings (frozen)."""

    default_lang: str = "zh_CN"
    tz: str = "Asia/Shanghai"
    policy_version: str = "2026-11"
    max_text_chars: int = 2000
    flood_messages: int = 20
    flood_window_s: int = 30
    seen_update_ttl_days: int = 14
    dispatch_batch: int = 32  # messages per transaction at most when they queue (1: no batching)
    dispatch_workers: int = 2  # transactions at once per process (SQLite: one writer anyway)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    retention_days: int = 730  # closed items are anonymized this many days after they close
    alert_digest_minutes: int = 10  # organizers' alerts are gathered this long into one message
    broadcast_answer_days: int = 7  # a "我能来" this long after a notice reaches its author
    dispatch: DispatchRules = field(default_factory=DispatchRules)
    matching: Weights = field(default_factory=Weights)
    activities: ActivityRules = field(default_factory=ActivityRules)
    hours: HoursRules = field(default_factory=HoursRules)
    proposals: ProposalRules = field(default_factory=ProposalRules)
    office: OfficeRules = field(default_factory=OfficeRules)
    closing: ClosingRules = field(default_factory=ClosingRules)
    # Report deadlines per category, (respond hours, resolve hours), over handlers/reports' table.
    report_deadlines: Mapping[str, tuple[int, int]] = field(default_factory=_no_overrides)
