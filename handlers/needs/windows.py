"""Time windows for a need: preset choices and free entry ("12月3日 14:00-16:00"), in local time.

Pure functions over an aware local "now"; the caller converts the result to UTC for storage.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from handlers.core.numbers import fold

PRESETS = ("today_pm", "tomorrow_am", "tomorrow_pm", "weekend")
FAR_AHEAD = timedelta(days=180)
SINGLE_TIME_SPAN = timedelta(hours=2)

# Parts of the day, as (start hour, end hour) in local time.
PERIODS = {
    "上午": (8, 12),
    "早上": (8, 12),
    "早晨": (8, 12),
    "中午": (11, 13),
    "下午": (14, 18),
    "晚上": (18, 21),
    "傍晚": (17, 19),
    "morning": (8, 12),
    "afternoon": (14, 18),  # before "noon", which it contains
    "noon": (11, 13),
    "evening": (18, 21),
}
PM_PERIODS = frozenset({"下午", "晚上", "傍晚", "afternoon", "evening"})
WHOLE_DAY = (8, 18)
RELATIVE_DAYS = {
    "大后天": 3,
    "后天": 2,
    "day after tomorrow": 2,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "今天": 0,
    "今日": 0,
    "today": 0,
}
WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# A year makes "2026-12-03" safe; without one only "12/3", "12.3", "12月3日" — never "9-11",
# which is more often a range of hours than the 11th of September.
_NUMERIC_DATE = re.compile(
    r"(?<![\d:])(?:(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]|(?P<m2>\d{1,2})\s*[/.月])"
    r"\s*(?P<d>\d{1,2})(?![\d:])\s*[日号]?"
)
_WEEKDAY_ZH = re.compile(r"(?P<next>下个?)?(?:周|星期|礼拜)(?P<w>[一二三四五六日天])")
_WEEKDAY_EN = re.compile(r"(?P<next>next\s+)?(?P<w>" + "|".join(WEEKDAYS_EN) + r")")
_CLOCK = (
    r"(?P<{n}h>\d{{1,2}})(?:\s*(?P<{n}half>点半)|\s*[:点时]\s*(?P<{n}m>\d{{1,2}})?)?"
    r"\s*(?P<{n}ap>am|pm)?"
)
_RANGE = re.compile(_CLOCK.format(n="a") + r"\s*(?:-|~|到|至|—|–|to)\s*" + _CLOCK.format(n="b"))
_SINGLE = re.compile(
    r"(?P<ah>\d{1,2})(?:\s*(?P<ahalf>点半)|\s*[:点时]\s*(?P<am>\d{1,2})?)\s*(?P<aap>am|pm)?"
    r"|(?P<bh>\d{1,2})\s*(?P<bap>am|pm)"
)


class WindowError(ValueError):
    """Why a window was refused: "unknown", "past", "order" or "far"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _at(day: date, hour: int, minute: int, now: datetime) -> datetime:
    if hour >= 24:
        return datetime.combine(day, time(23, 59), tzinfo=now.tzinfo)
    return datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo)


def preset(code: str, now: datetime) -> tuple[datetime, datetime]:
    """The window a preset choice stands for (`now` is aware local time)."""
    today = now.date()
    if code == "today_pm":
        return _at(today, 14, 0, now), _at(today, 18, 0, now)
    if code == "tomorrow_am":
        day = today + timedelta(days=1)
        return _at(day, 8, 0, now), _at(day, 12, 0, now)
    if code == "tomorrow_pm":
        day = today + timedelta(days=1)
        return _at(day, 14, 0, now), _at(day, 18, 0, now)
    if code == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:  # on a Sunday "this weekend" is what is left of today
            saturday = today - timedelta(days=1)
        start = max(_at(saturday, 9, 0, now), now.replace(second=0, microsecond=0))
        return start, _at(saturday + timedelta(days=1), 18, 0, now)
    raise KeyError(code)


def available_presets(now: datetime) -> list[str]:
    """The presets that still lie ahead of `now` (no "this afternoon" in the evening)."""
    return [code for code in PRESETS if preset(code, now)[1] - now > timedelta(hours=1)]


