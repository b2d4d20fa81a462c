"""Text that came from a person: control characters removed, and how long each kind may be.

Every path that stores a person's words (dialog steps, the platform display name kept at /start,
imports, the CLI) uses the same cleaning and the same limit per field, so a value accepted on one
path is never refused by the database on another. Limits never exceed the model column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import InstrumentedAttribute

from storage.models import Person

# C0 except tab and newline, DEL, C1, lone surrogates and the two non-characters XML refuses:
# none is typed by a person, PostgreSQL refuses NUL, openpyxl refuses C0 (IllegalCharacterError),
# and ESC sequences would reach the office's terminal through `linli admin` output.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """The text without control characters; a carriage return (CRLF, CR) becomes a newline."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def column_length(column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None]) -> int:
    """The declared length of a String column (0 for Text, which has none)."""
    return int(getattr(column.property.columns[0].type, "length", None) or 0)


@dataclass(frozen=True)
class Field:
    """One kind of text a person writes, with its limit in characters."""

    name: str
    limit: int

    def fits(self, value: str) -> bool:
        """Whether the (already cleaned and stripped) value is within the limit."""
        return len(value) <= self.limit

    def cut(self, value: str) -> str:
        """The value cleaned, with runs of whitespace joined, and cut to the limit.

        For text a person did not type for us (a platform's display name): kept, but shortened.
        """
        return " ".join(clean_text(value).split())[: self.limit].strip()


def field(
    name: str,
    limit: int,
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None] | None = None,
) -> Field:
    """A field whose limit is checked against its model column when the module loads."""
    if column is not None:
        length = column_length(column)
        if length and limit > length:
            raise ValueError(f"{name}: limit {limit} exceeds the column's {length}")
    return Field(name, limit)


NAME = field("name", 30, Person.display_name)
