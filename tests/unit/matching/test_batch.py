"""Batch assignment: equals the brute-force optimum on tiny instances, respects capacities."""

from __future__ import annotations

import random
from functools import cache
from itertools import combinations

import pytest

from matching import Candidate, MatchIndex, NeedSpec, assign_batch
from matching.batch import solve_batch

from .conftest import B_A, B_B, B_C, B_D, TAXONOMY, need, volunteer


def _scores(needs: list[NeedSpec], index: MatchIndex) -> list[dict[int, float]]:
    return [{m.candidate_id: m.score for m in index.top(n, len(index))} for n in needs]


def _capacity(index: MatchIndex) -> dict[int, int]:
    return {c.id: int(index.capacity[row]) for row, c in enumerate(index.candidates)}


def brute_force(needs: list[NeedSpec], index: MatchIndex) -> float:
    """Best total over every feasible assignment (exponential; tiny instances only)."""
    scores = _scores(needs, index)
    ids = sorted(_capacity(index))
    start = tuple(_capacity(index)[cid] for cid in ids)

    @cache
    def best(i: int, caps: tuple[int, ...]) -> float:
        if i == len(needs):
            return 0.0
        options = [cid for cid in scores[i] if caps[ids.index(cid)] > 0]
        top = best(i + 1, caps)
        for size in range(1, min(needs[i].volunteers_needed, len(options)) + 1):
            for chosen in combinations(options, size):
                left = list(caps)
                for cid in chosen:
                    left[ids.index(cid)] -= 1
                value = sum(scores[i][cid] for cid in chosen) + best(i + 1, tuple(left))
                top = max(top, value)
        return top

    return best(0, start)


def check_feasible(needs: list[NeedSpec], index: MatchIndex, result: dict[int, list[int]]) -> float:
    """Assert the assignment is feasible; return its total score."""
    scores = {n.id: s for n, s in zip(needs, _scores(needs, index), strict=True)}
    assert set(result) == {n.id for n in needs}
    used: dict[int, int] = {}
    total = 0.0
    for n in needs:
        chosen = result[n.id]
        assert len(chosen) <= n.volunteers_needed and len(set(chosen)) == len(chosen)
        assert all(cid in scores[n.id] for cid in chosen)  # every pair passes the constraints
        assert [scores[n.id][c] for c in chosen] == sorted(
            (scores[n.id][c] for c in chosen), reverse=True
        )
        total += sum(scores[n.id][cid] for cid in chosen)
        for cid in chosen:
            used[cid] = used.get(cid, 0) + 1
    cap = _capacity(index)
    assert all(count <= cap[cid] for cid, count in used.items())
    return total


HOMES = [B_A, B_B, B_C, B_D]
TEXTS = ["陪老人看病", "帮忙扫雪", "陪老人说话", "修电脑", "陪同就医，顺便陪聊"]


def _instance(seed: int) -> tuple[list[NeedSpec], MatchIndex]:
    rng = random.Random(seed)
    cands: list[Candidate] = []
    for cid in range(1, rng.randint(3, 6) + 1):
        skills = frozenset(
            rng.sample(
                ["medical_escort", "snow_clearing", "companionship", "computer_help"],
                rng.randint(1, 2),
            )
        )
        is_org = rng.random() < 0.2
        cands.append(
            volunteer(
                cid,
                kind="org" if is_org else "volunteer",
                skills=skills,
                home=rng.choice(HOMES),
                reach=rng.choice(("grid", "community", "street")),
                idle_days=rng.uniform(0, 40),
                accepted=(a := rng.randint(0, 8)),
                completed=rng.randint(0, a),
                capacity=rng.randint(2, 3) if is_org else 1,
                max_per_week=10 if is_org else 3,
                load_this_week=rng.randint(0, 2),
                free_text=rng.choice(["", "会说粤语", "退休医生"]),
            )
        )
    needs = [
        need(
            nid,
            text=rng.choice(TEXTS),
            place=rng.choice(HOMES),
            slots=frozenset(rng.sample(["sat_am", "mon_am", "sun_pm"], rng.randint(1, 2))),
            volunteers_needed=rng.choice((1, 1, 2)),
        )
        for nid in range(1, rng.randint(2, 5) + 1)
    ]
    return needs, MatchIndex(cands, TAXONOMY)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("prune", [1, 8])
def test_equals_brute_force_optimum(seed: int, prune: int) -> None:
    needs, index = _instance(seed)
    result = solve_batch(needs, index, prune=prune)
    total = check_feasible(needs, index, result.assignment)
    assert total == pytest.approx(brute_force(needs, index), abs=1e-9)
    assert result.optimal and result.upper_bound >= total - 1e-9
    assert assign_batch(needs, index, prune=prune) == result.assignment


def test_competition_is_resolved_globally_even_with_prune_1() -> None:
    # Both needs like volunteer 1 best; need 2 has a good alternative, need 1 has none.
    cands = [volunteer(1, home=B_A), volunteer(2, home=B_D, skills=frozenset({"snow_clearing"}))]
    needs = [need(1, text="陪老人看病"), need(2, text="陪老人看病，还要帮忙扫雪")]
    index = MatchIndex(cands, TAXONOMY)
    result = assign_batch(needs, index, prune=1)
    assert result == {1: [1], 2: [2]}
    assert check_feasible(needs, index, result) == pytest.approx(brute_force(needs, index))


def test_capacity_counts_weekly_load() -> None:
    org = volunteer(
        9, kind="org", capacity=5, max_per_week=10, load_this_week=8, category="life_service"
    )
    index = MatchIndex([org], TAXONOMY)
    needs = [need(nid) for nid in range(1, 5)]
    result = assign_batch(needs, index)
    assert sum(len(v) for v in result.values()) == 2  # 10 - 8 left this week


def test_multi_volunteer_need_gets_distinct_candidates() -> None:
    cands = [volunteer(cid, home=home) for cid, home in ((1, B_A), (2, B_B), (3, B_C))]
    index = MatchIndex(cands, TAXONOMY)
    result = assign_batch([need(1, volunteers_needed=2)], index)
    assert result == {1: [1, 2]}  # best first


def test_unmatchable_and_zero_demand_needs_get_nothing() -> None:
    index = MatchIndex([volunteer(1)], TAXONOMY)
    needs = [need(1, text="修电脑"), need(2, volunteers_needed=0), need(3)]
    assert assign_batch(needs, index) == {1: [], 2: [], 3: [1]}
    assert assign_batch([], index) == {}
    assert assign_batch(needs, MatchIndex([], TAXONOMY)) == {1: [], 2: [], 3: []}


def test_duplicate_need_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        assign_batch([need(1), need(1)], MatchIndex([volunteer(1)], TAXONOMY))


def test_round_limit_still_feasible_with_a_valid_bound() -> None:
    rng = random.Random(5)
    cands = [
        volunteer(cid, home=rng.choice(HOMES), idle_days=rng.uniform(0, 50)) for cid in range(1, 40)
    ]
    needs = [need(nid, place=rng.choice(HOMES)) for nid in range(1, 30)]
    index = MatchIndex(cands, TAXONOMY)
    exact = solve_batch(needs, index, prune=1)
    limited = solve_batch(needs, index, prune=1, max_rounds=1)
    assert exact.optimal
    check_feasible(needs, index, limited.assignment)
    assert limited.total <= exact.total + 1e-9 <= limited.upper_bound + 2e-9


def test_deterministic() -> None:
    needs, index = _instance(3)
    assert assign_batch(needs, index) == assign_batch(needs, index)
