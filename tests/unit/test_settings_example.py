"""Every setting has one line in docker/.env.example, whose values are the defaults."""

from __future__ import annotations

import re
from pathlib import Path

from bot.bootstrap import core_config
from bot.settings import Settings

EXAMPLE = Path(__file__).parents[2] / "docker" / ".env.example"


def test_every_setting_is_documented_once() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    listed = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M)  # "# NAME=…": shown, unset
    names = {field.alias for field in Settings.model_fields.values()}
    assert sorted(set(listed)) == sorted(names)
    assigned = re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.M)
    assert len(assigned) == len(set(assigned))


def test_the_example_shows_the_defaults() -> None:
    shown = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert core_config(shown) == core_config(Settings(_env_file=None))  # type: ignore[call-arg]
