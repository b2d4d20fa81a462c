"""Time windows for service needs: presets and free entry, read in Beijing time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.needs.windows import WindowError, available_presets, parse, preset

BJ = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=BJ)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("12月3日 14:00-16:00", at(12, 3, 14), at(12, 3, 16)),
        ("12月3号 下午2点到4点", at(12, 3, 14), at(12, 3, 16)),
        ("１２月３日　１４：００－１６：００", at(12, 3, 14), at(12, 3, 16)),  # full-width
        ("2026-12-03 9:00-11:00", at(12, 3, 9), at(12, 3, 11)),
        ("12/3 2pm-4pm", at(12, 3, 14), at(12, 3, 16)),
        ("明天上午", at(12, 1, 8), at(12, 1, 12)),
        ("明天 14:00-16:00", at(12, 1, 14), at(12, 1, 16)),
        ("明天10:12-12:00", at(12, 1, 10, 12), at(12, 1, 12)),  # not "12月12日"
        ("明天9点半-11点", at(12, 1, 9, 30), at(12, 1, 11)),
        ("后天", at(12, 2, 8), at(12, 2, 18)),
        ("下午3点", at(11, 30, 15), at(11, 30, 17)),
        ("2点到4点", at(11, 30, 14), at(11, 30, 16)),  # nobody means 2 a.m.
        ("晚上8点", at(11, 30, 20), at(11, 30, 22)),
        ("周六", at(12, 5, 8), at(12, 5, 18)),
        ("下周三上午", at(12, 9, 8), at(12, 9, 12)),
        ("本周末", at(12, 5, 9), at(12, 6, 18)),
        ("下周末", at(12, 12, 9), at(12, 13, 18)),
        ("1月5日 10:00-11:00", at(1, 5, 10, year=2027), at(1, 5, 11, year=2027)),  # next year
        ("tomorrow 9:00-11:00", at(12, 1, 9), at(12, 1, 11)),
        ("tomorrow morning", at(12, 1, 8), at(12, 1, 12)),
        ("friday afternoon", at(12, 4, 14), at(12, 4, 18)),
    ],
)
def test_free_entry(text: str, start: datetime, end: datetime) -> None:
    assert parse(text, MONDAY_10) == (start, end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("改天吧", "unknown"),
        ("", "unknown"),
        ("今天早上7点", "past"),
        ("今天9:00-9:30", "past"),
        ("明天16:00-14:00", "order"),
        ("11月1日", "far"),  # next year's, more than half a year ahead
        ("2027-12-01 10:00-11:00", "far"),
        ("明天 25:00-26:00", "unknown"),
    ],
)
def test_refused_entries_say_why(text: str, reason: str) -> None:
    with pytest.raises(WindowError) as raised:
        parse(text, MONDAY_10)
    assert raised.value.reason == reason


def test_presets_follow_the_clock() -> None:
    assert preset("today_pm", MONDAY_10) == (at(11, 30, 14), at(11, 30, 18))
    assert preset("weekend", MONDAY_10) == (at(12, 5, 9), at(12, 6, 18))
    sunday_noon = at(12, 6, 12)
    assert preset("weekend", sunday_noon) == (sunday_noon, at(12, 6, 18))
    assert available_presets(MONDAY_10) == ["today_pm", "tomorrow_am", "tomorrow_pm", "weekend"]
    assert "today_pm" not in available_presets(at(11, 30, 17, 30))
