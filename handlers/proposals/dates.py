"""Target dates typed by organizers: 2026-12-31, 2026/12/31, 2026年12月31日, 12月31日 (pure)."""

from __future__ import annotations

import re
from datetime import date

from handlers.core.numbers import fold

_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_SHORT = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")


def parse_date(text: str, today: date) -> date | None:
    """The date meant, or None; without a year, the next such day from `today` (local)."""
    value = fold(text).strip()
    try:
        if match := _FULL.fullmatch(value):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _SHORT.fullmatch(value):
            month, day = (int(g) for g in match.groups())
            meant = date(today.year, month, day)
            return meant if meant >= today else date(today.year + 1, month, day)
    except ValueError:  # 2月30日 and the like
        return None
    return None
