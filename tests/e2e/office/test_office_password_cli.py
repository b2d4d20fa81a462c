"""`linli admin office-password` as a real process: asked twice, hidden, hashed, audited."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import seed_data_dir

LINLI = str(Path(sys.executable).with_name("linli"))
ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow  # every test starts `linli` processes


def _run(args: list[str], data: Path, stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"LINLI_DATA_DIR": str(data), "LINLI_LOG_LEVEL": "WARNING", "LINLI_LANG": "zh_CN"}
    return subprocess.run(  # no terminal: the hidden prompt reads standard input
        [LINLI, *args],
        input=stdin.encode(),
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        start_new_session=True,
    )


def test_the_office_sets_and_removes_a_staff_password(
    tmp_path: Path, sqlite_template: Path
) -> None:
    seed_data_dir(tmp_path, sqlite_template)
    secret = "长城-2026-jinsong"
    who = ["admin", "office-password", "console:王海燕"]
    mismatch = _run([*who, "--login", "wanghy"], tmp_path, f"{secret}\nother-password\n")
    assert mismatch.returncode != 0
    done = _run([*who, "--login", "wanghy"], tmp_path, f"{secret}\n{secret}\n")
    assert done.returncode == 0, done.stderr.decode()
    assert "已为 王海燕 设置办公台密码，登录名 wanghy。" in done.stdout.decode()
    resident = _run(
        ["admin", "office-password", "console:王凤兰", "--login", "wfl"],
        tmp_path,
        f"{secret}\n{secret}\n",
    )
    assert resident.returncode == 1
    db = sqlite3.connect(next(tmp_path.rglob("*.db")))
    rows = db.execute("SELECT login, hash FROM office_passwords").fetchall()
    assert [r[0] for r in rows] == ["wanghy"] and rows[0][1].startswith("$argon2id$")
    assert secret not in rows[0][1]
    removed = _run([*who, "--remove"], tmp_path)
    assert "已删除 王海燕 的办公台密码。" in removed.stdout.decode()
    assert db.execute("SELECT count(*) FROM office_passwords").fetchone() == (0,)
    actions = [
        r[0]
        for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'office.%' ORDER BY id")
    ]
    assert actions == ["office.password_set", "office.password_removed"], actions
