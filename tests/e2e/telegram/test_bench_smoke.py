"""The Telegram benchmark runs end to end in its quick mode (figures are not checked: no timing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.bench import run_quick


@pytest.mark.slow
def test_bench_telegram_quick_writes_its_figures(tmp_path: Path) -> None:
    done, figures = run_quick("bench_telegram.py", tmp_path, seed={"other_bench": 1})
    assert figures["other_bench"] == 1  # merged, not overwritten
    for key in ("tg_inbound_per_s_sqlite", "tg_inbound_ratio_sqlite", "tg_send_pct_of_limit"):
        assert figures[key] > 0
    assert "Telegram channel benchmark (quick)" in done.stdout
