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

PHASES = ("warmup", "steady", "sweep", "after_kill")
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
    "soak_p99_ms_delivery",
    "soak_p99_ms_recovery",
    "soak_recovery_count",
    "soak_sweep_requests",
    "soak_needs_sweep_chunks",
    "soak_needs_ranked",
    "soak_echo_deliveries",
    "soak_echo_cpu_ms_per_delivery",
    "soak_echo_p99_ms",
    "soak_serve_cpu_ratio",
    "soak_p99_ratio",
    *(f"soak_phase_{p}_{f}" for p in PHASES for f in ("count", "p50_ms", "p99_ms")),
}


@pytest.mark.skipif(not PG_URL, reason="the soak runs on PostgreSQL (TEST_DATABASE_URL)")
def test_the_short_soak_runs_and_reports(tmp_path: Path) -> None:
    assert PG_URL
    base = make_url(PG_URL)
    url = base.set(database=f"{base.database}_linli_soak_smoke").render_as_string(False)
    results = tmp_path / "results.json"
    args = ["--short", "--duration", "20", "--users", "20", "--rate", "20", "--open-needs", "200"]
    args += ["--needs-at", "0.1"]  # the needs' sweep starts within a tick (5 s) of their arrival
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
    # What a live process took, what the whole delivery took (retries after a kill included):
    # per delivery the second is at least the first, so are their p99s.
    assert 0 < figures["soak_p99_ms"] <= figures["soak_p99_ms_delivery"]
    assert figures["soak_recovery_count"] == 0 or figures["soak_p99_ms_recovery"] > 0
    # Every answered request is in one phase; the kills happened, so some came after one.
    phases = sum(figures[f"soak_phase_{p}_count"] for p in PHASES)
    assert phases == figures["soak_deliveries"] >= figures["soak_updates"]
    assert figures["soak_phase_after_kill_count"] > 0
    # The sweep of the needs that arrived ran, its intervals were read from the processes' logs
    # and requests were matched to them (the old poll found none: soak_p99_ms_sweeps was 0.0).
    assert figures["soak_needs_ranked"] > 0 and figures["soak_needs_sweep_chunks"] > 0
    assert figures["soak_sweep_requests"] > 0
    assert figures["soak_p99_ms_sweeps"] > 0
    assert figures["soak_phase_sweep_count"] > 0
    # The same-run baseline (a bare server under the same load) ran, and the ratios use it.
    assert figures["soak_echo_deliveries"] > 0 and figures["soak_echo_p99_ms"] > 0
    ratio = figures["soak_p99_ms"] / figures["soak_echo_p99_ms"]
    assert figures["soak_p99_ratio"] == round(ratio, 1)
