"""How service hours are rounded and which totals earn a star: one small, configurable rule set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# CoreConfig.extra keys that override the defaults (set them in the composition root).
STEP_KEY = "hours.round_step"
ROUNDING_KEY = "hours.rounding"
STARS_KEY = "hours.star_thresholds"
MAX_KEY = "hours.max_per_record"

# The star levels of the national volunteer rating (一星 … 五星) by recorded hours.
DEFAULT_STARS = (Decimal(100), Decimal(300), Decimal(600), Decimal(1000), Decimal(1500))


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


def as_decimal(value: Any) -> Decimal:
    """A Decimal from a Decimal, int, float or numeric string (floats via their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def rules_of(extra: Mapping[str, Any] | None) -> HoursRules:
    """The rules with any overrides found in CoreConfig.extra."""
    extra = extra or {}
    defaults = HoursRules()
    stars: Sequence[Any] = extra.get(STARS_KEY) or defaults.stars
    return HoursRules(
        step=as_decimal(extra.get(STEP_KEY) or defaults.step),
        rounding=str(extra.get(ROUNDING_KEY) or defaults.rounding),
        stars=tuple(as_decimal(s) for s in stars),
        max_per_record=as_decimal(extra.get(MAX_KEY) or defaults.max_per_record),
    )


def show(hours: Decimal) -> str:
    """Hours as shown to people: one decimal place ("2.5", "100.0")."""
    return str(hours.quantize(Decimal("0.1")))
