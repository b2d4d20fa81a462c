"""Everyday dates and times, in the one parser every flow uses: "本周六上午九点到十一点".

Chinese numerals become digits first (numerals.py, with cn2an), so the rules below see
"周6上午9点到11点"; the rules are hand-written because no registry package covers windows and
conjunctions ("周六下午和周日全天") together without a heavy install. What each flow reads:

- `parse` / `parse_all`: a window a resident offers or asks for (needs), checked against now;
- `span`: a window as written, not checked (activities: the caller says what is too early);
- `moment`: one point in time (a scheduled notice: "明天9点", "18:30");
- `day`: a date alone (a proposal's target date, `/pause` until a day);
- weekly.py: the weekly slots of a volunteer's availability ("周六下午和周日全天").

Pure functions over an aware local "now"; the caller converts the results to UTC for storage.
Counts and durations ("两个人", "一个半小时") are in numerals.py and re-exported here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from matching.understand.numerals import digits, parse_count, parse_duration

__all__ = [
    "FAR_AHEAD",
    "PRESETS",
    "WindowError",
    "available_presets",
    "check",
    "day",
    "digits",
    "moment",
    "parse",
    "parse_all",
    "parse_count",
    "parse_duration",
    "preset",
    "span",
]

PRESETS = ("today_pm", "tomorrow_am", "tomorrow_pm", "weekend")
FAR_AHEAD = timedelta(days=180)
SINGLE_TIME_SPAN = timedelta(hours=2)
# An end before the start ("11点到1点") is read as afternoon only when that makes a plausible
# span; "11:00-10:00" is a slip, refused as back to front.
AFTERNOON_GUESS_HOURS = 6

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
    "night": (18, 21),
}
PM_PERIODS = frozenset({"下午", "晚上", "傍晚", "afternoon", "evening", "night"})
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
WEEKDAY_DIGITS = "123456"
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS_EN = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)

# A year makes "2026-12-03" safe; without one only "12/3", "12.3", "12月3日" — never "9-11",
# which is more often a range of hours than the 11th of September — except at the start of a
# text with a clock after it ("12-05 09:00"), or as the whole text where a date is asked ("12-31").
_NUMERIC_DATE = re.compile(
    r"(?<![\d:])(?:(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]|(?P<m2>\d{1,2})\s*[/.月])"
    r"\s*(?P<d>\d{1,2})(?![\d:])\s*[日号]?"
)
_LEADING_DASHED = re.compile(
    r"^\s*(?P<m2>\d{1,2})\s*-\s*(?P<d>\d{1,2})(?=\s+(?!点|时|am\b|pm\b|a\.m|p\.m)\S)"
)
_WHOLE_DASHED = re.compile(r"^\s*(?P<m2>\d{1,2})\s*-\s*(?P<d>\d{1,2})\s*$")
_MONTH_NAME = r"(?P<mon>" + "|".join(MONTHS_EN) + r")[a-z]*\.?"
_EN_DATE = re.compile(
    r"\b(?:" + _MONTH_NAME + r"\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s*(?:of\s+)?" + _MONTH_NAME.replace("mon", "mon2") + r")\b"
)
_WEEKDAY_ZH = re.compile(r"(?P<next>下个?)?(?:周|星期|礼拜)(?P<w>[1-6一二三四五六日天])")
_WEEKDAY_EN = re.compile(r"(?P<next>next\s+)?(?P<w>" + "|".join(WEEKDAYS_EN) + r")")
_CLOCK = (
    r"(?P<{n}h>\d{{1,2}})(?:\s*(?P<{n}half>点半)|\s*[:点时]\s*(?P<{n}m>\d{{1,2}})?)?\s*分?"
    r"\s*(?P<{n}ap>am|pm|a\.m\.|p\.m\.)?"
)
_RANGE = re.compile(
    _CLOCK.format(n="a")
    + r"\s*(?:-|~|到|至|—|–|to|until|till)\s*(?P<bper>上午|早上|中午|下午|晚上|傍晚)?\s*"
    + _CLOCK.format(n="b")
)
# "09:00 11:00": two clock times with a colon, only a space between them.
_SPACED_RANGE = re.compile(r"(?P<ah>\d{1,2}):(?P<am>\d{2})\s+(?P<bh>\d{1,2}):(?P<bm>\d{2})")
_SINGLE = re.compile(
    r"(?P<ah>\d{1,2})(?:\s*(?P<ahalf>点半)|\s*[:点时]\s*(?P<am>\d{1,2})?)\s*分?"
    r"\s*(?P<aap>am|pm|a\.m\.|p\.m\.)?"
    r"|(?P<bh>\d{1,2})\s*(?P<bap>am|pm|a\.m\.|p\.m\.)"
)
# What may be left of a moment or a day once its parts are read: "本", "这个", "at", "on" …
_FILLER = re.compile(r"^(?:[\s,，.。]|本|这个?|的|at|on|this|in the)*$")


class WindowError(ValueError):
    """Why a window was refused: "unknown", "past", "order" or "far"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _at(day: date, hour: int, minute: int, now: datetime) -> datetime:
    if hour >= 24:  # "22:00-24:00" ends at midnight, the next day's 00:00
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=now.tzinfo)
    return datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo)


