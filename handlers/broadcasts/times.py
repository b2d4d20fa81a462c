"""Times organizers type for a scheduled notice: "18:30", "明天 9点", "12-05 09:00" (pure)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from handlers.core.numbers import fold

_WHEN = re.compile(r"(?P<day>.*?)\s*(?P<h>\d{1,2})\s*[:点时]\s*(?P<m>\d{1,2}|半)?\s*分?")
_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_SHORT = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_RELATIVE = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2}


def parse_when(text: str, local_now: datetime) -> datetime | None:
    """A local time typed as "18:30", "明天 9点", "12-05 09:00" or "2026-12-05 9:00", or None.

    A bare time means its next occurrence; a date without a year, the next such day.
    """
    value = fold(text).strip().lower()
    match = _WHEN.fullmatch(value)
    if match is None:
        return None
    hour = int(match["h"])
    minute = 30 if match["m"] == "半" else int(match["m"] or 0)
    if hour > 23 or minute > 59:
        return None
    day_text, today = match["day"].strip(), local_now.date()
    clock = time(hour, minute)
    try:
        if not day_text:
            day = (
                today
                if datetime.combine(today, clock, local_now.tzinfo) > local_now
                else (today + timedelta(days=1))
            )
        elif day_text in _RELATIVE:
            day = today + timedelta(days=_RELATIVE[day_text])
        elif full := _FULL.fullmatch(day_text):
            day = date(*(int(g) for g in full.groups()))
        elif short := _SHORT.fullmatch(day_text):
            day = date(today.year, int(short[1]), int(short[2]))
            if day < today:
                day = date(today.year + 1, day.month, day.day)
        else:
            return None
    except ValueError:  # 2月30日 and the like
        return None
    return datetime.combine(day, clock, local_now.tzinfo)
