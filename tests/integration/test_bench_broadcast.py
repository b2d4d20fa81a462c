"""Smoke test of bench/bench_broadcast.py: it runs and writes its keys (times are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "broadcast_queue_100k_s_sqlite",
    "broadcast_drain_pct_of_limit",
    "broadcast_duplicates",
    "broadcast_lost",
}


@pytest.mark.slow
def test_the_broadcast_benchmark_runs_quick(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other_key": 1}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "bench/bench_broadcast.py", "--quick", "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "broadcast benchmark (quick" in done.stdout
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert set(figures) >= KEYS and figures["other_key"] == 1  # merged, not overwritten
    assert figures["broadcast_lost"] == 0
