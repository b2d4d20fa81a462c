"""The route table: the features, in order; each registers itself (its package's `FEATURE`).

A feature package exports one `Feature` (handlers/core/features.py) with its commands, flows,
keywords, button payloads, help sections and menu entries. Adding a feature is adding it here.
"""

from __future__ import annotations

from handlers import (
    activities,
    broadcasts,
    departments,
    groups,
    hours,
    meetings,
    needs,
    office,
    organizations,
    party,
    person_requests,
    privacy,
    proposals,
    relay,
    reports,
    start,
    tasks,
    understanding,
    units,
    volunteers,
)
from handlers.core.dispatcher import Routes
from handlers.core.features import Feature, HelpSection, MenuEntry, help_of, menu_of, routes_of

FEATURES: tuple[Feature, ...] = (
    start.FEATURE,
    proposals.FEATURE,
    meetings.FEATURE,
    needs.FEATURE,
    reports.FEATURE,
    departments.FEATURE,
    broadcasts.FEATURE,
    volunteers.FEATURE,
    organizations.FEATURE,
    groups.FEATURE,
    party.FEATURE,
    hours.FEATURE,
    activities.FEATURE,
    units.FEATURE,
    tasks.FEATURE,
    privacy.FEATURE,
    relay.FEATURE,
    office.FEATURE,
    understanding.FEATURE,
    person_requests.FEATURE,
)

ROUTES = routes_of(FEATURES)
COMMANDS, FLOWS, KEYWORDS, PAYLOADS = (
    ROUTES.commands,
    ROUTES.flows,
    ROUTES.keywords,
    ROUTES.payloads,
)
HELP: tuple[HelpSection, ...] = help_of(FEATURES)
MENU: tuple[MenuEntry, ...] = menu_of(FEATURES)


def build_routes() -> Routes:
    """The routes the dispatcher serves (a fresh copy of the tables)."""
    return Routes(
        commands=dict(COMMANDS), flows=dict(FLOWS), keywords=dict(KEYWORDS), payloads=dict(PAYLOADS)
    )
