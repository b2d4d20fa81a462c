"""The Telegram benchmark runs end to end in its quick mode (figures are not checked: no timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_bench_telegram_quick_writes_its_figures(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other_bench": 1}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "bench/bench_telegram.py", "--quick", "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert figures["other_bench"] == 1  # merged, not overwritten
    for key in ("tg_inbound_per_s_sqlite", "tg_inbound_ratio_sqlite", "tg_send_pct_of_limit"):
        assert figures[key] > 0
    assert "Telegram channel benchmark (quick)" in done.stdout
