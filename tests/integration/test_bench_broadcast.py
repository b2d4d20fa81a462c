"""Smoke test of bench/bench_broadcast.py: it runs and writes its keys (times are not checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.bench import run_quick

KEYS = {
    "broadcast_queue_100k_s_sqlite",
    "broadcast_drain_pct_of_limit",
    "broadcast_duplicates",
    "broadcast_lost",
}


@pytest.mark.slow
def test_the_broadcast_benchmark_runs_quick(tmp_path: Path) -> None:
    done, figures = run_quick("bench_broadcast.py", tmp_path, seed={"other_key": 1})
    assert "broadcast benchmark (quick" in done.stdout
    assert set(figures) >= KEYS and figures["other_key"] == 1  # merged, not overwritten
    assert figures["broadcast_lost"] == 0
