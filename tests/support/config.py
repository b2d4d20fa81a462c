"""Changing a running test app's settings tree, as a restart with other settings would."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.bootstrap import App


def reconfigure(app: App, **parts: Any) -> None:
    """Replace parts of the frozen `CoreConfig` (`dispatch=DispatchRules(k=1)` …) for everything
    the app hands dependencies to from now on (the dispatcher, new sweepers)."""
    deps = replace(app.deps, config=replace(app.deps.config, **parts))
    app.deps = deps
    app.dispatcher.deps = deps