def _find_day(text: str, now: datetime) -> tuple[date | None, str]:
    """The day a text names, and the text with that part removed."""
    today = now.date()
    match = _NUMERIC_DATE.search(text)
    if match:
        year = int(match["y"]) if match["y"] else today.year
        try:
            day = date(year, int(match["m"] or match["m2"]), int(match["d"]))
        except ValueError:
            day = None
        if day is not None:
            if not match["y"] and day < today:
                day = day.replace(year=year + 1)
            return day, text[: match.start()] + " " + text[match.end() :]
    for word, offset in RELATIVE_DAYS.items():
        if word in text:
            return today + timedelta(days=offset), text.replace(word, " ", 1)
    for pattern, names in ((_WEEKDAY_ZH, WEEKDAYS_ZH + "天"), (_WEEKDAY_EN, WEEKDAYS_EN)):
        found = pattern.search(text)
        if found:
            wanted = min(names.index(found["w"]), 6)
            ahead = (wanted - today.weekday()) % 7
            if found["next"]:
                ahead = wanted - today.weekday() + 7
            return today + timedelta(days=ahead), text[: found.start()] + " " + text[found.end() :]
    return None, text


def _clock(hour: str, minute: str | None, half: str | None, ampm: str | None) -> tuple[int, int]:
    value = int(hour)
    if ampm == "pm" and value < 12:
        value += 12
    elif ampm == "am" and value == 12:
        value = 0
    return value, 30 if half else int(minute or 0)


def _find_times(text: str, period: str | None) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Start and end (hour, minute) written in a text, if any."""
    match = _RANGE.search(text)
    if match:
        end_ap = match["bap"]
        start = _clock(match["ah"], match["am"], match["ahalf"], match["aap"] or end_ap)
        end = _clock(match["bh"], match["bm"], match["bhalf"], end_ap)
        explicit = bool(match["aap"] or end_ap)
    else:
        single = _SINGLE.search(text)
        if not single:
            return None
        if single["ah"]:
            start = _clock(single["ah"], single["am"], single["ahalf"], single["aap"])
        else:
            start = _clock(single["bh"], None, None, single["bap"])
        explicit = bool(single["aap"] or single["bap"])
        end = start
    if not explicit and (period in PM_PERIODS or (period is None and start[0] < 7)):
        # "下午2点到4点", and a bare "2点到4点" (nobody books a volunteer for 2 a.m.)
        start = (start[0] + 12, start[1]) if start[0] < 12 else start
        end = (end[0] + 12, end[1]) if end[0] < 12 else end
    elif end < start and end[0] < 12:
        end = (end[0] + 12, end[1])  # "11点到1点"
    if end == start:  # one time given: a window of a couple of hours from it
        later = datetime(2000, 1, 1, min(start[0], 23), start[1]) + SINGLE_TIME_SPAN
        end = (later.hour if later.day == 1 else 24, later.minute)
    return start, end


def parse(text: str, now: datetime) -> tuple[datetime, datetime]:
    """The window a free-text answer names, in local time; raises WindowError."""
    norm = fold(text).lower().strip()
    if "周末" in norm or "weekend" in norm:
        start, end = preset("weekend", now)
        if norm.startswith(("下", "next")):
            start, end = start + timedelta(days=7), end + timedelta(days=7)
        return check(start, end, now)
    day, rest = _find_day(norm, now)
    period = next((word for word in PERIODS if word in rest), None)
    times = _find_times(rest, period)
    if day is None and times is None and period is None:
        raise WindowError("unknown")
    if times is not None:
        (sh, sm), (eh, em) = times
    else:
        sh, eh = PERIODS[period] if period else WHOLE_DAY
        sm = em = 0
    if not (0 <= sh <= 24 and 0 <= eh <= 24 and sm < 60 and em < 60):
        raise WindowError("unknown")
    if day is None:  # "下午3点": today if still ahead, else tomorrow
        day = now.date()
        if _at(day, eh, em, now) <= now:
            day += timedelta(days=1)
    start, end = _at(day, sh, sm, now), _at(day, eh, em, now)
    return check(start, end, now)


def check(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Refuse a window that is back to front, already over, or too far ahead."""
    if end <= start:
        raise WindowError("order")
    if end <= now:
        raise WindowError("past")
    if start - now > FAR_AHEAD:
        raise WindowError("far")
    return start, end
