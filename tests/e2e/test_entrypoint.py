"""The container entrypoint, run outside Docker: it migrates, then hands over to `linli`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # every test starts `linli` processes
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bindir = str(Path(sys.executable).parent)
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment |= {
        "PATH": f"{bindir}:{environment.get('PATH', '')}",
        "LINLI_DATA_DIR": str(tmp_path),
    }
    environment |= env
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )


def test_entrypoint_migrates_then_runs_the_command(tmp_path: Path) -> None:
    result = _run(["db", "current"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "linli.db").exists()
    lines = result.stdout.split("\n")
    database = next(line for line in lines if line.startswith("database:"))
    code = next(line for line in lines if line.startswith("code:"))
    assert database.split()[-1] == code.split()[-1] != "None"


def test_entrypoint_can_skip_migration(tmp_path: Path) -> None:
    result = _run(["db", "current"], tmp_path, LINLI_SKIP_MIGRATE="1")
    assert result.returncode == 0, result.stderr
    assert "database: None" in result.stdout


def test_entrypoint_fails_loudly_on_an_unreachable_database(tmp_path: Path) -> None:
    result = _run(
        ["db", "current"], tmp_path, DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none"
    )
    assert result.returncode != 0
