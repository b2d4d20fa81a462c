"""Weekly availability in everyday words: "周六下午和周日全天", "工作日晚上", "weekends".

Read with the same numerals, joins and day-part words as the date parser (when.py), into
(weekday, part) pairs: weekday 0 = Monday, part "am" (8–12), "pm" (12–18) or "ev" (18–22), the
slots of a volunteer's week. Pure.
"""

from __future__ import annotations

import re

from matching.understand.numerals import digits
from matching.understand.when import JOIN, WHOLE_DAY_WORDS

PARTS = (("am", 8, 12), ("pm", 12, 18), ("ev", 18, 22))
ALL_DAYS = tuple(range(7))
DAY_WORDS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("工作日", (0, 1, 2, 3, 4)),
    ("平时", (0, 1, 2, 3, 4)),
    ("weekdays", (0, 1, 2, 3, 4)),
    ("weekday", (0, 1, 2, 3, 4)),
    ("周末", (5, 6)),
    ("双休日", (5, 6)),
    ("weekends", (5, 6)),
    ("weekend", (5, 6)),
    ("每天", ALL_DAYS),
    ("天天", ALL_DAYS),
    ("every day", ALL_DAYS),
    ("daily", ALL_DAYS),
)
PART_WORDS = (
    ("上午", ("am",)),
    ("早上", ("am",)),
    ("早晨", ("am",)),
    ("白天", ("am", "pm")),
    ("中午", ("pm",)),
    ("下午", ("pm",)),
    ("傍晚", ("ev",)),
    ("晚上", ("ev",)),
    ("夜里", ("ev",)),
    ("mornings", ("am",)),
    ("morning", ("am",)),
    ("afternoons", ("pm",)),
    ("afternoon", ("pm",)),
    ("daytime", ("am", "pm")),
    ("evenings", ("ev",)),
    ("evening", ("ev",)),
    ("nights", ("ev",)),
)
_ZH_DAY = r"(?:周|星期|礼拜)(?P<{n}>[1-7一二三四五六日天])"
_ZH_RANGE = re.compile(
    _ZH_DAY.format(n="a") + r"\s*(?:到|至|-|~|—)\s*(?:周|星期|礼拜)?(?P<b>[1-7一二三四五六日天])"
)
_ZH_ONE = re.compile(_ZH_DAY.format(n="a"))
_EN_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EN_ONE = re.compile(r"\b(?P<a>" + "|".join(_EN_NAMES) + r")[a-z]*\b")
_EN_RANGE = re.compile(
    r"\b(?P<a>"
    + "|".join(_EN_NAMES)
    + r")[a-z]*\s*(?:-|to|through|until)\s*(?P<b>"
    + "|".join(_EN_NAMES)
    + r")[a-z]*\b"
)
_CLOCKS = re.compile(r"(?P<a>\d{1,2})\s*[:点]\s*\d{0,2}\s*(?:-|到|至|~|to)\s*(?P<b>\d{1,2})")


def _zh_index(mark: str) -> int:
    if mark.isdigit():
        return min(int(mark), 7) - 1
    return "一二三四五六日".index(mark) if mark != "天" else 6


def _days(part: str) -> tuple[int, ...]:
    """The weekdays a part names, in order; () when it names none."""
    found: list[int] = []
    for pattern, index in ((_ZH_RANGE, _zh_index), (_EN_RANGE, _EN_NAMES.index)):
        for match in pattern.finditer(part):
            first, last = index(match["a"]), index(match["b"])
            found += range(first, last + 1) if first <= last else []
        part = pattern.sub(" ", part)
    for word, days in DAY_WORDS:
        if word in part:
            found += days
            part = part.replace(word, " ")
    found += [_zh_index(m["a"]) for m in _ZH_ONE.finditer(part)]
    found += [_EN_NAMES.index(m["a"]) for m in _EN_ONE.finditer(part)]
    return tuple(dict.fromkeys(found))


def _parts(part: str) -> tuple[str, ...]:
    """The parts of the day a part names; () when it names none (the whole day then)."""
    found: list[str] = []
    for word, parts in PART_WORDS:
        if word in part:
            found += parts
            part = part.replace(word, " ")
    clocks = _CLOCKS.search(part)
    if clocks:  # "9点到11点": the parts the hours overlap
        start, end = int(clocks["a"]), int(clocks["b"])
        if end <= start:
            end += 12
        found += [name for name, low, high in PARTS if start < high and end > low]
    return tuple(dict.fromkeys(found))


# Words that mean any time of the week ("随时都可以", "anytime").
ANY_TIME_WORDS = ("随时", "什么时候都", "啥时候都", "任何时间", "any time", "anytime", "whenever")
# What follows these is left out ("除了周一都可以", "any day except sunday").
_EXCEPT = re.compile(
    r"(?:除了|除去|不包括|不含|except(?: for)?|but not|other than|apart from)\s*"
    r"(?P<out>.+?)\s*(?=都|其他|其余|以外|之外|外|,|，|;|$)"
)
# A day, then that it does not suit ("周一不行", "sunday is out"): left out too.
_NOT_FREE = re.compile(
    r"(?P<out>(?:周|星期|礼拜)[1-7一二三四五六日天](?:[上下]午|晚上)?)\s*"
    r"(?:不行|没空|不可以|不方便|没时间)"
)


def weekly(text: str) -> list[tuple[int, str]]:
    """The (weekday, part) slots a text names, in week order; [] when it names no day.

    A part without days of its own takes the days of the part before ("周六上午和下午"); a part
    with days and no part of the day means the whole day ("周日全天", "周末"); parts of the day
    with no day at all mean every day ("晚上都有空", "evenings"); "随时", "anytime" the whole
    week. What is excepted is left out ("除了周一都可以", "周日不行", "any day except sunday").
    """
    norm = digits(text).strip().lower()
    left_out: set[tuple[int, str]] = set()
    for pattern in (_EXCEPT, _NOT_FREE):
        for match in pattern.finditer(norm):
            left_out |= _slots(match["out"])
        norm = pattern.sub(" ", norm)
    slots = _slots(norm)
    if not slots and (left_out or any(word in norm for word in ANY_TIME_WORDS)):
        slots = {(d, p) for d in ALL_DAYS for p, _, _ in PARTS}
    order = [name for name, _, _ in PARTS]
    return sorted(slots - left_out, key=lambda slot: (slot[0], order.index(slot[1])))


def _slots(norm: str) -> set[tuple[int, str]]:
    """The slots of a text with no exceptions in it (see `weekly`)."""
    whole = [word for word in WHOLE_DAY_WORDS if word in norm]
    for word in whole:
        norm = norm.replace(word, " ")
    slots: set[tuple[int, str]] = set()
    last_days: tuple[int, ...] = ()
    pieces = [(p, _days(p)) for p in JOIN.split(norm) if p.strip()]
    named_days = any(days for _, days in pieces)
    for piece, own_days in pieces:
        days = own_days or last_days
        if not days and not named_days and _parts(piece):  # "晚上都有空": every evening
            days = ALL_DAYS
        if not days:
            continue
        last_days = days
        parts = _parts(piece) or tuple(name for name, _, _ in PARTS)
        slots |= {(d, p) for d in days for p in parts}
    return slots
