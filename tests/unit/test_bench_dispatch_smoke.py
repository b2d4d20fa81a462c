"""The dispatch benchmark runs and writes its keys (a smoke run; times are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_dispatch_quick(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_dispatch.py"),
            "--quick",
            "--results",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert {
        "sqlite_select_per_s_thread",
        "sqlite_select_per_s_inline",
        "dispatch_per_s_inline",
        "dispatch_together_per_s_inline",
    } <= set(figures)
