"""Reading CSV and XLSX tables into rows that remember their line numbers.

Bounded before anything is parsed: the file's size, an .xlsx's decompressed size (a 300 KB zip
can hold gigabytes), rows and columns. Cells come back without control characters; a cell longer
than MAX_CELL_CHARS is left for the importer to refuse as that row's error.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from handlers.core.text import clean_text

MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # every member of an .xlsx together, decompressed
MAX_CELL_CHARS = 5_000  # the longest column we store is 500 characters; lists of codes are longer


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
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TableError(f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
    header = next(rows, None)
    if header is None:
        raise TableError("the file is empty")
    names = [clean_text(h).strip().lstrip("\ufeff") for h in header[:MAX_COLUMNS]]
    missing = [c for c in required if c not in names]
    if missing:
        raise TableError(f"missing columns: {', '.join(missing)}")
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise TableError(f"more than {MAX_ROWS} rows")
        if not any((v or "").strip() for v in values):
            continue
        yield Row(
            number,
            {
                name: clean_text(values[i]) if i < len(values) else ""
                for i, name in enumerate(names)
            },
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
    # The csv module stops at a 128 KB field with no line number; the file's size is the bound
    # here, and an over-long cell becomes its row's error.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    for values in csv.reader(io.StringIO(text)):
        yield values[:MAX_COLUMNS]


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    _check_unzipped_size(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise TableError(f"not a readable .xlsx file: {exc}") from exc
    sheet = book.worksheets[0]
    for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        yield ["" if v is None else _cell_text(v) for v in values]
    book.close()


def _check_unzipped_size(path: Path) -> None:
    """Refuse an .xlsx whose members would decompress beyond the bound.

    The declared sizes are what zipfile lets a reader get out of each member (it stops there and
    fails the CRC check), so their sum bounds what openpyxl can load.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise TableError(f"not a readable .xlsx file: {exc}") from exc
    if total > MAX_UNZIPPED_BYTES:
        raise TableError(
            f"the .xlsx file unpacks to more than {MAX_UNZIPPED_BYTES // 1024 // 1024} MB"
        )


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
