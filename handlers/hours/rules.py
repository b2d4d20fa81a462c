"""How service hours are rounded and which totals earn a star: one small, configurable rule set."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from handlers.core.config import CoreConfig, HoursRules

__all__ = ["HoursRules", "as_decimal", "rules_of", "show"]


def as_decimal(value: Any) -> Decimal:
    """A Decimal from a Decimal, int, float or numeric string (floats via their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def rules_of(config: CoreConfig) -> HoursRules:
    """This deployment's rules (LINLI_HOURS_STEP, LINLI_HOURS_ROUNDING, LINLI_HOURS_STARS …)."""
    return config.hours


def show(hours: Decimal) -> str:
    """Hours as shown to people: one decimal place ("2.5", "100.0")."""
    return str(hours.quantize(Decimal("0.1")))
