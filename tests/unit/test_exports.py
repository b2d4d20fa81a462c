"""Export files: the same rows as CSV (Excel-friendly), XLSX and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from handlers.admin.exports import write

ROWS = [
    {
        "id": 1,
        "title": "加装电梯",
        "hours": Decimal("1.5"),
        "created": datetime(2026, 11, 30, tzinfo=UTC),
    },
    {"id": 2, "title": "楼道堆物, 清理", "hours": None, "created": None},
]


def test_csv_has_a_bom_and_round_trips() -> None:
    data = write(ROWS, "csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1]["title"] == "楼道堆物, 清理" and rows[0]["hours"] == "1.5"


def test_json_is_readable_chinese() -> None:
    data = json.loads(write(ROWS, "json"))
    assert data[0] == {
        "id": 1,
        "title": "加装电梯",
        "hours": 1.5,
        "created": "2026-11-30T00:00:00+00:00",
    }
    assert "加装电梯".encode() in write(ROWS, "json")


def test_xlsx_has_header_and_rows() -> None:
    sheet = load_workbook(io.BytesIO(write(ROWS, "xlsx"))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("id", "title", "hours", "created") and values[1][1] == "加装电梯"


def test_unknown_format() -> None:
    with pytest.raises(ValueError):
        write(ROWS, "pdf")


def test_xlsx_keeps_formula_like_text_as_text_and_drops_control_characters() -> None:
    rows = [{"text": '=HYPERLINK("http://x","点我")', "note": "坏\x07字符"}]
    sheet = load_workbook(io.BytesIO(write(rows, "xlsx"))).active
    cell, note = sheet["A2"], sheet["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","点我")'
    assert note.value == "坏字符"
