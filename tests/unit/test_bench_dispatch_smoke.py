"""The dispatch benchmark runs and writes its keys (a smoke run; times are never asserted)."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick


def test_bench_dispatch_quick(tmp_path: Path) -> None:
    _, figures = run_quick("bench_dispatch.py", tmp_path)
    assert {
        "sqlite_select_per_s_thread",
        "sqlite_select_per_s_inline",
        "dispatch_per_s_inline",
        "dispatch_together_per_s_inline",
    } <= set(figures)
