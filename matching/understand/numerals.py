"""Numbers in everyday words: Chinese numerals as digits, counts of people, lengths of time.

Chinese numerals become digits with cn2an, on each run of numeral characters, so the time rules
(when.py) and the count rules below see "周6上午9点到11点" and "2个人". Pure functions.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from matching.text import fold

_NUMERAL_RUN = re.compile(
    r"[零〇一二两三四五六七八九十百]+(?=[个位名点时号日月年小分天周岁人次块元:：半]|$|\s)"
)
_AFTER_NUMBER = re.compile(r"[个位名点时号日月年小分天周岁人次块元]")
EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a couple of": 2,
    "a couple": 2,
}
_PEOPLE = r"(?:人|志愿者|帮手|师傅|people|persons|person|volunteers?|helpers?)"
_COUNT = re.compile(r"(?P<n>\d{1,4})\s*(?:个|位|名)?\s*" + _PEOPLE)
_EN_COUNT = re.compile(r"\b(?P<n>" + "|".join(EN_NUMBERS) + r")\s+" + _PEOPLE + r"\b")
# A count alone, as an answer to "how many?": "3", "三个", "十位", "two", "5 people".
_BARE_COUNT = re.compile(r"(?P<n>\d{1,4})\s*(?:个|位|名)?\s*" + _PEOPLE + r"?")
_EN_BARE_COUNT = re.compile(r"(?P<n>" + "|".join(EN_NUMBERS) + r")(?:\s+" + _PEOPLE + r")?")
_DURATION = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)?\s*个?\s*(?P<half>半)?\s*(?P<unit>小时|钟头|分钟|hours?|hrs?|h\b|minutes?|mins?)"
)


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
    # cn2an is imported here, not at the top: it costs a sixth of a second that every `linli`
    # command would pay; a serving process loads it in its warm-up (handlers/warmup.py).
    import cn2an

    try:
        return str(cn2an.cn2an(run, "smart"))
    except ValueError:
        return run


def parse_count(text: str, bare: bool = False) -> int | None:
    """How many people a text asks for ("两个人", "3位志愿者", "two volunteers"), if it says.

    With `bare` the whole text may be the number alone ("3", "三个", "two"): the answer to a
    question that already asked how many.
    """
    norm = digits(text).strip()
    if bare:
        alone = _BARE_COUNT.fullmatch(norm)
        if alone:
            return int(alone["n"])
        english = _EN_BARE_COUNT.fullmatch(norm)
        if english:
            return EN_NUMBERS[english["n"]]
    found = _COUNT.search(norm)
    if found:
        return int(found["n"])
    english = _EN_COUNT.search(norm)
    return EN_NUMBERS[english["n"]] if english else None


_BARE_HOURS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:个?小时|个?钟头|h|hr|hrs|hours?)?")


def parse_hours(text: str) -> Decimal | None:
    """Hours as an answer to "how many hours?": "3", "2.5小时", "3h", "两个半小时", "90分钟"."""
    norm = digits(text).strip()
    bare = _BARE_HOURS.fullmatch(norm)
    if bare:
        return Decimal(bare.group(1))
    length = parse_duration(norm)
    if length is None:
        return None
    return Decimal(int(length.total_seconds())) / Decimal(3600)


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
