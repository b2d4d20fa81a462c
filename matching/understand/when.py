"""Everyday dates, times, durations and counts, in one parser: "本周六上午九点到十一点", "两个人".

Chinese numerals become digits first (cn2an, on each run of numeral characters), so the rules
below see "周6上午9点到11点"; the rules are hand-written because no registry package covers
windows, counts and conjunctions ("周六下午和周日全天") together without a heavy install. Pure
functions over an aware local "now"; the caller converts the results to UTC for storage.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import cn2an

from matching.text import fold

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
WEEKDAY_DIGITS = "123456"
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# A year makes "2026-12-03" safe; without one only "12/3", "12.3", "12月3日" — never "9-11",
# which is more often a range of hours than the 11th of September.
_NUMERIC_DATE = re.compile(
    r"(?<![\d:])(?:(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]|(?P<m2>\d{1,2})\s*[/.月])"
    r"\s*(?P<d>\d{1,2})(?![\d:])\s*[日号]?"
)
_WEEKDAY_ZH = re.compile(r"(?P<next>下个?)?(?:周|星期|礼拜)(?P<w>[1-6一二三四五六日天])")
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


_NUMERAL_RUN = re.compile(
    r"[零〇一二两三四五六七八九十百]+(?=[个位名点时号日月年小分天周岁人次块元:：半]|$|\s)"
)
_AFTER_NUMBER = re.compile(r"[个位名点时号日月年小分天周岁人次块元]")


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
            mark = found["w"]
            if mark in WEEKDAY_DIGITS and names is not WEEKDAYS_EN:
                mark = WEEKDAYS_ZH[WEEKDAY_DIGITS.index(mark)]
            wanted = min(names.index(mark), 6)
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
    elif end < start and end[0] < 12:
        end = (end[0] + 12, end[1])  # "11点到1点"
    if end == start:  # one time given: a window of a couple of hours from it
        later = datetime(2000, 1, 1, min(start[0], 23), start[1]) + SINGLE_TIME_SPAN
        end = (later.hour if later.day == 1 else 24, later.minute)
    return start, end


def digits(text: str) -> str:
    """The text with Chinese numerals as digits ("九点到十一点" → "9点到11点"), NFKC-folded.

    "两" counts as 2 only before a measure word or a clock word, so "两周" and "两点" convert
    but not every 两; "半" stays (the rules read "点半" and "一个半小时").
    """
    norm = fold(text).lower()
    return _NUMERAL_RUN.sub(_to_digits, norm)


def _to_digits(found: re.Match[str]) -> str:
    run = found[0]
    at_end = found.end() >= len(found.string)
    if run in ("十", "一") and not at_end and not _AFTER_NUMBER.match(found.string, found.end()):
        return run  # 一起, 十分
    try:
        return str(cn2an.cn2an(run, "smart"))
    except ValueError:
        return run


def parse(text: str, now: datetime) -> tuple[datetime, datetime]:
    """The window a free-text answer names, in local time; raises WindowError."""
    norm = digits(text).strip()
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


_JOIN = re.compile(r"\s*(?:和|及|以及|还有|或者|或|、|,|;|\band\b|\bor\b)\s*")
_WHOLE_DAY_WORDS = ("全天", "一整天", "整天", "all day", "whole day")


def parse_all(text: str, now: datetime) -> list[tuple[datetime, datetime]]:
    """Every window a text names ("周六下午和周日全天" → two); raises WindowError if none.

    A part without a day of its own takes the day of the part before ("周六上午和下午").
    """
    norm = digits(text).strip()
    for word in _WHOLE_DAY_WORDS:
        norm = norm.replace(word, " ")
    parts = [part for part in _JOIN.split(norm) if part.strip()]
    if len(parts) <= 1:
        return [parse(norm, now)]
    found: list[tuple[datetime, datetime]] = []
    last_day: str | None = None
    for part in parts:
        day, _ = _find_day(part, now)
        if day is None and last_day is not None:
            part = f"{last_day} {part}"
        elif day is not None:
            last_day = day.isoformat()
        found.append(parse(part, now))
    return found


_COUNT = re.compile(
    r"(?P<n>\d{1,3})\s*(?:个|位|名)?\s*(?:人|志愿者|帮手|师傅|people|persons|person|volunteers?|helpers?)"
)
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a couple of": 2}
_EN_COUNT = re.compile(
    r"\b(?P<n>" + "|".join(_EN_NUMBERS) + r")\s+(?:people|persons|volunteers|helpers|person)\b"
)


def parse_count(text: str) -> int | None:
    """How many people a text asks for ("两个人", "3位志愿者", "two volunteers"), if it says."""
    norm = digits(text)
    found = _COUNT.search(norm)
    if found:
        return int(found["n"])
    english = _EN_COUNT.search(norm)
    return _EN_NUMBERS[english["n"]] if english else None


_DURATION = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)?\s*个?\s*(?P<half>半)?\s*(?P<unit>小时|钟头|分钟|hours?|hrs?|h\b|minutes?|mins?)"
)


def parse_duration(text: str) -> timedelta | None:
    """A length of time a text names ("两个小时", "一个半小时", "半小时", "90 minutes", "半天")."""
    norm = digits(text)
    if "半天" in norm or "half a day" in norm:
        return timedelta(hours=4)
    if "一天" in norm or "1天" in norm or "a day" in norm:
        return timedelta(hours=8)
    if "half an hour" in norm:
        return timedelta(minutes=30)
    found = _DURATION.search(norm)
    if found is None or not (found["n"] or found["half"]):
        return None
    amount = float(found["n"] or 0) + (0.5 if found["half"] else 0.0)
    if found["unit"].startswith(("分", "min")):
        return timedelta(minutes=amount)
    return timedelta(hours=amount)
