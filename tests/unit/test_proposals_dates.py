"""Target dates as organizers type them, in local time."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.proposals.dates import parse_date

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("2026.1.5", date(2026, 1, 5)),
        ("2027年3月1日", date(2027, 3, 1)),
        ("２０２６－１２－３１", date(2026, 12, 31)),  # full-width
        ("12月31日", date(2026, 12, 31)),
        ("12月31号", date(2026, 12, 31)),
        (" 12-31 ", date(2026, 12, 31)),
        ("11月30日", date(2026, 11, 30)),  # today is still this year
        ("3月1日", date(2027, 3, 1)),  # past this year: next year
        ("1/15", date(2027, 1, 15)),
    ],
)
def test_dates_are_read(text: str, meant: date) -> None:
    assert parse_date(text, TODAY) == meant


@pytest.mark.parametrize(
    "text", ["", "明天", "年底", "2026-13-01", "2026-02-30", "2月30日", "31/12/2026", "20261231"]
)
def test_other_text_is_not_a_date(text: str) -> None:
    assert parse_date(text, TODAY) is None
