"""Typed places against the region tree: containment either way, house numbers decide."""

from __future__ import annotations

import pytest

from matching.places import Place, resolve

PLACES = [
    Place(1, "劲松一区105号楼", ("劲松北社区", "第二网格")),
    Place(2, "劲松一区106号楼", ("劲松北社区", "第二网格")),
    Place(3, "第二网格", ("劲松北社区",), building=False),
    Place(4, "百环家园1号楼", ("百环社区", "第一网格")),
    Place(5, "和谐家园1号楼", ("和谐社区", "第一网格")),
    Place(6, "东院", ("大郊亭社区", "第一网格")),
    Place(7, "第一网格", ("劲松北社区",), building=False),
    Place(8, "第一网格", ("百环社区",), building=False),
]


@pytest.mark.parametrize(
    ("typed", "best", "sure"),
    [
        ("劲松一区106号楼南侧", 2, True),  # the words around the name do not matter
        ("106号楼", 2, True),  # part of the name
        ("１０６号楼门口", 2, True),  # full-width digits
        ("百环家园1号楼门口", 4, True),
        ("劲松北社区第一网格", 7, True),  # the community tells two 第一网格 apart
        ("东院", 6, True),
        ("1号楼", 4, False),  # two estates have a 1号楼: asked
        ("第一网格", 7, False),
    ],
)
def test_resolved(typed: str, best: int, sure: bool) -> None:
    found = resolve(typed, PLACES)
    assert found.best is not None and found.best.id == best and found.sure is sure


@pytest.mark.parametrize("typed", ["劲松一区107号楼", "菜市场门口", "劲松一区", ""])
def test_nothing_close(typed: str) -> None:
    assert resolve(typed, PLACES).ranked == ()


def test_a_different_house_number_is_never_offered() -> None:
    ranked = resolve("劲松一区105号楼", PLACES).ranked
    assert [p.id for p, _ in ranked] == [1]