def preset(code: str, now: datetime) -> tuple[datetime, datetime]:
    """The window a preset choice stands for (`now` is aware local time)."""
    today = now.date()
    if code == "today_pm":
        return _at(today, 14, 0, now), _at(today, 18, 0, now)
    if code == "tomorrow_am":
        tomorrow = today + timedelta(days=1)
        return _at(tomorrow, 8, 0, now), _at(tomorrow, 12, 0, now)
    if code == "tomorrow_pm":
        tomorrow = today + timedelta(days=1)
        return _at(tomorrow, 14, 0, now), _at(tomorrow, 18, 0, now)
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


def _cut(text: str, found: re.Match[str]) -> str:
    return text[: found.start()] + " " + text[found.end() :]


def _numeric_day(text: str, today: date, dashes: bool) -> tuple[date, str] | None:
    """A written date ("12月7日", "2026-12-07", "dec 7") and the rest; None when there is none.

    Raises WindowError "unknown" for a date that does not exist ("2月30日"): it is not read as
    anything else.
    """
    match = (
        _NUMERIC_DATE.search(text)
        or _LEADING_DASHED.match(text)
        or (_WHOLE_DASHED.match(text) if dashes else None)
    )
    if match:
        written_year = match.groupdict().get("y")
        year = int(written_year) if written_year else today.year
        month = int(match.groupdict().get("m") or match["m2"])
        number, yearless = int(match["d"]), not written_year
    elif english := _EN_DATE.search(text):
        match, year, yearless = english, today.year, True
        month = MONTHS_EN.index(english["mon"] or english["mon2"]) + 1
        number = int(english["d"] or english["d2"])
    else:
        return None
    try:
        found = date(year, month, number)
    except ValueError as exc:  # 2月30日
        raise WindowError("unknown") from exc
    if yearless and found < today:
        found = found.replace(year=year + 1)
    return found, _cut(text, match)


def _find_day(text: str, today: date, dashes: bool = False) -> tuple[date | None, str]:
    """The day a text names, and the text with that part removed; WindowError for 2月30日."""
    written = _numeric_day(text, today, dashes)
    if written is not None:
        return written
    for word, offset in RELATIVE_DAYS.items():
        if word in text:
            return today + timedelta(days=offset), text.replace(word, " ", 1)
    for pattern, names in ((_WEEKDAY_ZH, WEEKDAYS_ZH + "天"), (_WEEKDAY_EN, WEEKDAYS_EN)):
        found = pattern.search(text)
        if found:
            mark = found["w"]
            if mark in WEEKDAY_DIGITS and names is not WEEKDAYS_EN:
                mark = WEEKDAYS_ZH[WEEKDAY_DIGITS.index(mark)]
            wanted = min(names.index(mark), 6)
            ahead = (wanted - today.weekday()) % 7
            if found["next"]:
                ahead = wanted - today.weekday() + 7
            return today + timedelta(days=ahead), _cut(text, found)
    return None, text


