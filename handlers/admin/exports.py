"""Exports for the community office: flat rows from each feature, written as CSV, XLSX or JSON.

Every file goes through `write`, which makes each text cell safe once for all exports: control
characters removed, and text a spreadsheet would run as a formula (`=HYPERLINK(…)`, `-2+3+cmd|…`)
neutralized — prefixed with `'` in CSV (the OWASP rule), a plain string (never a formula) in XLSX.
Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from importlib import import_module
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.text import clean_text
from storage.models import Region

Rows = list[dict[str, Any]]
Exporter = Callable[[AsyncSession, Region | None], Awaitable[Rows]]

# kind → "module:function"; each feature owns its rows, this module only writes them out.
EXPORTERS = {
    "proposals": "handlers.proposals:export_rows",
    "projects": "handlers.proposals:export_projects",
    "needs": "handlers.needs:export_rows",
    "reports": "handlers.reports:export_rows",
    "records": "handlers.hours:export_records",
    "departments": "handlers.departments:export_rates",
    "handoffs": "handlers.departments:export_handoffs",
    "resources": "handlers.units:export_resources",
    "unit_needs": "handlers.units:export_needs",
    "project_list": "handlers.units:export_projects",
}
FORMATS = ("csv", "xlsx", "json")


def exporter(kind: str) -> Exporter:
    """The row function for a kind of export."""
    module, _, name = EXPORTERS[kind].partition(":")
    function: Exporter = getattr(import_module(module), name)
    return function


# A cell starting with one of these is a formula (or DDE command) to Excel, WPS or LibreOffice;
# full-width forms too, since some spreadsheet apps fold them. Leading blanks and invisible format
# characters are skipped first: they do not stop a spreadsheet from reading what follows.
FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")
_INVISIBLE = " \t\r\n\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return clean_text(value)
    return value


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula rather than as text."""
    if text[:1] in ("\t", "\r"):
        return True
    head = text.lstrip(_INVISIBLE)[:1]
    return bool(head) and head in FORMULA_START


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text cleaned and, when formula-like, prefixed with `'`."""
    value = _plain(value)
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def write(rows: Rows, fmt: str) -> bytes:
    """Rows as a file in one of FORMATS (CSV with a BOM so Excel opens it as UTF-8)."""
    columns = list(rows[0]) if rows else []
    if fmt == "json":
        data = [{k: _plain(v) for k, v in row.items()} for row in rows]
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([csv_cell(c) for c in columns])
        for row in rows:
            writer.writerow([csv_cell(row.get(c)) for c in columns])
        return ("\ufeff" + buffer.getvalue()).encode()
    if fmt == "xlsx":
        return _xlsx([columns, *([row.get(c) for c in columns] for row in rows)])
    raise ValueError(f"unknown format {fmt!r}")


def _xlsx(lines: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for line in lines:
        cells = []
        for value in line:
            value = _plain(value)
            if not isinstance(value, str):
                cells.append(value)
                continue
            # openpyxl makes any text starting with "=" a formula: set the type after the value.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = formula_like(value)  # Excel keeps it text even when edited
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
