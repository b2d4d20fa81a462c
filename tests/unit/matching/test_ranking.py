"""Scoring order and reasons: proximity, availability, reliability, fairness, orgs, free text."""

from __future__ import annotations

import random
from dataclasses import replace

from matching import Candidate, Match, MatchIndex, NeedSpec, Reason, rank, reference_loop_top

from .conftest import B_A, B_B, B_C, B_D, B_E, TAXONOMY, need, volunteer


def _top(spec: NeedSpec, cands: list[Candidate], k: int = 10) -> list[Match]:
    got = MatchIndex(cands, TAXONOMY).top(spec, k)
    assert got == reference_loop_top(spec, cands, TAXONOMY, k=k)
    return got


def _keys(m: Match) -> list[str]:
    return [r.key for r in m.reasons]


def test_proximity_building_grid_community_street() -> None:
    homes = {4: B_D, 2: B_B, 1: B_A, 3: B_C, 5: B_E}
    cands = [volunteer(cid, home=home) for cid, home in homes.items()]
    got = _top(need(), cands)
    assert [m.candidate_id for m in got] == [1, 2, 3, 4]  # 5 lives in another street
    expected = ["same_building", "same_grid", "same_community", "same_street"]
    for m, key in zip(got, expected, strict=True):
        assert key in _keys(m)
    assert got[0].score > got[1].score > got[2].score > got[3].score


def test_distance_orders_when_only_coordinates_are_known() -> None:
    spec = need(place=(), lat=39.9, lon=116.4)
    cands = [
        volunteer(1, lat=39.9 + 3.0 / 110.574, lon=116.4),
        volunteer(2, lat=39.9 + 0.5 / 110.574, lon=116.4),
    ]
    got = _top(spec, cands)
    assert [m.candidate_id for m in got] == [2, 1]
    assert Reason("distance", {"km": "0.5"}) in got[0].reasons
    assert Reason("distance", {"km": "3.0"}) in got[1].reasons


def test_reasons_present_and_correct() -> None:
    star = volunteer(
        7,
        home=B_B,
        accepted=10,
        completed=10,
        idle_days=30.0,
        slots=frozenset({"sun_am", "sat_am", "sat_pm"}),
    )
    (m,) = _top(need(slots=frozenset({"sat_pm", "sat_am"})), [star])
    assert m.candidate_id == 7 and m.kind == "volunteer" and 0.0 < m.score <= 1.0
    assert m.reasons == (
        Reason("skill", {"skill": "medical_escort", "phrase": "陪老人看病", "similarity": "1.00"}),
        Reason("same_grid", {}),
        Reason("available", {"slot": "sat_am"}),  # the first overlapping slot of the week
        Reason("reliable", {"completed": "10", "rate": "0.93"}),
        Reason("idle", {"days": "30"}),
    )


def test_no_reliable_or_idle_reason_for_newcomers() -> None:
    (m,) = _top(need(), [volunteer(1)])
    assert "reliable" not in _keys(m) and "idle" not in _keys(m)


def test_availability_overlap_share() -> None:
    spec = need(slots=frozenset({"sat_am", "sun_am"}))
    both = volunteer(2, slots=frozenset({"sat_am", "sun_am"}))
    one = volunteer(1, slots=frozenset({"sat_am"}))
    assert [m.candidate_id for m in _top(spec, [one, both])] == [2, 1]


def test_reliability_and_no_shows() -> None:
    solid = volunteer(2, accepted=20, completed=20)
    flaky = volunteer(1, accepted=20, completed=16, no_shows=4)
    assert [m.candidate_id for m in _top(need(), [flaky, solid])] == [2, 1]


def test_fairness_prefers_the_idle() -> None:
    busy = volunteer(1, idle_days=1.0)
    idle = volunteer(2, idle_days=40.0)
    assert [m.candidate_id for m in _top(need(), [busy, idle])] == [2, 1]


