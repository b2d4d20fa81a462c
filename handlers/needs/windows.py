"""Time windows for a need: preset choices and free entry, read by the one everyday-time parser."""

from __future__ import annotations

from matching.understand.when import (
    FAR_AHEAD,
    PRESETS,
    WindowError,
    available_presets,
    check,
    parse,
    preset,
)

__all__ = ["FAR_AHEAD", "PRESETS", "WindowError", "available_presets", "check", "parse", "preset"]
