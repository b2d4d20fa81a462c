"""`linli admin report 1710` and `linli admin export records`, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import seed_data_dir

LINLI = [str(Path(sys.executable).with_name("linli"))]


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run `linli ARGS` with its data directory in tmp_path."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"LINLI_DATA_DIR": str(tmp_path / "data"), "LINLI_LANG": "zh_CN"}
    env["LINLI_LOG_LEVEL"] = "WARNING"
    return subprocess.run(
        [*LINLI, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )


@pytest.mark.slow
def test_1710_report_and_records_export(tmp_path: Path, sqlite_template: Path) -> None:
    seed_data_dir(tmp_path / "data", sqlite_template)
    result = run(["admin", "report", "1710"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("社区" in line and "草根（目标 10）" in line for line in lines)
    north = next(line for line in lines if "CY-JS-01" in line)
    assert north.split()[1:6] == ["劲松北社区", "1", "7", "6", "还差"]
    assert "达标社区 0/4" in result.stdout
    refused = run(["admin", "report", "1710", "--region", "NOPE"], tmp_path)
    assert refused.returncode == 1 and "找不到区域编码「NOPE」" in refused.stderr
    out = tmp_path / "records.json"
    exported = run(["admin", "export", "records", "--format", "json", "--out", str(out)], tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text()) == []
