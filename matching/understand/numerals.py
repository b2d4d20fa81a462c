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
    r"[零〇一二两三四五六七八九十百]+(?=[个位名点时号日月年小分天周岁人次块元:：半来几多]|$|\s)"
)
# Two numerals in a row that say "about" ("两三个", "三四点"): the larger is meant.
_ABOUT_PAIR = re.compile(r"^([一二两三四五六七八九])([二三四五六七八九])$")
_ZH_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_AFTER_NUMBER = re.compile(r"[个位名点时号日月年小分天周岁人次块元来几多]")
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
    "a dozen": 12,
    "dozen": 12,
    "one or two": 2,
    "two or three": 3,
}
# Words that make a number approximate ("大概二十人左右", "about 10", "十来个", "二十几个").
_APPROXIMATE = re.compile(
    r"^(?:大概|大约|差不多|约|about|around|approximately|roughly|some)\s*"
    r"|(?<=\d)\s*(?:来|几|多)(?=\s*[个位名人]|$)|\s*(?:左右|上下)$"
)
_PEOPLE = r"(?:人|志愿者|帮手|师傅|people|persons|person|volunteers?|helpers?)"
_COUNT = re.compile(r"(?P<n>\d{1,4})\s*(?:个|位|名)?\s*" + _PEOPLE)
_EN_WORDS = "|".join(sorted(EN_NUMBERS, key=len, reverse=True))
_EN_COUNT = re.compile(r"\b(?P<n>" + _EN_WORDS + r")\s+" + _PEOPLE + r"\b")
# A count alone, as an answer to "how many?": "3", "三个", "十位", "two", "5 people".
_BARE_COUNT = re.compile(r"(?P<n>\d{1,4})\s*(?:个|位|名)?\s*" + _PEOPLE + r"?")
_EN_BARE_COUNT = re.compile(r"(?P<n>" + _EN_WORDS + r")(?:\s+" + _PEOPLE + r")?")
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
    if run == "一" and found.string[found.end() : found.end() + 1] in ("来", "几", "多"):
        return run  # 一多半
    pair = _ABOUT_PAIR.match(run)
    if pair and _ZH_DIGIT[pair[2]] == _ZH_DIGIT[pair[1]] + 1:
        return str(_ZH_DIGIT[pair[2]])  # "两三个" is about three, not 23
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
    norm = _APPROXIMATE.sub("", digits(text).strip()).strip()
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
    """Hours as an answer to "how many hours?": "3", "2.5小时", "3h", "两个半小时", "90分钟",
    "1小时20分钟" (1.33), "three hours", "an hour and a half"."""
    norm = digits(text).strip()
    bare = _BARE_HOURS.fullmatch(norm)
    if bare:
        return Decimal(bare.group(1))
    length = parse_duration(norm)
    if length is None:
        return None
    hours = Decimal(int(length.total_seconds())) / Decimal(3600)
    cents = hours.quantize(Decimal("0.01"))
    return hours if hours == cents else cents  # "1小时20分钟": 1.33


_EN_HALF = re.compile(
    r"(?P<n>\d+)\s*(?:hours?|hrs?)\s+and\s+a\s+half|(?P<m>\d+)\s+and\s+a\s+half\s+(?:hours?|hrs?)"
)
_EN_DIGITS = {"an": 1, "a": 1} | {w: n for w, n in EN_NUMBERS.items() if " " not in w}
_EN_DIGIT = re.compile(
    r"\b(?:" + "|".join(_EN_DIGITS) + r")\b(?=\s+hours?\b|\s+and\s+a\s+half|\s+minutes?\b)"
)


def parse_duration(text: str) -> timedelta | None:
    """A length of time a text names ("两个小时", "一个半小时", "半小时", "90 minutes", "半天",
    "1小时20分钟", "three hours", "an hour and a half")."""
    norm = digits(text)
    if "半天" in norm or "half a day" in norm:
        return timedelta(hours=4)
    if "一天" in norm or "1天" in norm or "a day" in norm:
        return timedelta(hours=8)
    if "half an hour" in norm:
        return timedelta(minutes=30)
    norm = _EN_DIGIT.sub(lambda m: str(_EN_DIGITS[m[0]]), norm)  # "three hours", "an hour"
    half = _EN_HALF.search(norm)
    if half:
        return timedelta(hours=int(half["n"] or half["m"]) + 0.5)
    total = timedelta()
    for found in _DURATION.finditer(norm):  # "1小时20分钟": each part counts
        if not (found["n"] or found["half"]):
            continue
        amount = float(found["n"] or 0) + (0.5 if found["half"] else 0.0)
        minutes = found["unit"].startswith(("分", "min"))
        total += timedelta(minutes=amount) if minutes else timedelta(hours=amount)
    return total or None
