"""Smoke run of bench/bench_matching.py --quick: it runs and writes its keys (times not checked)."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick

KEYS = {
    "match_top10_p50_ms",
    "match_top10_p99_ms",
    "match_speedup_vs_loop",
    "batch_seconds",
    "batch_quality_pct",
    "match_rss_mb",
}


def test_quick_bench_writes_its_keys(tmp_path: Path) -> None:
    proc, data = run_quick("bench_matching.py", tmp_path, seed={"other_key": 1})
    assert set(data) >= KEYS
    assert data["other_key"] == 1  # merged, not overwritten
    assert all(isinstance(data[key], int | float) for key in KEYS)
    assert "match_top10_p50_ms" in proc.stdout
