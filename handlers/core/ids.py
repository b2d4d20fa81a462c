"""Item numbers as people type them: "12", "#12", "＃12"."""

from __future__ import annotations

from handlers.core.errors import UserError

MAX_DIGITS = 9


def parse_number(raw: str, error_key: str) -> int:
    """The number in `raw`; UserError(error_key) when it is not one."""
    text = raw.strip().lstrip("#＃")
    if not text.isdigit() or len(text) > MAX_DIGITS:
        raise UserError(error_key)
    return int(text)
