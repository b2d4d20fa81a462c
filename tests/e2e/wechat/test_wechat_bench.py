"""Smoke run of bench/bench_wechat.py --quick: it runs and merges its keys (times not checked)."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick

KEYS = {"wx_p50_ms", "wx_p99_ms", "wx_max_rps", "wx_throughput_ratio"}


def test_quick_bench_writes_its_keys(tmp_path: Path) -> None:
    proc, data = run_quick("bench_wechat.py", tmp_path, seed={"other_key": 1})
    assert set(data) >= KEYS and data["other_key"] == 1  # merged, not overwritten
    assert all(isinstance(data[key], int | float) and data[key] > 0 for key in KEYS)
    assert "/wechat" in proc.stdout and "bare echo" in proc.stdout
