"""Reading CSV and XLSX tables into rows that remember their line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_ROWS = 100_000


class TableError(ValueError):
    """The file itself cannot be read (not a row-level problem)."""


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file (header is line 1) and its cells by column."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """A cell, stripped; "" when empty or absent."""
        return (self.cells.get(column) or "").strip()

    def items(self, column: str) -> list[str]:
        """A `;`-separated list cell."""
        return [
            part.strip() for part in self.get(column).replace("；", ";").split(";") if part.strip()
        ]


def read_rows(path: Path, required: tuple[str, ...]) -> Iterator[Row]:
    """Rows of a .csv or .xlsx file whose header holds every required column."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path)
    else:
        raise TableError(f"unsupported file type: {path.suffix} (use .csv or .xlsx)")
    header = next(rows, None)
    if header is None:
        raise TableError("the file is empty")
    names = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise TableError(f"missing columns: {', '.join(missing)}")
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise TableError(f"more than {MAX_ROWS} rows")
        if not any((v or "").strip() for v in values):
            continue
        yield Row(
            number, {name: (values[i] if i < len(values) else "") for i, name in enumerate(names)}
        )


def _csv_rows(path: Path) -> Iterator[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("the file is neither UTF-8 nor GB18030 text")
    yield from csv.reader(io.StringIO(text))


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise TableError(f"not a readable .xlsx file: {exc}") from exc
    sheet = book.worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield ["" if v is None else _cell_text(v) for v in values]
    book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
