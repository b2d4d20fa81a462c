"""The soak runs end to end in its short mode and reports every figure (speed is not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.databases import PG_URL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

KEYS = {
    "soak_updates",
    "soak_lost",
    "soak_duplicate_effects",
    "soak_5xx",
    "soak_broadcast_missing",
    "soak_broadcast_duplicates",
    "soak_p99_ms",
    "soak_p99_ms_sweeps",
    "soak_rss_growth_mb_per_min",
}


@pytest.mark.skipif(not PG_URL, reason="the soak runs on PostgreSQL (TEST_DATABASE_URL)")
def test_the_short_soak_runs_and_reports(tmp_path: Path) -> None:
    assert PG_URL
    base = make_url(PG_URL)
    url = base.set(database=f"{base.database}_linli_soak_smoke").render_as_string(False)
    results = tmp_path / "results.json"
    args = ["--short", "--duration", "8", "--users", "10", "--rate", "10", "--open-needs", "50"]
    args += ["--database-url", url, "--results", str(results), "--workdir", str(tmp_path / "w")]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert set(figures) >= KEYS
    assert figures["soak_updates"] > 0
    assert figures["soak_lost"] == 0  # answered 200 means processed, even with kill -9
