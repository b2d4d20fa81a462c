"""Property check: MatchIndex.top equals the plain reference loop on random small instances."""

from __future__ import annotations

import random

import pytest

from matching import Candidate, MatchIndex, NeedSpec, Weights, reference_loop_top
from matching.taxonomy import SLOTS

from .conftest import TAXONOMY

PHRASES = [p for s in TAXONOMY for p in (s.zh, s.en, *s.synonyms_zh, *s.synonyms_en)]
NOTES = ["老人腿脚不便", "比较着急", "只会说粤语", "周末", "有狗", "", "please call first"]
FREE = ["", "", "会说粤语", "退休医生", "会修电脑", "有车，周末有空", "陪老人看病"]
CERTS = ["nursing", "health_cert", "first_aid"]
CODES = [s.code for s in TAXONOMY]


def _path(rng: random.Random) -> tuple[int, ...]:
    street = rng.choice((10, 20))
    community = street * 10 + rng.randrange(2)
    grid = community * 10 + rng.randrange(2)
    building = grid * 10 + rng.randrange(2)
    return (1, street, community, grid, building)[: rng.choice((0, 2, 3, 4, 5, 5, 5))]


def _geo(rng: random.Random) -> tuple[float | None, float | None]:
    if rng.random() < 0.5:
        return None, None
    return 39.9 + rng.uniform(-0.03, 0.03), 116.4 + rng.uniform(-0.03, 0.03)


def _candidate(rng: random.Random, cid: int) -> Candidate:
    lat, lon = _geo(rng)
    is_org = rng.random() < 0.1
    return Candidate(
        id=cid,
        kind="org" if is_org else "volunteer",
        skills=frozenset(rng.sample(CODES, rng.randint(0, 3))),
        free_text=rng.choice(FREE),
        home=_path(rng),
        reach=rng.choice(("building", "grid", "community", "street", "district")),
        slots=frozenset(rng.sample(SLOTS, rng.randint(0, 8))),
        certifications=frozenset(rng.sample(CERTS, rng.randint(0, 2))),
        paused=rng.random() < 0.05,
        load_this_week=rng.randint(0, 3),
        max_per_week=rng.randint(1, 4),
        offers_this_week=rng.randint(0, 6),
        offered=(offered := rng.randint(0, 10)),
        accepted=(accepted := rng.randint(0, offered)),
        completed=rng.randint(0, accepted),
        no_shows=rng.randint(0, 2),
        idle_days=rng.choice((0.0, 3.5, 14.0, 30.0, 90.0)),
        lat=lat,
        lon=lon,
        capacity=rng.randint(1, 3),
        category=rng.choice(("life_service", "charity")) if is_org else None,
    )


def _need(rng: random.Random, nid: int, ids: list[int]) -> NeedSpec:
    lat, lon = _geo(rng)
    text = "，".join([*rng.sample(PHRASES, rng.randint(0, 2)), rng.choice(NOTES)])
    return NeedSpec(
        id=nid,
        text=text,
        skills=frozenset(rng.sample(CODES, 1)) if rng.random() < 0.2 else frozenset(),
        place=_path(rng),
        slots=frozenset(rng.sample(SLOTS, rng.randint(0, 4))),
        required_certifications=frozenset(rng.sample(CERTS, 1))
        if rng.random() < 0.1
        else frozenset(),
        excluded=frozenset(rng.sample(ids, 3)) if rng.random() < 0.3 else frozenset(),
        org_category=rng.choice(("life_service", "charity")) if rng.random() < 0.2 else None,
        lat=lat,
        lon=lon,
    )


@pytest.mark.parametrize("seed", range(8))
def test_index_equals_reference_loop(seed: int) -> None:
    rng = random.Random(seed)
    cands = [_candidate(rng, cid) for cid in rng.sample(range(1, 1000), 120)]
    weights = Weights() if seed % 2 == 0 else Weights(free_text=0.3, proximity=0.4)
    index = MatchIndex(cands, TAXONOMY, weights)
    ids = [c.id for c in cands]
    seen = 0
    for nid in range(40):
        spec = _need(rng, nid, ids)
        for k in (1, 3, 200):
            got = index.top(spec, k)
            assert got == reference_loop_top(spec, cands, TAXONOMY, weights, k), (spec, k)
            seen += len(got)
    assert seen > 100  # the instances are not vacuous


def test_ties_with_equal_scores_resolve_identically() -> None:
    rng = random.Random(99)
    base = _candidate(rng, 1)
    cands = [
        Candidate(**{**{f: getattr(base, f) for f in base.__slots__}, "id": cid})
        for cid in rng.sample(range(1, 100), 30)
    ]
    spec = NeedSpec(1, "陪老人看病")
    got = MatchIndex(cands, TAXONOMY).top(spec, 7)
    assert got == reference_loop_top(spec, cands, TAXONOMY, k=7)
    if got:
        assert [m.candidate_id for m in got] == sorted(m.candidate_id for m in got)
