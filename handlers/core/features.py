"""A feature package registers itself in one place: `FEATURE = Feature(...)` in its `__init__`.

`handlers/routes.py` lists the features in order and merges them; a new feature touches its own
package and that list. A name taken twice (a command, keyword, payload or flow) fails at import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler, Routes

V = TypeVar("V")


@dataclass(frozen=True)
class HelpSection:
    """A paragraph of /help: a catalog key, and the roles that see it (None: everyone)."""

    key: str
    roles: frozenset[str] | None = None


@dataclass(frozen=True)
class MenuEntry:
    """A button of the channels' menus (WeChat's custom menu): a group key, a label key, the
    commands to try in order (the first one served is used), its place within the group."""

    group: str
    label: str
    commands: tuple[str, ...]
    rank: int = 0


def _frozen(items: Mapping[str, V] | None) -> Mapping[str, V]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, init=False)
class Feature:
    """What one feature package serves: commands, flows, keywords, button payloads, its help
    sections and menu entries. `flows` takes a dict (name → Flow) or the flows themselves."""

    name: str
    commands: Mapping[str, Command | Flow] = field(default_factory=dict)
    flows: Mapping[str, Flow] = field(default_factory=dict)
    keywords: Mapping[str, str] = field(default_factory=dict)
    payloads: Mapping[str, PayloadHandler] = field(default_factory=dict)
    help: tuple[HelpSection, ...] = ()
    menu: tuple[MenuEntry, ...] = ()

    def __init__(
        self,
        name: str,
        *,
        commands: Mapping[str, Command | Flow] | None = None,
        flows: Mapping[str, Flow] | Iterable[Flow] | None = None,
        keywords: Mapping[str, str] | None = None,
        payloads: Mapping[str, PayloadHandler] | None = None,
        help: Sequence[HelpSection | tuple[str, Iterable[str] | None]] = (),
        menu: Sequence[MenuEntry] = (),
    ) -> None:
        if flows is not None and not isinstance(flows, Mapping):
            flows = {flow.name: flow for flow in flows}
        # Flows that commands start are the feature's flows too (no need to list them twice).
        started = {c.name: c for c in (commands or {}).values() if isinstance(c, Flow)}
        sections = tuple(
            s if isinstance(s, HelpSection) else HelpSection(s[0], _roles(s[1])) for s in help
        )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "commands", _frozen(commands))
        object.__setattr__(self, "flows", _frozen(started | dict(flows or {})))
        object.__setattr__(self, "keywords", _frozen(keywords))
        object.__setattr__(self, "payloads", _frozen(payloads))
        object.__setattr__(self, "help", sections)
        object.__setattr__(self, "menu", tuple(menu))


def _roles(roles: Iterable[str] | None) -> frozenset[str] | None:
    return None if roles is None else frozenset(roles)


def _merge(kind: str, tables: Iterable[tuple[str, Mapping[str, V]]]) -> dict[str, V]:
    merged: dict[str, V] = {}
    owner: dict[str, str] = {}
    for feature, table in tables:
        for name, value in table.items():
            if name in merged and merged[name] != value:
                raise ValueError(f"{kind} {name!r} of {feature} is taken by {owner[name]}")
            merged[name], owner[name] = value, feature
    return merged


def routes_of(features: Sequence[Feature]) -> Routes:
    """The dispatcher's route table: every feature's routes, in the order listed."""
    return Routes(
        commands=_merge("command", ((f.name, f.commands) for f in features)),
        flows=_merge("flow", ((f.name, f.flows) for f in features)),
        keywords=_merge("keyword", ((f.name, f.keywords) for f in features)),
        payloads=_merge("payload", ((f.name, f.payloads) for f in features)),
    )


def help_of(features: Sequence[Feature]) -> tuple[HelpSection, ...]:
    """The /help sections, in the order the features are listed."""
    return tuple(section for feature in features for section in feature.help)


def menu_of(features: Sequence[Feature]) -> tuple[MenuEntry, ...]:
    """The menu entries, in the order the features are listed."""
    return tuple(entry for feature in features for entry in feature.menu)
