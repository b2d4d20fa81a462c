"""Quiet hours: non-urgent notifications wait for the morning, in local time."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from handlers.core.notify import after_quiet_hours

TZ = "Asia/Shanghai"  # UTC+8


@pytest.mark.parametrize(
    ("utc_hour", "expected_utc"),
    [
        (13, datetime(2026, 11, 30, 13, 0, tzinfo=UTC)),  # 21:00 local: not quiet
        (14, datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),  # 22:00 local → 08:00 next day
        (18, datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),  # 02:00 local → 08:00 same local day
        (0, datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),  # 08:00 local: quiet hours just ended
    ],
)
def test_messages_wait_until_morning(utc_hour: int, expected_utc: datetime) -> None:
    now = datetime(2026, 11, 30, utc_hour, 0, tzinfo=UTC)
    assert after_quiet_hours(now, TZ, time(22), time(8)) == expected_utc


def test_daytime_quiet_window() -> None:
    now = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # 13:00 local
    assert after_quiet_hours(now, TZ, time(12), time(14)) == datetime(
        2026, 11, 30, 6, 0, tzinfo=UTC
    )
