"""Numbers as people type them, parsed in one place: prompts, command arguments, button payloads.

ASCII and full-width digits ("１２") are digits; superscripts ("²"), circled numbers and other
characters Python's `isdigit` admits are not, and neither are signs or spaces inside. Every number
is bounded, ids by the database's integer range, so nothing typed reaches `int()` or a query
unchecked.
"""

from __future__ import annotations

from handlers.core.errors import UserError
from matching.text import fold  # noqa: F401 (one folding rule: matching.text)

DB_INT_MAX = 2**31 - 1  # PostgreSQL `integer`, the type of every id column
_MAX_DIGITS = len(str(DB_INT_MAX))  # longer answers are out of range before any conversion
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_ID_MARKS = "#＃"


def parse_int(text: str, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """The whole number `text` spells, if it lies in [low, high]; None otherwise."""
    value = text.strip().translate(_FULL_WIDTH)
    digits = value.lstrip("0") or "0"
    if not value.isascii() or not value.isdecimal() or len(digits) > _MAX_DIGITS:
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_id(text: str) -> int | None:
    """An item id as typed ("12", "#12", "＃１２") or carried by a button; None if it is not one."""
    return parse_int(text.strip().lstrip(_ID_MARKS), low=1)


def require_id(text: str, error_key: str, **params: object) -> int:
    """The id in `text`; UserError(error_key) when it is not one."""
    number = parse_id(text)
    if number is None:
        raise UserError(error_key, **params)
    return number


def first_id(args: list[str]) -> int | None:
    """The id a button payload's first argument carries ("offer:12:accept" → 12), or None."""
    return parse_id(args[0]) if args else None
