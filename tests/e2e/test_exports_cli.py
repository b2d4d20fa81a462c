"""`linli admin export` on a database with items of every kind, as a real process."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.cli import seed_data_dir

LINLI = str(Path(sys.executable).with_name("linli"))
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # every test starts `linli` processes


def _run(args: list[str], data: Path, stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "LINLI_DATA_DIR": str(data),
        "LINLI_LOG_LEVEL": "WARNING",
        "LINLI_QUIET_START": "00:00",
        "LINLI_QUIET_END": "00:00",
    }
    return subprocess.run(
        [LINLI, *args], input=stdin.encode(), capture_output=True, env=env, cwd=ROOT, timeout=120
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The demo district with one need and one grid report, entered through the console."""
    path = tmp_path_factory.mktemp("exports")
    seed_data_dir(path, sqlite_template)
    script = (
        "\n".join(
            [
                "@王凤兰 需求",
                "陪老人看病",
                "1",
                "明天上午",
                "1",
                "腿脚不便",
                "1",
                "@陈永福 报事",
                "5",
                "楼下有人私装地锁",
                "1",  # no photo
                "1",  # my home grid
                "1",  # submit
            ]
        )
        + "\n"
    )
    chat = _run(["chat"], path, stdin=script)
    assert chat.returncode == 0, chat.stderr.decode()
    return path


@pytest.mark.parametrize("kind", ["proposals", "projects", "needs", "reports", "records"])
def test_every_kind_exports_as_json(data: Path, kind: str) -> None:
    result = _run(["admin", "export", kind, "--format", "json"], data)
    assert result.returncode == 0, result.stderr.decode()
    rows = json.loads(result.stdout)
    assert len(rows) == (1 if kind in ("needs", "reports") else 0)


def test_needs_as_csv_and_xlsx_in_a_region(data: Path, tmp_path: Path) -> None:
    result = _run(["admin", "export", "needs", "--format", "csv", "--region", "CY-JS-01"], data)
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8-sig"))))
    assert len(rows) == 1 and "独居老人" not in result.stdout.decode("utf-8-sig")
    out = tmp_path / "needs.xlsx"
    assert (
        _run(["admin", "export", "needs", "--format", "xlsx", "--out", str(out)], data).returncode
        == 0
    )
    assert load_workbook(out).active.max_row == 2


def test_unknown_region_and_kind_are_refused(data: Path) -> None:
    assert _run(["admin", "export", "needs", "--region", "NOPE"], data).returncode == 1
    assert _run(["admin", "export", "secrets"], data).returncode == 2


def test_csv_is_for_people_in_chinese_or_english(data: Path) -> None:
    zh = _run(["admin", "export", "reports", "--format", "csv"], data)
    assert zh.returncode == 0, zh.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(zh.stdout.decode("utf-8-sig"))))
    row = rows[0]
    assert row["类别"] == "私装地锁" and row["状态"] == "待受理"
    assert row["超出社区权限"] == "否"
    # 08:00 UTC on the machine's clock is never shown: local time, "YYYY-MM-DD HH:MM"
    assert len(row["登记时间"]) == 16 and "T" not in row["登记时间"]
    en = _run(["admin", "export", "reports", "--format", "csv", "--lang", "en"], data)
    row = next(csv.DictReader(io.StringIO(en.stdout.decode("utf-8-sig"))))
    assert row["Category"] == "Private parking lock" and row["Status"] == "waiting for a response"
    assert _run(["admin", "export", "reports", "--lang", "fr"], data).returncode == 2
    raw = json.loads(_run(["admin", "export", "reports", "--format", "json"], data).stdout)
    assert raw[0]["status"] == "open" and "T" in raw[0]["created_at"]  # JSON is for programs
