"""The `linli` command line: demo, chat, serving, database and administration."""

from __future__ import annotations

from bot.cli.common import app

# isort: off
# Imported for the commands they register, in the order `linli --help` lists them.
from bot.cli import tools  # noqa: F401
from bot.cli import serving  # noqa: F401
from bot.cli import db  # noqa: F401
from bot.cli import admin  # noqa: F401
from bot.cli import agencies  # noqa: F401

# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
