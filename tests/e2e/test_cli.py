"""The `linli` command line, run as a real process: demo, chat from a pipe, admin commands."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.cli import seed_data_dir

LINLI = [str(Path(sys.executable).with_name("linli"))]

pytestmark = pytest.mark.slow  # every test starts `linli` processes


def run(
    args: list[str],
    tmp_path: Path,
    stdin: str = "",
    lang: str = "zh_CN",
    log_level: str = "WARNING",
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    """Run `linli ARGS` with its data directory in tmp_path (and `extra` environment)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "LINLI_DATA_DIR": str(tmp_path / "data"),
        "LINLI_LANG": lang,
        "LINLI_LOG_LEVEL": log_level,
        **extra,
    }
    return subprocess.run(
        [*LINLI, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )


@pytest.mark.parametrize("args", [[], ["db"], ["admin"], ["demo"], ["chat"], ["admin", "import"]])
def test_every_command_has_english_help(args: list[str], tmp_path: Path) -> None:
    result = run([*args, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_the_command_line_leaves_heavy_libraries_to_first_use() -> None:
    """scipy's solvers and cn2an cost every `linli` command over half a second; a command imports
    them when it uses them, and a serving process in its warm-up (tests/e2e/test_operations.py)."""
    lazy = ("scipy.optimize", "scipy.sparse.csgraph", "cn2an")
    code = f"import sys, bot.cli; print([m for m in {lazy!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"


def test_demo_prints_a_chinese_transcript(tmp_path: Path) -> None:
    result = run(["demo"], tmp_path, log_level="INFO")  # as `make demo` runs it
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "新居民登记",
        "登记完成，小林",
        "所在地：劲松街道 · 劲松北社区 · 第一网格",
        "邀请码无效",
        "已授予您「社区工作者」角色，管辖范围：百环社区",
    ):
        assert expected in out
    assert "Traceback" not in out + result.stderr and "系统出了点问题" not in out
    assert "Running upgrade" not in result.stderr  # no migration chatter before the transcript


def test_demo_runs_in_english(tmp_path: Path) -> None:
    result = run(["demo", "--lang", "en"], tmp_path, lang="en")
    assert result.returncode == 0, result.stderr
    assert "You are registered, Lin" in result.stdout
    assert "You now hold the role" in result.stdout


def _row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_seed_demo_loads_what_the_other_tests_seed_in_process(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """The other command tests seed with tests/support/cli.py: it leaves what the command does."""
    result = run(["admin", "seed-demo"], tmp_path / "command")
    assert result.returncode == 0, result.stderr
    summaries = result.stdout.splitlines()
    assert summaries and all("失败 0 行" in line for line in summaries), result.stdout
    seed_data_dir(tmp_path / "in-process" / "data", sqlite_template)
    by_command = _row_counts(tmp_path / "command" / "data" / "linli.db")
    assert by_command["persons"] > 0 and by_command["regions"] > 0
    assert by_command == _row_counts(tmp_path / "in-process" / "data" / "linli.db")


def test_chat_reads_a_piped_script(tmp_path: Path, sqlite_template: Path) -> None:
    seed_data_dir(tmp_path / "data", sqlite_template)
    script = "/start\n1\n1\n1\n1\n小林\n1\n/me\n@王海燕 /me\n"
    result = run(["chat", "--user", "小林"], tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "登记完成，小林" in result.stdout
    assert "角色：社区工作者（劲松北社区）" in result.stdout  # the demo organizer, via "@name"


def test_import_reports_bad_rows_by_line_and_keeps_good_ones(tmp_path: Path) -> None:
    csv = tmp_path / "regions.csv"
    csv.write_text(
        "code,parent_code,level,name,community_type,households,lat,lon\n"
        "X,,district,某区,,,,\nX-1,X,street,某街道,,,,\nX-2,NOPE,street,坏街道,,,,\n",
        encoding="utf-8",
    )
    result = run(["admin", "import", "regions", str(csv)], tmp_path)
    assert result.returncode == 1
    assert "第 4 行：找不到区域编码「NOPE」" in result.stderr
    assert "成功 2 行，失败 1 行" in result.stdout


def test_invite_grant_and_revoke(tmp_path: Path, sqlite_template: Path) -> None:
    seed_data_dir(tmp_path / "data", sqlite_template)
    invite = run(["admin", "invite", "grid_worker", "CY-JS-01-G1", "--count", "2"], tmp_path)
    codes = invite.stdout.split()
    assert invite.returncode == 0 and len(codes) == 2 and all(len(c) == 8 for c in codes)
    assert (
        run(["admin", "grant", "console:小王", "organizer", "CY-JS-01"], tmp_path).returncode == 1
    )
    granted = run(["admin", "grant", "console:王凤兰", "organizer", "CY-JS-01"], tmp_path)
    assert granted.returncode == 0, granted.stderr
    revoked = run(["admin", "revoke", "console:王凤兰", "organizer", "CY-JS-01"], tmp_path)
    assert "已撤销 1 项授权" in revoked.stdout
    bad = run(["admin", "grant", "console:王凤兰", "mayor", "CY-JS-01"], tmp_path)
    assert bad.returncode == 1 and "角色「mayor」无效" in bad.stderr


def test_import_writes_refused_rows_as_a_safe_spreadsheet(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """The error report quotes what people typed: it goes through the export writer."""
    seed_data_dir(tmp_path / "data", sqlite_template)
    table = tmp_path / "staff.csv"
    table.write_text(
        'name,role,region_code\n王五,=HYPERLINK("http://x"),CY-JS-01\n'
        f"{'=1+' * 20},organizer,CY-JS-01\n",
        encoding="utf-8",
    )
    out = tmp_path / "refused.xlsx"
    result = run(["admin", "import", "staff", str(table), "--errors", str(out)], tmp_path)
    assert result.returncode == 1, result.stderr
    sheet = load_workbook(out).active
    rows = [[c.value for c in line] for line in sheet.iter_rows()]
    assert rows[0] == ["line", "column", "value", "reason"]
    assert [r[:3] for r in rows[1:]] == [[2, "role", '=HYPERLINK("http://x")'], [3, "name", None]]
    assert sheet["C2"].data_type == "s"
    assert all(c.data_type != "f" for line in sheet.iter_rows() for c in line)


SECRET = "s3cret-Passw0rd"
BAD_URLS = [
    f"postgresql+asyncpg://linli:{SECRET}@127.0.0.1:1/linli",  # nothing listens there
    f"postgresql+asyncpg://linli:{SECRET}@",  # no host
    f"postgres ql://linli:{SECRET}@db/linli",  # does not parse
    f"mysql://linli:{SECRET}@127.0.0.1:1/linli",  # no driver installed
]


@pytest.mark.parametrize(
    ("url", "args"),
    [(url, ["db", "current"]) for url in BAD_URLS]
    + [(BAD_URLS[0], ["admin", "audit"]), (BAD_URLS[2], ["db", "backup"])],
)
def test_a_bad_database_url_is_one_line_without_the_password(
    url: str, args: list[str], tmp_path: Path
) -> None:
    result = run(args, tmp_path, DATABASE_URL=url)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode != 0
    assert len(lines) == 1, result.stderr
    assert SECRET not in lines[0] and "DATABASE_URL" in lines[0]
