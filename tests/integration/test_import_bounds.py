"""Imports are bounded: zip bombs, huge cells and over-long fields are refused with line numbers,
and the good rows around them are kept, on SQLite and PostgreSQL."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bootstrap import App
from handlers.admin import imports, tables
from handlers.admin.imports import COLUMNS, ImportReport, import_rows
from handlers.admin.tables import TableError, read_rows
from handlers.core.text import Field
from storage.models import Organization, Person


async def _import(app: App, kind: str, path: Path) -> ImportReport:
    async with app.db.transaction() as session:
        return await import_rows(session, kind, read_rows(path, COLUMNS[kind]), app.deps.clock())


async def _names(app: App) -> set[str]:
    async with app.db.transaction() as session:
        return set(await session.scalars(select(Person.display_name)))


def _zip_bomb(path: Path, unpacked: int) -> None:
    """A valid .xlsx whose sheet holds one cell of `unpacked` bytes (a few hundred KB packed)."""
    book = Workbook()
    book.active.append(["name", "home_region_code"])
    book.save(path)
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    head, tail = members.pop(sheet).decode().split("</sheetData>")
    head = head.replace("<sheetData/>", "<sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, data in members.items():
            bomb.writestr(name, data)
        with bomb.open(sheet, "w", force_zip64=True) as out:
            out.write(head.encode() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(unpacked >> 20):
                out.write(chunk)
            out.write(b'</t></is></c><c r="B2" t="inlineStr"><is><t>CY-JS-01</t></is></c></row>')
            out.write(b"</sheetData>" + tail.encode())


async def test_a_zip_bomb_is_refused_before_it_is_unpacked(demo_app: App, tmp_path: Path) -> None:
    path = tmp_path / "residents.xlsx"
    _zip_bomb(path, tables.MAX_UNZIPPED_BYTES + (8 << 20))
    assert path.stat().st_size < 1 << 20  # small on disk
    with pytest.raises(TableError, match="unpacks to more than"):
        await _import(demo_app, "residents", path)
    assert not any(len(name) > 100 for name in await _names(demo_app))


def test_a_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "residents.csv"
    path.write_text("name,home_region_code\n" + "张三,CY-JS-01\n" * 100, encoding="utf-8")
    with pytest.raises(TableError, match="larger than"):
        list(read_rows(path, COLUMNS["residents"]))


async def test_a_200_kb_cell_is_its_rows_error(demo_app: App, tmp_path: Path) -> None:
    path = tmp_path / "residents.csv"
    path.write_text(
        "name,home_region_code\n"
        "周一,CY-JS-01\n"
        f"{'长' * 200_000},CY-JS-01\n"
        f"周三,CY-JS-01,{'x' * 200_000}\n"  # beyond the header: ignored
        "周四,CY-JS-01\n",
        encoding="utf-8",
    )
    report = await _import(demo_app, "residents", path)
    assert report.imported == 3
    assert [(line, key, params["column"]) for line, key, params in report.errors] == [
        (3, "import.too_long", "name")
    ]
    assert {"周一", "周三", "周四"} <= await _names(demo_app)


async def test_over_long_fields_are_numbered_row_errors_and_good_rows_kept(
    demo_app: App, tmp_path: Path
) -> None:
    """On PostgreSQL one over-long value used to abort the whole import (0 rows kept)."""
    people = tmp_path / "residents.csv"
    people.write_text(
        "name,home_region_code\n"
        "好邻居,CY-JS-01\n"
        f"{'名' * 31},CY-JS-01\n"  # over the name limit of every path (30)
        f"{'名' * 101},CY-JS-01\n"  # over the column (100)
        "\x1b[2J好\x0b人\x7f,CY-JS-01\n"  # control characters dropped, the row kept
        "老街坊,CY-JS-01\n",
        encoding="utf-8",
    )
    report = await _import(demo_app, "residents", people)
    assert report.imported == 3
    assert [(line, key, params) for line, key, params in report.errors] == [
        (3, "import.too_long", {"column": "name", "limit": 30}),
        (4, "import.too_long", {"column": "name", "limit": 30}),
    ]
    assert {"好邻居", "[2J好人", "老街坊"} <= await _names(demo_app)

    orgs = tmp_path / "organizations.csv"
    orgs.write_text(
        "name,tier,category,region_code,contact_name\n"
        f"{'社' * 151},registered,culture_sports,CY-JS-01,\n"
        "长名字联系人协会,registered,culture_sports,CY-JS-01," + "联" * 40 + "\n"
        "邻里互助会,registered,culture_sports,CY-JS-01,王五\n",
        encoding="utf-8",
    )
    report = await _import(demo_app, "organizations", orgs)
    assert report.imported == 1
    assert [(line, params) for line, _, params in report.errors] == [
        (2, {"column": "name", "limit": 150}),
        (3, {"column": "contact_name", "limit": 30}),
    ]
    async with demo_app.db.transaction() as session:
        assert (
            await session.scalar(select(func.count()).where(Organization.name == "邻里互助会")) == 1
        )


async def test_a_refused_value_is_quoted_short_in_the_report(demo_app: App, tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(f"name,role,region_code\n王五,{'=cmd|' * 1000},CY-JS-01\n", encoding="utf-8")
    report = await _import(demo_app, "staff", path)
    [(line, key, params)] = report.errors
    assert (line, key) == (2, "import.bad_value") and len(params["value"]) <= 61


async def test_a_field_a_parser_forgot_is_still_checked_against_its_column(
    demo_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check before the flush covers every String column, whatever the parsers do."""
    monkeypatch.setattr(imports, "NAME", Field("name", 500))  # as if the parser checked nothing
    path = tmp_path / "residents.csv"
    path.write_text(
        f"name,home_region_code\n{'名' * 101},CY-JS-01\n好邻居,CY-JS-01\n", encoding="utf-8"
    )
    report = await _import(demo_app, "residents", path)
    assert report.imported == 1
    assert report.errors == [(2, "import.too_long", {"column": "display_name", "limit": 100})]


async def test_a_database_refusal_costs_one_row_not_the_import(
    demo_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine_name: str
) -> None:
    """Were every check gone, PostgreSQL's refusal is still that row's error (SQLite stores it)."""
    monkeypatch.setattr(imports, "NAME", Field("name", 500))

    async def flush_unchecked(session: AsyncSession) -> None:
        await session.flush()

    monkeypatch.setattr(imports, "_flush", flush_unchecked)
    path = tmp_path / "residents.csv"
    path.write_text(
        f"name,home_region_code\n好邻居,CY-JS-01\n{'名' * 101},CY-JS-01\n老街坊,CY-JS-01\n",
        encoding="utf-8",
    )
    report = await _import(demo_app, "residents", path)
    if engine_name == "sqlite":  # no length is enforced there
        assert report.imported == 3 and not report.errors
        return
    assert report.imported == 2
    assert [(line, key) for line, key, _ in report.errors] == [(3, "import.refused")]
    assert {"好邻居", "老街坊"} <= await _names(demo_app)
