"""Hours rounding and star levels: the default rule table, and overrides from the settings."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from bot.bootstrap import core_config
from bot.settings import Settings
from handlers.core.errors import InvalidInput
from handlers.hours import HoursRules, rules_of
from handlers.hours.commands import parse_hours

RULES = HoursRules()


@pytest.mark.parametrize(
    ("served", "recorded"),
    [
        ("0", "0.0"),
        ("0.2", "0.0"),  # a short service is kept as a record, with no hours counted
        ("0.25", "0.5"),  # halves round up
        ("0.7", "0.5"),
        ("1.2", "1.0"),
        ("1.25", "1.5"),
        ("1.74", "1.5"),
        ("1.75", "2.0"),
        ("2.3", "2.5"),
        ("2.5", "2.5"),
        ("23.9", "24.0"),
    ],
)
def test_default_rounding_to_the_half_hour_half_up(served: str, recorded: str) -> None:
    assert RULES.round(Decimal(served)) == Decimal(recorded)


@pytest.mark.parametrize(
    ("total", "level", "upcoming"),
    [
        ("0", 0, (1, "100")),
        ("99.5", 0, (1, "0.5")),
        ("100", 1, (2, "200")),
        ("299.5", 1, (2, "0.5")),
        ("300", 2, (3, "300")),
        ("600", 3, (4, "400")),
        ("1000", 4, (5, "500")),
        ("1499.5", 4, (5, "0.5")),
        ("1500", 5, None),
        ("4000", 5, None),
    ],
)
def test_star_levels_and_the_next_one(
    total: str, level: int, upcoming: tuple[int, str] | None
) -> None:
    assert RULES.level(Decimal(total)) == level
    expected = (upcoming[0], Decimal(upcoming[1])) if upcoming else None
    assert RULES.next_threshold(Decimal(total)) == expected


def test_overrides_from_the_config() -> None:
    rules = rules_of(
        core_config(
            Settings(
                LINLI_HOURS_STEP="1",
                LINLI_HOURS_ROUNDING=ROUND_HALF_EVEN,
                LINLI_HOURS_STARS=[10, 20],
            )
        )
    )
    assert rules.round(Decimal("2.5")) == Decimal("2.0")
    assert rules.round(Decimal("3.5")) == Decimal("4.0")
    assert rules.level(Decimal(25)) == 2 and rules.next_threshold(Decimal(25)) is None
    assert rules_of(core_config(Settings())) == RULES


@pytest.mark.parametrize("bad", [{"LINLI_HOURS_STEP": "0.05"}, {"LINLI_HOURS_STARS": [3, 2]}])
def test_unusable_rules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        rules_of(core_config(Settings(**bad)))


@pytest.mark.parametrize(
    ("text", "hours"),
    [("2.5", "2.5"), ("3小时", "3"), ("１.５ h", "1.5"), (" 4 hours ", "4"), ("两个小时", "2")],
)
def test_typed_hours(text: str, hours: str) -> None:
    assert parse_hours(text) == Decimal(hours)


@pytest.mark.parametrize("text", ["", "好几个小时", "-1", "2,5", "1e3"])
def test_typed_hours_that_are_not_numbers(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_hours(text)