def _ampm(mark: str | None) -> str | None:
    return mark.replace(".", "") if mark else None


def _clock(hour: str, minute: str | None, half: str | None, ampm: str | None) -> tuple[int, int]:
    value = int(hour)
    if _ampm(ampm) == "pm" and value < 12:
        value += 12
    elif _ampm(ampm) == "am" and value == 12:
        value = 0
    return value, 30 if half else int(minute or 0)


def _literal_clock(found: re.Match[str] | None) -> bool:
    """Whether written hours are on a 24-hour clock: an hour 0, a leading zero, or past 12."""
    if found is None:
        return False
    hours = [found[g] for g in ("ah", "bh") if g in found.re.groupindex and found[g]]
    return any(h.startswith("0") or int(h) > 12 for h in hours)


def _find_times(text: str, period: str | None) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Start and end (hour, minute) written in a text, if any."""
    single = None
    match = _RANGE.search(text)
    if match:
        end_ap = match["bap"]
        start = _clock(match["ah"], match["am"], match["ahalf"], match["aap"] or end_ap)
        end = _clock(match["bh"], match["bm"], match["bhalf"], end_ap)
        explicit = bool(match["aap"] or end_ap)
        if match["bper"]:  # "上午9点到下午1点": the end has its own part of the day
            if match["bper"] in PM_PERIODS and end[0] < 12:
                end = (end[0] + 12, end[1])
            if period in PM_PERIODS and start[0] < 12:
                start = (start[0] + 12, start[1])
            explicit = True
    elif spaced := _SPACED_RANGE.search(text):
        match = spaced
        start, end = (int(match["ah"]), int(match["am"])), (int(match["bh"]), int(match["bm"]))
        explicit = False
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
    if not explicit and _literal_clock(match or single):
        explicit = True  # "0:00-2:00", "02:00", "13:00": a 24-hour clock, taken as written
    if not explicit and (period in PM_PERIODS or (period is None and start[0] < 7)):
        # "下午2点到4点", and a bare "2点到4点" (nobody books a volunteer for 2 a.m.)
        start = (start[0] + 12, start[1]) if start[0] < 12 else start
        end = (end[0] + 12, end[1]) if end[0] < 12 else end
    elif end < start and end[0] < 12 and end[0] + 12 - start[0] <= AFTERNOON_GUESS_HOURS:
        end = (end[0] + 12, end[1])  # "11点到1点"
    if end == start:  # one time given: a window of a couple of hours from it
        later = datetime(2000, 1, 1, min(start[0], 23), start[1]) + SINGLE_TIME_SPAN
        end = (later.hour if later.day == 1 else 24, later.minute)
    return start, end


# Short ways of saying a day and a part of it, said in full before reading ("明早九点").
SHORT_FORMS = (
    ("明早", "明天早上"),
    ("明晚", "明天晚上"),
    ("今早", "今天早上"),
    ("今晚", "今天晚上"),
    ("tonight", "today evening"),
    ("this evening", "today evening"),
    ("this morning", "today morning"),
    ("this afternoon", "today afternoon"),
    ("after lunch", "afternoon"),
)
_FULL_FORMS = dict(SHORT_FORMS)
_SHORT = re.compile("|".join(re.escape(short) for short in _FULL_FORMS), re.IGNORECASE)


def _read(text: str) -> str:
    """The text as the readers below take it: digits for numerals, short forms in full."""
    return _SHORT.sub(lambda m: _FULL_FORMS[m[0].lower()], digits(text).strip())


def span(text: str, now: datetime) -> tuple[datetime, datetime]:
    """The window a text names as written, in local time, not checked against now.

    Raises WindowError "unknown" (nothing read, or a clock that does not exist) or "order".
    """
    norm = _read(text)
    if "周末" in norm or "weekend" in norm:
        start, end = preset("weekend", now)
        if norm.startswith(("下", "next")):
            start, end = start + timedelta(days=7), end + timedelta(days=7)
        return start, end
    found_day, rest = _find_day(norm, now.date())
    period = next((word for word in PERIODS if word in rest), None)
    times = _find_times(rest, period)
    if found_day is None and times is None and period is None:
        raise WindowError("unknown")
    if times is not None:
        (sh, sm), (eh, em) = times
    else:
        sh, eh = PERIODS[period] if period else WHOLE_DAY
        sm = em = 0
    if not (0 <= sh < 24 and 0 <= eh <= 24 and sm < 60 and em < 60) or (eh == 24 and em):
        raise WindowError("unknown")
    if found_day is None:  # "下午3点": today if still ahead, else tomorrow
        found_day = now.date()
        if _at(found_day, eh, em, now) <= now:
            found_day += timedelta(days=1)
    start, end = _at(found_day, sh, sm, now), _at(found_day, eh, em, now)
    if end <= start:
        raise WindowError("order")
    return start, end


def parse(text: str, now: datetime) -> tuple[datetime, datetime]:
    """The window a free-text answer names, in local time; raises WindowError."""
    return check(*span(text, now), now)


def check(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Refuse a window that is back to front, already over, or too far ahead."""
    if end <= start:
        raise WindowError("order")
    if end <= now:
        raise WindowError("past")
    if start - now > FAR_AHEAD:
        raise WindowError("far")
    return start, end


