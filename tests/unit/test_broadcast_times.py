"""Times organizers type for a scheduled notice (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.broadcasts import parse_when

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=BEIJING)  # a Monday morning


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("18:30", (2026, 11, 30, 18, 30)),
        ("9:00", (2026, 12, 1, 9, 0)),  # already past today: tomorrow
        ("１８：３０", (2026, 11, 30, 18, 30)),  # full-width digits and colon
        ("明天 9:00", (2026, 12, 1, 9, 0)),
        ("明天9点", (2026, 12, 1, 9, 0)),
        ("后天 8点半", (2026, 12, 2, 8, 30)),
        ("tomorrow 7:15", (2026, 12, 1, 7, 15)),
        ("12-05 09:00", (2026, 12, 5, 9, 0)),
        ("12月5日 9:00", (2026, 12, 5, 9, 0)),
        ("1-3 9:00", (2027, 1, 3, 9, 0)),  # no year, already past: next year
        ("2026-12-31 23:59", (2026, 12, 31, 23, 59)),
    ],
)
def test_understood(typed: str, meant: tuple[int, ...]) -> None:
    assert parse_when(typed, NOW) == datetime(*meant, tzinfo=BEIJING)  # type: ignore[misc]


@pytest.mark.parametrize(
    "typed", ["", "明天", "25:00", "9:75", "2月30日 9:00", "下周 9:00", "九点"]
)
def test_refused(typed: str) -> None:
    assert parse_when(typed, NOW) is None
