"""Smoke run of bench/bench_matching.py --quick: it runs and writes its keys (times not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
KEYS = {
    "match_top10_p50_ms",
    "match_top10_p99_ms",
    "match_speedup_vs_loop",
    "batch_seconds",
    "batch_quality_pct",
    "match_rss_mb",
}


def test_quick_bench_writes_its_keys(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other_key": 1}), encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_matching.py"),
            "--quick",
            "--results",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    assert set(data) >= KEYS
    assert data["other_key"] == 1  # merged, not overwritten
    assert all(isinstance(data[key], int | float) for key in KEYS)
    assert "match_top10_p50_ms" in proc.stdout
