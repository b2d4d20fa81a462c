"""Every hard constraint excludes a candidate that would otherwise rank first."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from matching import Candidate, MatchIndex, NeedSpec, Weights, reference_loop_top

from .conftest import B_B, B_C, B_D, B_E, TAXONOMY, need, volunteer

STAR = 1  # same building, idle, reliable: first unless a constraint removes it
OTHER = 2  # same street, plain: always eligible


def _pair(star: dict[str, Any], other: dict[str, Any]) -> list[Candidate]:
    return [
        volunteer(STAR, idle_days=60.0, accepted=10, completed=10, **star),
        volunteer(OTHER, home=B_D, **other),
    ]


def _ids(need_spec: NeedSpec, cands: list[Candidate], weights: Weights = Weights()) -> list[int]:
    got = MatchIndex(cands, TAXONOMY, weights).top(need_spec, 10)
    assert got == reference_loop_top(need_spec, cands, TAXONOMY, weights, 10)
    return [m.candidate_id for m in got]


def test_control_star_ranks_first() -> None:
    assert _ids(need(), _pair({}, {})) == [STAR, OTHER]


CASES = [
    # name, star changes, need changes, other changes, star changes that would keep it eligible
    (
        "reach building, other building",
        {"home": B_B, "reach": "building"},
        {},
        {},
        {"home": B_B, "reach": "grid"},
    ),
    (
        "reach grid, other grid",
        {"home": B_C, "reach": "grid"},
        {},
        {},
        {"home": B_C, "reach": "community"},
    ),
    (
        "reach community, other community",
        {"home": B_D, "reach": "community"},
        {},
        {},
        {"home": B_D, "reach": "street"},
    ),
    (
        "reach street, other street",
        {"home": B_E},
        {},
        {"reach": "street"},
        {"home": B_E, "reach": "district"},
    ),
    (
        "not available in the window",
        {"slots": frozenset({"mon_am"})},
        {},
        {},
        {"slots": frozenset({"mon_am", "sat_am"})},
    ),
    (
        "weekly load reached",
        {"load_this_week": 3, "max_per_week": 3},
        {},
        {},
        {"load_this_week": 2, "max_per_week": 3},
    ),
    ("paused", {"paused": True}, {}, {}, {"paused": False}),
    ("declined this need", {}, {"excluded": frozenset({STAR})}, {}, {}),
    ("offer cap this week", {"offers_this_week": 5}, {}, {}, {"offers_this_week": 4}),
    (
        "required certification missing",
        {},
        {"required_certifications": frozenset({"first_aid"})},
        {"certifications": frozenset({"first_aid"})},
        {"certifications": frozenset({"first_aid"})},
    ),
    (
        "skill missing",
        {"skills": frozenset({"cooking"})},
        {},
        {},
        {"skills": frozenset({"cooking", "medical_escort"})},
    ),
    (
        "matched skill needs a certification",
        {"skills": frozenset({"bathing_assist"})},
        {"text": "周六上午帮老人洗澡"},
        {"skills": frozenset({"bathing_assist"}), "certifications": frozenset({"nursing"})},
        {"skills": frozenset({"bathing_assist"}), "certifications": frozenset({"nursing"})},
    ),
    (
        "outside the radius (coordinates only)",
        {"lat": 39.9, "lon": 116.4 + 1.8 / 85.4, "reach": "grid"},  # 1.8 km east; grid radius 1 km
        {"place": (), "lat": 39.9, "lon": 116.4},
        {"lat": 39.9, "lon": 116.4 + 3.0 / 85.4},  # ~3 km, street radius 5 km
        {"lat": 39.9, "lon": 116.4 + 1.8 / 85.4, "reach": "community"},
    ),  # community radius 2 km
]


@pytest.mark.parametrize(
    ("name", "star", "need_kw", "other", "fixed"), CASES, ids=[c[0] for c in CASES]
)
def test_constraint_excludes_the_best(
    name: str,
    star: dict[str, Any],
    need_kw: dict[str, Any],
    other: dict[str, Any],
    fixed: dict[str, Any],
) -> None:
    spec = need(**need_kw)
    assert _ids(spec, _pair(star, other)) == [OTHER], name
    if not need_kw.get("excluded"):
        # the same star, just inside the constraint, ranks first again
        assert _ids(spec, _pair(fixed, other))[0] == STAR, name


def test_coordinates_extend_reach_beyond_the_region_tree() -> None:
    # Other street by the tree, but 300 m away by coordinates: a street-reach volunteer qualifies.
    near = volunteer(3, home=B_E, lat=39.9, lon=116.4 + 0.3 / 85.4)
    spec = need(lat=39.9, lon=116.4)
    assert _ids(spec, [near]) == [3]
    assert _ids(replace(spec, lat=None, lon=None), [near]) == []


def test_slots_nobody_offers_match_nobody() -> None:
    assert _ids(need(slots=frozenset({"someday"})), _pair({}, {})) == []


def test_need_without_place_or_time_accepts_everyone_with_the_skill() -> None:
    spec = need(place=(), slots=frozenset())
    far = volunteer(3, home=B_E, slots=frozenset())
    assert sorted(_ids(spec, [*_pair({}, {}), far])) == [STAR, OTHER, 3]


def test_candidate_without_home_is_reached_only_by_coordinates() -> None:
    homeless = volunteer(3, home=())
    assert _ids(need(), [homeless]) == []
    assert _ids(need(place=()), [homeless]) == [3]


def test_home_stopping_at_grid_checks_reach_at_the_grid() -> None:
    grid_only = volunteer(3, home=B_B[:4], reach="building")
    assert _ids(need(), [grid_only]) == [3]  # same grid; its building is unknown
    assert _ids(need(place=B_C), [grid_only]) == []


def test_unknown_reach_is_rejected() -> None:
    with pytest.raises(ValueError, match="reach"):
        MatchIndex([volunteer(1, reach="city")], TAXONOMY)


def test_duplicate_candidate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        MatchIndex([volunteer(1), volunteer(1)], TAXONOMY)
