"""Activity times typed by organizers: "12月6日 9:00-11:00", "2026-12-06 09:00 11:00" (pure).

The text names a day and a start and end clock time in local time; the caller gives an aware local
"now" (for "明天" and for years left out) and converts the result to UTC for storage.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from handlers.core.numbers import fold

RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "today": 0,
    "tomorrow": 1,
}
AFTERNOON = frozenset({"下午", "晚上", "pm"})
# An end before the start is read as afternoon only when that makes a plausible activity.
AFTERNOON_GUESS_HOURS = 6

_DAY = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
)
_CLOCK = (
    r"(?P<{n}p>上午|早上|中午|下午|晚上)?\s*(?P<{n}h>\d{{1,2}})"
    r"(?:\s*(?:[:：点时])\s*(?P<{n}m>\d{{1,2}}|半)?)?\s*(?P<{n}s>am|pm)?"
)
_RANGE = re.compile(
    "^" + _CLOCK.format(n="a") + r"\s*(?:-|~|至|到|—|–|to|\s)\s*" + _CLOCK.format(n="b") + "$"
)


class TimeError(ValueError):
    """Why a time was refused: "format" (not understood) or "order" (ends before it starts)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _day(text: str, today: date) -> tuple[date, str]:
    """The day at the start of the text, and the rest of the text."""
    for word, offset in RELATIVE_DAYS.items():
        if text.startswith(word):
            return today + timedelta(days=offset), text[len(word) :]
    match = _DAY.match(text)
    if match is None:
        raise TimeError("format")
    year = int(match["y"]) if match["y"] else today.year
    try:
        day = date(year, int(match["m"]), int(match["d"]))
    except ValueError as exc:  # 2月30日
        raise TimeError("format") from exc
    if not match["y"] and day < today:
        day = day.replace(year=year + 1)
    return day, text[match.end() :]


def _clock(match: re.Match[str], n: str, period: str | None) -> tuple[int, int]:
    hour = int(match[f"{n}h"])
    minute_text = match[f"{n}m"]
    minute = 30 if minute_text == "半" else int(minute_text or 0)
    if (period in AFTERNOON or match[f"{n}s"] == "pm") and hour < 12:
        hour += 12
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise TimeError("format")
    return hour, minute


def _at(day: date, hour: int, minute: int, now: datetime) -> datetime:
    if hour == 24:
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=now.tzinfo)
    return datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo)


def parse_span(text: str, now: datetime) -> tuple[datetime, datetime]:
    """Start and end (aware, in `now`'s zone) of a typed day and time range; raises TimeError."""
    value = fold(text).strip().lower()
    day, rest = _day(value, now.date())
    match = _RANGE.match(rest.strip(" ,，"))
    if match is None:
        raise TimeError("format")
    period = match["ap"] or match["as"]
    start = _clock(match, "a", period)
    end = _clock(match, "b", match["bp"] or match["bs"] or period)
    if period is None and start[0] < 7:
        # "2点到4点": nobody calls volunteers out at 2 a.m.
        start = (start[0] + 12, start[1])
        end = (end[0] + 12, end[1]) if end[0] < 12 else end
    elif end <= start and end[0] < 12 and (end[0] + 12 - start[0]) <= AFTERNOON_GUESS_HOURS:
        end = (end[0] + 12, end[1])  # "11点到1点"; but "11:00-10:00" is a slip, refused below
    begins, ends = _at(day, *start, now), _at(day, *end, now)
    if ends <= begins:
        raise TimeError("order")
    return begins, ends
