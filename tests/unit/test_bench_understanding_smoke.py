"""The understanding benchmark runs, keeps the other benchmarks' keys and writes its own."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick

KEYS = {
    "need_catalog_hit3_pct",
    "need_catalog_p1_pct",
    "need_skill_hit3_pct",
    "intent_accuracy_pct",
    "need_baseline_hit3_pct",
    "understand_p50_ms",
    "understand_rss_mb",
    "need_catalog_hit3_pct_held",
}


def test_bench_understanding_quick(tmp_path: Path) -> None:
    done, figures = run_quick("bench_understanding.py", tmp_path, seed={"other": 1})
    assert set(figures) >= KEYS and figures["other"] == 1
    assert "need_baseline_hit3_pct" in done.stdout
    # the labelled set is what it says: every figure is a share of it
    assert all(0 <= figures[key] <= 100 for key in KEYS if key.endswith(("pct", "held")))
