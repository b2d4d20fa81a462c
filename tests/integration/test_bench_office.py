"""Smoke test of bench/bench_office.py: it runs and writes its keys (times are not checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.bench import run_quick


@pytest.mark.slow
def test_the_office_benchmark_runs_quick(tmp_path: Path) -> None:
    done, figures = run_quick("bench_office.py", tmp_path, seed={"other_key": 1})
    assert "office benchmark (quick" in done.stdout
    assert figures["other_key"] == 1  # merged, not overwritten
    assert any(k.startswith("office_dashboard_p95_ms") for k in figures)
    assert any(k.startswith("office_map_p95_ms") for k in figures)
