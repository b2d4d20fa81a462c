"""The one number parser: which digits count, and the bounds every typed number meets."""

from __future__ import annotations

import pytest

from handlers.core.errors import UserError
from handlers.core.numbers import DB_INT_MAX, fold, parse_id, parse_int, require_id


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 12),
        (" １２ ", 12),  # full-width digits are digits
        ("007", 7),
        ("0", 0),
        ("²", None),  # superscripts: isdigit() says yes, int() says no
        ("1²", None),
        ("①", None),
        ("٣", None),  # other scripts' digits are not what a person here types
        ("-5", None),
        ("+5", None),
        ("1 2", None),
        ("", None),
        ("1.5", None),
        ("9" * 20, None),
        ("９" * 20, None),
        ("0" * 30 + "5", 5),  # leading zeros are not length
        ("9" * 5000, None),  # beyond Python's own int() limit: still just "not a number"
    ],
)
def test_parse_int_takes_ascii_and_full_width_digits_only(typed: str, expected: int | None) -> None:
    assert parse_int(typed) == expected


def test_bounds_are_inclusive_and_the_default_is_the_database_integer() -> None:
    assert parse_int("10", low=1, high=10) == 10
    assert parse_int("11", low=1, high=10) is None
    assert parse_int("0", low=1) is None
    assert parse_int(str(DB_INT_MAX)) == DB_INT_MAX
    assert parse_int(str(DB_INT_MAX + 1)) is None


def test_ids_take_a_hash_and_refuse_zero_and_overflow() -> None:
    assert parse_id("#12") == parse_id("＃１２") == 12
    assert parse_id("0") is None
    assert parse_id("2147483648") is None
    with pytest.raises(UserError) as caught:
        require_id("²", "needs.bad_id")
    assert caught.value.key == "needs.bad_id"


def test_fold_keeps_full_width_digits_and_spoils_superscripts() -> None:
    assert fold("１２：３０") == "12:30"
    assert fold("2²") != "22" and "2" not in fold("²")
    assert fold("③点") == "\ufffd点"