JOIN = re.compile(r"\s*(?:和|及|以及|还有|或者|或|、|,|;|\band\b|\bor\b)\s*")
WHOLE_DAY_WORDS = ("全天", "一整天", "整天", "all day", "whole day", "the whole day")


def parse_all(text: str, now: datetime) -> list[tuple[datetime, datetime]]:
    """Every window a text names ("周六下午和周日全天" → two); raises WindowError if none.

    A part without a day of its own takes the day of the part before ("周六上午和下午").
    """
    norm = _read(text)
    for word in WHOLE_DAY_WORDS:
        norm = norm.replace(word, " ")
    parts = [part for part in JOIN.split(norm) if part.strip()]
    if len(parts) <= 1:
        return [parse(norm, now)]
    found: list[tuple[datetime, datetime]] = []
    last_day: str | None = None
    for part in parts:
        named, _ = _find_day(part, now.date())
        if named is None and last_day is not None:
            part = f"{last_day} {part}"
        elif named is not None:
            last_day = named.isoformat()
        found.append(parse(part, now))
    return found


def moment(text: str, now: datetime) -> datetime | None:
    """One point in time ("18:30", "明天9点", "下午三点半", "12-05 09:00", "tomorrow 7pm"), or None.

    A clock time is required; without a day it is its next occurrence, a date without a year
    the next such day. Anything else in the text ("下周 9:00") makes it None rather than a guess.
    """
    norm = _read(text)
    try:
        found_day, rest = _find_day(norm, now.date())
    except WindowError:
        return None
    period = next((word for word in PERIODS if word in rest), None)
    if period is not None:
        rest = rest.replace(period, " ", 1)
    clock = _SINGLE.search(rest)
    if clock is None or not _FILLER.match(_cut(rest, clock)):
        return None
    if clock["ah"]:
        hour, minute = _clock(clock["ah"], clock["am"], clock["ahalf"], clock["aap"])
    else:
        hour, minute = _clock(clock["bh"], None, None, clock["bap"])
    if period in PM_PERIODS and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    if found_day is None:
        found_day = now.date()
        if _at(found_day, hour, minute, now) <= now:
            found_day += timedelta(days=1)
    return _at(found_day, hour, minute, now)


def day(text: str, today: date) -> date | None:
    """A date alone ("2026-12-31", "12月31日", "12-31", "明天", "下周三", "dec 31"), or None.

    A date without a year is the next such day from `today` (local); anything else in the text
    makes it None.
    """
    norm = _read(text)
    try:
        found, rest = _find_day(norm, today, dashes=True)
    except WindowError:
        return None
    return found if found is not None and _FILLER.match(rest) else None
