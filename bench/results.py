"""The shared results file: each benchmark merges its figures, keeping the others' keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def merge(path: Path, figures: Mapping[str, Any]) -> None:
    """Write `figures` into the JSON file at `path`, over what it held (created if missing)."""
    existing: dict[str, Any] = {}
    if path.exists():
        existing = json.loads(path.read_text(encoding="utf-8") or "{}")
    existing.update(figures)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n", encoding="utf-8")
