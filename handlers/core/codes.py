"""Codes people read aloud and type (invite codes, check-in codes): random, no look-alikes."""

from __future__ import annotations

import re
import secrets

from handlers.core.numbers import fold

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud
_SPACING = re.compile(r"[\s\-_·.]+")  # "AB3 K9P", "ab3-k9p" are the same code


def random_code(length: int) -> str:
    """A code of `length` characters from the alphabet, from the system's secure source."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize(typed: str) -> str:
    """A typed code as stored: full-width folded, upper case, spaces and dashes removed."""
    return _SPACING.sub("", fold(typed)).upper()
