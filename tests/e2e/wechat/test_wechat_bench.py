"""Smoke run of bench/bench_wechat.py --quick: it runs and merges its keys (times not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
KEYS = {"wx_p50_ms", "wx_p99_ms", "wx_max_rps", "wx_throughput_ratio"}


def test_quick_bench_writes_its_keys(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other_key": 1}), encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_wechat.py"),
            "--quick",
            "--results",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    assert set(data) >= KEYS and data["other_key"] == 1  # merged, not overwritten
    assert all(isinstance(data[key], int | float) and data[key] > 0 for key in KEYS)
    assert "/wechat" in proc.stdout and "bare echo" in proc.stdout
