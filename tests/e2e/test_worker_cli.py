"""`linli worker` and `linli admin broadcast status`, run as real processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.audience import demo_audience
from tests.support.cli import seed_data_dir

ROOT = Path(__file__).resolve().parents[2]
LINLI = str(Path(sys.executable).with_name("linli"))

pytestmark = pytest.mark.slow  # every test starts `linli` processes


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return env | {
        "LINLI_DATA_DIR": str(tmp_path / "data"),
        "LINLI_LANG": "zh_CN",
        "LINLI_LOG_LEVEL": "WARNING",
        "LINLI_SWEEP_SECONDS": "0.2",
        "LINLI_QUIET_START": "00:00",  # no quiet hours: the test runs at any time of day
        "LINLI_QUIET_END": "00:00",
        "TELEGRAM_TOKEN": "",
        "WECHAT_TOKEN": "",
    }


def _linli(args: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINLI, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args", [["worker"], ["admin", "broadcast"], ["admin", "broadcast", "status"]]
)
def test_help(args: list[str], tmp_path: Path) -> None:
    result = _linli([*args, "--help"], tmp_path)
    assert result.returncode == 0 and "Usage" in result.stdout, result.stderr


def test_worker_sweeps_until_sigterm(tmp_path: Path, sqlite_template: Path) -> None:
    seed_data_dir(tmp_path / "data", sqlite_template)
    worker = subprocess.Popen(
        [LINLI, "worker"], env=_env(tmp_path), cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    database = tmp_path / "data" / "linli.db"
    deadline = time.monotonic() + 60
    done = 0
    while not done and time.monotonic() < deadline:
        time.sleep(0.05)
        with sqlite3.connect(database, timeout=10) as conn:
            done = conn.execute("SELECT count(*) FROM due_jobs WHERE status = 'done'").fetchone()[0]
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=30)
    assert done and worker.returncode == 0, err
    assert "Traceback" not in err, err


def test_broadcast_from_the_console_and_its_status_on_the_command_line(
    tmp_path: Path, sqlite_template: Path
) -> None:
    seed_data_dir(tmp_path / "data", sqlite_template)
    script = "/broadcast\n1\n2\n1\n1\n周六上午九点社区广场集合扫雪。\n1\n1\n/broadcast_status 1\n"
    chat = _linli(["chat", "--user", "王海燕"], tmp_path, stdin=script)
    volunteers = demo_audience("CY-JS-01", "volunteers")
    assert f"已进入发送队列，共 {volunteers} 条消息" in chat.stdout, (
        chat.stdout[-2000:] + chat.stderr
    )
    assert "📨 → 王秀兰" in chat.stdout  # the console channel delivers its outbox rows itself
    status = _linli(["admin", "broadcast", "status", "1"], tmp_path)
    assert status.returncode == 0, status.stderr
    assert "通知 #1（已发完）" in status.stdout and f"已发送 {volunteers}" in status.stdout
    missing = _linli(["admin", "broadcast", "status", "9"], tmp_path)
    assert missing.returncode == 1 and "没有编号为 9 的通知" in missing.stderr
