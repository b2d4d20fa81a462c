"""The sweep benchmark runs and writes its keys (a smoke run; times are never asserted)."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick


def test_bench_sweep_quick(tmp_path: Path) -> None:
    _, figures = run_quick("bench_sweep.py", tmp_path)
    assert {
        "sweep_dispatch_s_100",
        "sweep_again_s_100",
        "sweep_baseline_s_100",
        "sweep_help_p99_ms_100",
        "idle_help_p99_ms_100",
        "sweep_one_by_one_s_100",
        "sweep_speedup_100",
        "sweep_statements_per_need_100",
        "sweep_one_by_one_statements_per_need_100",
    } <= set(figures)
    # The sweep ran its rounds (a sweep that fails every job is quick and writes nothing).
    assert figures["sweep_offers_100"] > 0
    # Counts, not times: the rounds in bulk run fewer statements than need after need.
    assert (
        figures["sweep_statements_per_need_100"]
        < figures["sweep_one_by_one_statements_per_need_100"]
    )
