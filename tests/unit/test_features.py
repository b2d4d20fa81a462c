"""Features register themselves: plain dicts in, one route table out, a name taken twice refused."""

from __future__ import annotations

import pytest

from handlers.core.dialogs import Flow
from handlers.core.features import Feature, HelpSection, routes_of
from handlers.core.messages import Reply
from handlers.routes import FEATURES, HELP


async def _hello(ctx: object) -> list[Reply]:
    return [Reply("hi")]


def test_a_feature_takes_the_module_level_dicts_a_package_exports() -> None:
    flows = {"meet": Flow("meet", (), _hello)}
    commands = {"meet": flows["meet"], "hello": _hello}
    feature = Feature(
        "meetings",
        flows=flows,
        commands=commands,
        keywords={"会议": "meet"},
        payloads={"mt": _hello},
        help=[("meetings.help", {"organizer"})],
    )
    routes = routes_of([feature])
    assert routes.commands == commands and routes.flows == flows
    assert routes.keywords == {"会议": "meet"} and routes.payloads == {"mt": _hello}
    assert feature.help == (HelpSection("meetings.help", frozenset({"organizer"})),)


def test_a_name_taken_by_two_features_is_refused() -> None:
    first = Feature("a", commands={"hello": _hello})
    second = Feature("b", commands={"hello": lambda ctx: _hello(ctx)})
    with pytest.raises(ValueError, match="'hello' of b is taken by a"):
        routes_of([first, second])


def test_the_route_table_lists_every_feature_once() -> None:
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names)) and names[0] == "start"
    assert HELP[0].key == "help.everyone" and HELP[0].roles is None
