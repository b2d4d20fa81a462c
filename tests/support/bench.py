"""Run a benchmark script in its quick mode, as `make bench` would, and read what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_quick(
    script: str, tmp_path: Path, seed: dict[str, Any] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run `bench/<script> --quick` into a results file holding `seed` first; it must succeed.

    Returns the finished process (its table is on stdout) and the figures the file holds then.
    """
    results = tmp_path / "results.json"
    if seed is not None:
        results.write_text(json.dumps(seed), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", "--results", str(results)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done, json.loads(results.read_text(encoding="utf-8"))