def test_skill_similarity_orders_exact_before_fuzzy() -> None:
    spec = need(text="周六陪老人看病，顺便陪老人说话")
    escort = volunteer(2, skills=frozenset({"medical_escort"}))
    chat = volunteer(1, skills=frozenset({"companionship"}))
    got = _top(spec, [chat, escort])
    assert {m.candidate_id for m in got} == {1, 2}
    assert got[0].reasons[0].params["skill"] in {"medical_escort", "companionship"}


def test_ties_break_by_id_and_input_order_does_not_matter() -> None:
    cands = [volunteer(cid) for cid in (9, 3, 5, 12, 1)]
    first = _top(need(), cands)
    assert [m.candidate_id for m in first] == [1, 3, 5, 9, 12]
    rng = random.Random(0)
    for _ in range(5):
        rng.shuffle(cands)
        assert _top(need(), cands) == first
    assert _top(need(), cands, k=2) == first[:2]


def test_same_input_same_output() -> None:
    cands = [
        volunteer(i, home=rng_home, idle_days=float(i % 7), accepted=i % 5, completed=i % 4)
        for i, rng_home in enumerate([B_A, B_B, B_C, B_D] * 5, start=1)
    ]
    index = MatchIndex(cands, TAXONOMY)
    assert index.top(need(), 10) == index.top(need(), 10) == rank(need(), cands, TAXONOMY)


def test_org_of_the_requested_category_matches_without_skills() -> None:
    org = Candidate(
        id=50,
        kind="org",
        skills=frozenset(),
        free_text="",
        home=B_A[:2],
        reach="street",
        slots=frozenset({"sat_am"}),
        capacity=5,
        category="life_service",
        max_per_week=30,
    )
    other_org = replace(org, id=51, category="culture_sports")
    spec = need(org_category="life_service")
    got = _top(spec, [org, other_org, volunteer(1, home=B_D)])
    assert [m.candidate_id for m in got] == [50, 1]  # both same street; the org is idle
    assert got[0].kind == "org"
    assert Reason("org_category", {"category": "life_service"}) in got[0].reasons
    assert "same_street" in _keys(got[0])
    # Without the category the org has no skill for this need.
    assert [m.candidate_id for m in _top(need(), [org, volunteer(1)])] == [1]


def test_free_text_is_a_weak_bonus() -> None:
    spec = need(text="周六上午陪老人看病，老人只会说粤语")
    plain = volunteer(1)
    cantonese = volunteer(2, free_text="会说粤语")
    got = _top(spec, [plain, cantonese])
    assert [m.candidate_id for m in got] == [2, 1]
    (bonus,) = [r for r in got[0].reasons if r.key == "free_text"]
    assert bonus.params["text"] == "会说粤语" and 0.0 < float(bonus.params["score"]) <= 1.0
    assert "free_text" not in _keys(got[1])
    assert got[0].score - got[1].score < 0.06  # weak: at most the free-text weight
    # The bonus never makes someone without the skill eligible.
    assert [m.candidate_id for m in _top(spec, [replace(cantonese, skills=frozenset())])] == []


def test_text_without_any_skill_ranks_everyone_eligible() -> None:
    spec = need(text="帮个忙", slots=frozenset())
    cands = [volunteer(1, skills=frozenset()), volunteer(2, skills=frozenset({"cooking"}))]
    got = _top(spec, cands)
    assert [m.candidate_id for m in got] == [1, 2]
    assert all("skill" not in _keys(m) for m in got)


def test_scores_stay_within_bounds() -> None:
    best = volunteer(1, accepted=100, completed=100, idle_days=1e6, free_text="陪老人看病")
    (m,) = _top(need(), [best])
    assert 0.0 <= m.score <= 1.0


def test_k_zero_and_empty_index() -> None:
    assert MatchIndex([volunteer(1)], TAXONOMY).top(need(), 0) == []
    assert MatchIndex([], TAXONOMY).top(need(), 10) == []
    assert reference_loop_top(need(), [], TAXONOMY) == []
