"""Exports for the community office: flat rows from each feature, written as CSV, XLSX or JSON."""

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

from storage.models import Region

Rows = list[dict[str, Any]]
Exporter = Callable[[AsyncSession, Region | None], Awaitable[Rows]]

# kind → "module:function"; each feature owns its rows, this module only writes them out.
EXPORTERS = {
    "proposals": "handlers.proposals:export_rows",
    "needs": "handlers.needs:export_rows",
    "reports": "handlers.reports:export_rows",
    "records": "handlers.hours:export_records",
}
FORMATS = ("csv", "xlsx", "json")


def exporter(kind: str) -> Exporter:
    """The row function for a kind of export."""
    module, _, name = EXPORTERS[kind].partition(":")
    function: Exporter = getattr(import_module(module), name)
    return function


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _cell(value: Any) -> Any:
    """A value openpyxl can write: control characters (IllegalCharacterError) removed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = _plain(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def write(rows: Rows, fmt: str) -> bytes:
    """Rows as a file in one of FORMATS (CSV with a BOM so Excel opens it as UTF-8)."""
    columns = list(rows[0]) if rows else []
    if fmt == "json":
        data = [{k: _plain(v) for k, v in row.items()} for row in rows]
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _plain(v) for k, v in row.items()})
        return ("\ufeff" + buffer.getvalue()).encode()
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row.get(c)) for c in columns])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # residents' text starting with "=" stays text
                    cell.data_type = "s"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
