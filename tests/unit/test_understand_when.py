"""The one everyday-time parser: Chinese numerals, several windows, 24-hour clocks, counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from matching.understand.when import digits, parse_all, parse_count, parse_duration

BJ = ZoneInfo("Asia/Shanghai")
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=BJ)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BJ)


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("本周六上午9点到11点", [(at(12, 5, 9), at(12, 5, 11))]),
        ("本周六上午九点到十一点", [(at(12, 5, 9), at(12, 5, 11))]),
        ("周六下午和周日全天", [(at(12, 5, 14), at(12, 5, 18)), (at(12, 6, 8), at(12, 6, 18))]),
        ("周六上午和下午", [(at(12, 5, 8), at(12, 5, 12)), (at(12, 5, 14), at(12, 5, 18))]),
        ("12月7日 0:00-2:00", [(at(12, 7, 0), at(12, 7, 2))]),  # was read as 12:00-14:00
        ("十二月七日零点到两点", [(at(12, 7, 0), at(12, 7, 2))]),
        ("12月7日 02:00-04:00", [(at(12, 7, 2), at(12, 7, 4))]),
        ("明天下午", [(at(12, 3, 14), at(12, 3, 18))]),
        ("下周三", [(at(12, 9, 8), at(12, 9, 18))]),
        ("下午三点半", [(at(12, 2, 15, 30), at(12, 2, 17, 30))]),
        ("2点到4点", [(at(12, 2, 14), at(12, 2, 16))]),  # a bare 2 o'clock is still 2 p.m.
    ],
)
def test_windows(text: str, windows: list[tuple[datetime, datetime]]) -> None:
    assert parse_all(text, WEDNESDAY_10) == windows


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("两个人", 2),
        ("需要3位志愿者", 3),
        ("要五个人帮忙搬", 5),
        ("two volunteers", 2),
        ("帮忙", None),
    ],
)
def test_counts(text: str, count: int | None) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("两个小时", 2),
        ("一个半小时", 1.5),
        ("半小时", 0.5),
        ("90分钟", 1.5),
        ("半天", 4),
        ("2 hours", 2),
    ],
)
def test_durations(text: str, hours: float) -> None:
    assert parse_duration(text) == timedelta(hours=hours)


def test_numerals_only_where_they_count() -> None:
    assert digits("九点到十一点") == "9点到11点"
    assert digits("一起去") == "一起去"  # 一 here is not a number
