"""The one time parser as each flow reads it: the inputs every flow accepted before, and more.

Notices (`moment`), proposals' target dates and `/pause` (`day`), activities (`span`), activity
sizes (`parse_count(bare=True)`), availability (`weekly`) and typed skills (`typed_skills`).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from matching.taxonomy import load_skills
from matching.understand import when
from matching.understand.numerals import digits, parse_count, parse_hours
from matching.understand.skills import typed_skills
from matching.understand.weekly import weekly

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=BEIJING)  # a Monday morning
TODAY = NOW.date()


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


# -- a scheduled notice: one point in time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("18:30", at(11, 30, 18, 30)),
        ("9:00", at(12, 1, 9)),  # already past today: tomorrow
        ("１８：３０", at(11, 30, 18, 30)),  # full-width digits and colon
        ("明天 9:00", at(12, 1, 9)),
        ("明天9点", at(12, 1, 9)),
        ("后天 8点半", at(12, 2, 8, 30)),
        ("tomorrow 7:15", at(12, 1, 7, 15)),
        ("12-05 09:00", at(12, 5, 9)),
        ("12月5日 9:00", at(12, 5, 9)),
        ("1-3 9:00", at(1, 3, 9, year=2027)),  # no year, already past: next year
        ("2026-12-31 23:59", at(12, 31, 23, 59)),
        # everyday words, refused before the parsers were one
        ("九点", at(12, 1, 9)),
        ("明天上午九点", at(12, 1, 9)),
        ("下午三点半", at(11, 30, 15, 30)),
        ("周六晚上7点", at(12, 5, 19)),
        ("tomorrow 7pm", at(12, 1, 19)),
        ("saturday 9 am", at(12, 5, 9)),
        # short forms of a day and its part
        ("明早九点", at(12, 1, 9)),  # tomorrow, not this morning's 9:00 (past already)
        ("今晚8点", at(11, 30, 20)),
        ("tonight 8pm", at(11, 30, 20)),
    ],
)
def test_notice_times(typed: str, meant: datetime) -> None:
    assert when.moment(typed, NOW) == meant


@pytest.mark.parametrize(
    "typed", ["", "明天", "25:00", "9:75", "2月30日 9:00", "下周 9:00", "改天"]
)
def test_notice_times_refused(typed: str) -> None:
    assert when.moment(typed, NOW) is None


# -- a date alone: proposals' target dates, /pause until ------------------------------------------


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("2026.1.5", date(2026, 1, 5)),
        ("2027年3月1日", date(2027, 3, 1)),
        ("２０２６－１２－３１", date(2026, 12, 31)),  # full-width
        ("12月31日", date(2026, 12, 31)),
        ("12月31号", date(2026, 12, 31)),
        (" 12-31 ", date(2026, 12, 31)),
        ("11月30日", date(2026, 11, 30)),  # today is still this year
        ("3月1日", date(2027, 3, 1)),  # past this year: next year
        ("1/15", date(2027, 1, 15)),
        # everyday words
        ("十二月三十一日", date(2026, 12, 31)),
        ("明天", date(2026, 12, 1)),
        ("下周三", date(2026, 12, 9)),
        ("本周六", date(2026, 12, 5)),
        ("dec 31", date(2026, 12, 31)),
        ("31 December", date(2026, 12, 31)),
    ],
)
def test_dates(text: str, meant: date) -> None:
    assert when.day(text, TODAY) == meant


@pytest.mark.parametrize(
    "text",
    ["", "年底", "2026-13-01", "2026-02-30", "2月30日", "31/12/2026", "20261231", "明天上午"],
)
def test_other_text_is_not_a_date(text: str) -> None:
    assert when.day(text, TODAY) is None


# -- an activity's time: a day and a span, as written ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("12月5日 9:00-11:00", at(12, 5, 9), at(12, 5, 11)),
        ("2026-12-06 09:00 11:00", at(12, 6, 9), at(12, 6, 11)),
        ("12-06 9:00-11:00", at(12, 6, 9), at(12, 6, 11)),
        ("明天 9-11 点", at(12, 1, 9), at(12, 1, 11)),  # hours, not the 11th of September
        ("12月5日 下午2点到4点", at(12, 5, 14), at(12, 5, 16)),
        ("12月5日 11点到1点", at(12, 5, 11), at(12, 5, 13)),
        ("12月5日 上午9点到下午1点", at(12, 5, 9), at(12, 5, 13)),
        ("12月5日 22:00-24:00", at(12, 5, 22), at(12, 6, 0)),
        ("12月7日 0:00-2:00", at(12, 7, 0), at(12, 7, 2)),  # not 12:00-14:00
        ("本周六上午9点到11点", at(12, 5, 9), at(12, 5, 11)),
        ("this saturday 9am to 11am", at(12, 5, 9), at(12, 5, 11)),
        ("dec 7 0:00-2:00", at(12, 7, 0), at(12, 7, 2)),
        ("今天 9:00-9:30", at(11, 30, 9), at(11, 30, 9, 30)),  # the flow says it is past
        ("明晚七点到九点", at(12, 1, 19), at(12, 1, 21)),
        ("tonight", at(11, 30, 18), at(11, 30, 21)),  # the evening, not the whole day
        ("tomorrow after lunch", at(12, 1, 14), at(12, 1, 18)),
    ],
)
def test_activity_spans(text: str, start: datetime, end: datetime) -> None:
    assert when.span(text, NOW) == (start, end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("12月5日 11:00-10:00", "order"), ("2月30日 9:00-11:00", "unknown"), ("找时间", "unknown")],
)
def test_activity_spans_refused(text: str, reason: str) -> None:
    with pytest.raises(when.WindowError) as raised:
        when.span(text, NOW)
    assert raised.value.reason == reason


def test_several_windows_in_english_too() -> None:
    assert when.parse_all("saturday afternoon and sunday all day", NOW) == [
        (at(12, 5, 14), at(12, 5, 18)),
        (at(12, 6, 8), at(12, 6, 18)),
    ]


# -- how many: a number alone answers "how many volunteers?" ---------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("3", 3),
        ("25人", 25),
        ("两个人", 2),
        ("十位", 10),
        ("two", 2),
        ("5 people", 5),
        ("abc", None),
        # about so many: the number said, the larger of two ("两三个" once read as 23)
        ("两三个人就够了", 3),
        ("三四个", 4),
        ("十来个人", 10),
        ("二十几个", 20),
        ("大概二十人左右", 20),
        ("about 10", 10),
        ("a dozen volunteers", 12),
        ("one or two", 2),
    ],
)
def test_bare_counts(text: str, count: int | None) -> None:
    assert parse_count(text, bare=True) == count


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("3", "3"),
        ("2.5小时", "2.5"),
        ("3h", "3"),
        ("１２", "12"),
        ("两个半小时", "2.5"),
        ("90分钟", "1.5"),
        ("3 hours", "3"),
        ("abc", None),
        ("1小时20分钟", "1.33"),  # each part counts (it read 1)
        ("three hours", "3"),
        ("an hour and a half", "1.5"),
        ("half an hour", "0.5"),
    ],
)
def test_hours_as_answers(text: str, hours: str | None) -> None:
    """Hours served (closing an activity, /hours_fix): the old inputs and everyday ones."""
    found = parse_hours(text)
    assert (str(found.normalize()) if found is not None else None) == hours


def test_two_numerals_in_a_row_are_about_the_larger() -> None:
    assert digits("下午两三点") == "下午3点" and digits("二十三个人") == "23个人"
    assert digits("一多半") == "一多半"


def test_a_number_alone_is_not_a_count_in_a_sentence() -> None:
    assert parse_count("3") is None
    assert parse_count("需要三个人帮忙") == 3


# -- weekly availability -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("周六下午和周日全天", [(5, "pm"), (6, "am"), (6, "pm"), (6, "ev")]),
        ("工作日晚上", [(d, "ev") for d in range(5)]),
        ("周一到周五上午", [(d, "am") for d in range(5)]),
        ("周六上午和下午", [(5, "am"), (5, "pm")]),
        ("周三 9点到11点", [(2, "am")]),
        ("saturday afternoon and sunday all day", [(5, "pm"), (6, "am"), (6, "pm"), (6, "ev")]),
        ("mon-fri evenings", [(d, "ev") for d in range(5)]),
        ("随便", []),
        # every day of a part, the whole week, and what is excepted
        ("晚上都有空", [(d, "ev") for d in range(7)]),
        ("evenings after 7", [(d, "ev") for d in range(7)]),
        ("随时都可以", [(d, p) for d in range(7) for p in ("am", "pm", "ev")]),
        ("除了周一都可以", [(d, p) for d in range(1, 7) for p in ("am", "pm", "ev")]),
        ("周日不行，其他时间都可以", [(d, p) for d in range(6) for p in ("am", "pm", "ev")]),
        ("weekdays except friday", [(d, p) for d in range(4) for p in ("am", "pm", "ev")]),
    ],
)
def test_weekly_slots(text: str, slots: list[tuple[int, str]]) -> None:
    assert weekly(text) == slots


# -- typed skills: one reader for sign-up, activities and the broadcast filter ---------------


@pytest.mark.parametrize(
    ("text", "codes", "unknown"),
    [
        ("会开车的，还有懂急救的", ("driving", "first_aid"), ()),
        ("急救、手语", ("first_aid", "sign_language"), ()),
        ("driving, first aid", ("driving", "first_aid"), ()),
        ("first aid and sign language", ("first_aid", "sign_language"), ()),
        ("急救 xyzq", ("first_aid",), ("xyzq",)),
        ("abc", (), ("abc",)),
        ("陪诊，扫地机器人", ("medical_escort",), ("扫地机器人",)),  # not "机器人" science
        ("I can drive", ("driving",), ()),
        # what else a piece says does not stop it; the understanding lexicon reads the rest
        ("周末可以开车送老人去医院", ("driving",), ()),
        ("我会修水龙头，也能帮忙买菜", ("plumbing", "errand_shopping"), ()),
        ("I can also fix a tap and help with shopping", ("plumbing", "errand_shopping"), ()),
        ("可以提供法律咨询", ("legal_consult",), ()),
        # the words around them are not unknown skills (the broadcast filter refused these)
        ("people who can drive and know first aid", ("driving", "first_aid"), ()),
    ],
)
def test_typed_skills(text: str, codes: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    read = typed_skills(text, load_skills())
    assert (read.codes, read.unknown) == (codes, unknown)
