"""Errors that carry a catalog key; the dispatcher answers them in the user's language."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A problem the user can fix or should know about: shown as `key` from the catalog."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class InvalidInput(UserError):
    """The answer to a dialog step was not acceptable; the step is asked again."""


class NotAllowed(UserError):
    """The person lacks the role, or the role's region scope, for this action."""

    def __init__(self, key: str = "error.not_allowed", **params: Any) -> None:
        super().__init__(key, **params)


class Conflict(UserError):
    """The item changed meanwhile (someone else acted first); nothing was done."""
