"""Benchmark of matching/: top-10 latency vs the plain loop, batch assignment quality, memory.

Run ``python bench/bench_matching.py [--quick] [--results PATH]``. Data are synthetic but shaped
like Chaoyang: a district → street → community → grid → building tree with coordinates, Zipf-skewed
skill popularity (needs more skewed than volunteers, and clustered in a few old compounds, so they
compete for the same volunteers), Chinese need texts built from the taxonomy's synonyms plus
residents' notes, a few English ones, organizations with capacities. Seeded: every run builds the
same data. Prints one table and merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.results import merge  # noqa: E402
from matching import (  # noqa: E402
    Candidate,
    MatchIndex,
    NeedSpec,
    assign_batch,
    reference_loop_top,
)
from matching.batch import solve_batch  # noqa: E402
from matching.taxonomy import CERTIFICATIONS, SLOTS, load_skills  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"
ORG_CATEGORIES = ("life_service", "charity", "culture_sports", "mediation", "association", "other")
NOTES = (
    "老人腿脚不便",
    "家住六楼没有电梯",
    "下午两点以前",
    "独居老人",
    "子女在外地",
    "老伴刚出院",
    "希望有耐心的志愿者",
    "家里有只狗",
    "需要提前电话联系",
    "最好会说普通话",
    "周末也可以",
    "比较着急",
    "上次的志愿者很好",
    "孩子上三年级",
    "天冷路滑",
    "需要带工具",
)
FREE_TEXT = (
    "会说粤语",
    "退休教师，耐心",
    "有私家车",
    "会修理小家电",
    "懂一点中医按摩",
    "做过护工",
    "会用电脑和手机",
    "周末有空",
    "喜欢和老人聊天",
    "会包饺子",
    "会弹钢琴",
    "英语六级",
    "退休医生，可以陪老人看病",
    "力气大，能搬东西",
    "会手语",
    "大学生，可以辅导作业",
)
ENGLISH = (
    "Need someone to {en} for my mother",
    "Looking for help: {en}",
    "{en} needed this weekend",
)


class World:
    """A seeded synthetic district: regions with coordinates, candidates and needs."""

    def __init__(self, seed: int, n_candidates: int, n_needs: int) -> None:
        self.rng = random.Random(seed)
        self.skills = load_skills()
        self._regions()
        codes = [s.code for s in self.skills]
        self.rng.shuffle(codes)
        self.codes = codes
        # Zipf-skewed popularity, shared by candidates and needs: popular skills are contended.
        self.popularity = [1.0 / (rank + 1) ** 1.1 for rank in range(len(codes))]
        # Needs are more skewed still (陪诊, 助餐 and 代购 dominate), so they compete.
        self.need_popularity = [1.0 / (rank + 1) ** 1.6 for rank in range(len(codes))]
        self._intern: dict[Any, Any] = {}
        self.slot_patterns = [self._slot_pattern() for _ in range(600)]
        self.candidates = [self._candidate(i + 1) for i in range(n_candidates)]
        self.needs = [self._need(i + 1) for i in range(n_needs)]

    def _regions(self) -> None:
        rng = self.rng
        self.buildings: list[tuple[tuple[int, ...], float, float]] = []
        self.grids: list[tuple[tuple[int, ...], float, float]] = []
        district = 1
        for s in range(20):
            street = 100 + s
            s_lat, s_lon = 39.90 + rng.uniform(0, 0.12), 116.42 + rng.uniform(0, 0.15)
            for c in range(20):
                community = 10_000 + s * 100 + c
                c_lat, c_lon = s_lat + rng.gauss(0, 0.008), s_lon + rng.gauss(0, 0.01)
                for g in range(5):
                    grid = 1_000_000 + community * 10 + g
                    g_lat, g_lon = c_lat + rng.gauss(0, 0.002), c_lon + rng.gauss(0, 0.002)
                    self.grids.append(((district, street, community, grid), g_lat, g_lon))
                    for b in range(20):
                        building = 100_000_000 + grid * 100 + b
                        self.buildings.append(
                            (
                                (district, street, community, grid, building),
                                g_lat + rng.gauss(0, 0.0005),
                                g_lon + rng.gauss(0, 0.0005),
                            )
                        )
        # Busy places: most needs come from a tenth of the communities (old compounds with many
        # elderly residents), where they compete for the same nearby volunteers.
        communities = sorted({path[2] for path, _, _ in self.buildings})
        hot = set(rng.sample(communities, len(communities) // 20))
        self.busy = [b for b in self.buildings if b[0][2] in hot]

    def _interned(self, value: Any) -> Any:
        return self._intern.setdefault(value, value)

    def _slot_pattern(self) -> frozenset[str]:
        rng = self.rng
        kind = rng.random()
        if kind < 0.3:  # weekday evenings + weekends
            base = [s for s in SLOTS if s.endswith("_ev") or s.startswith(("sat", "sun"))]
        elif kind < 0.6:  # retired: weekday daytime
            base = [s for s in SLOTS if not s.endswith("_ev") and not s.startswith(("sat", "sun"))]
        else:
            base = list(SLOTS)
        return self._interned(frozenset(rng.sample(base, rng.randint(3, min(10, len(base))))))

    def _skill_set(self, count: int) -> frozenset[str]:
        chosen: set[str] = set()
        while len(chosen) < count:  # (a set only for membership: draws are in list order)
            chosen.add(self.rng.choices(self.codes, self.popularity)[0])
        return self._interned(frozenset(chosen))

    def _candidate(self, cid: int) -> Candidate:
        rng = self.rng
        is_org = rng.random() < 0.01
        path, lat, lon = rng.choice(self.buildings)
        skills = self._skill_set(rng.randint(1, 4) if not is_org else rng.randint(0, 6))
        by_code = {s.code: s for s in self.skills}
        needed = sorted({by_code[c].certification or "" for c in skills} - {""})
        certs = {c for c in needed if rng.random() < 0.7}
        if rng.random() < 0.05:
            certs.add(rng.choice(list(CERTIFICATIONS)))
        offered = rng.randint(0, 30)
        accepted = rng.randint(0, offered)
        completed = rng.randint(max(0, accepted - 3), accepted)
        if is_org:
            home = path[: rng.choice((2, 3))]
            reach = "street" if len(home) == 2 else "community"
        else:
            home = path if rng.random() < 0.85 else path[:4]
            reach = rng.choices(("building", "grid", "community", "street"), (1, 3, 3, 3))[0]
        geo = rng.random() < 0.6
        return Candidate(
            id=cid,
            kind="org" if is_org else "volunteer",
            skills=skills,
            free_text=rng.choice(FREE_TEXT) if rng.random() < 0.25 else "",
            home=self._interned(home),
            reach=reach,
            slots=rng.choice(self.slot_patterns),
            certifications=self._interned(frozenset(certs)),
            paused=rng.random() < 0.05,
            load_this_week=rng.randint(0, 2),
            max_per_week=rng.randint(2, 5) if not is_org else 30,
            offers_this_week=rng.randint(0, 6),
            offered=offered,
            accepted=accepted,
            completed=completed,
            no_shows=rng.randint(0, max(0, accepted - completed)),
            idle_days=round(rng.expovariate(1 / 20), 1),
            lat=lat + rng.gauss(0, 0.0003) if geo else None,
            lon=lon + rng.gauss(0, 0.0003) if geo else None,
            capacity=rng.randint(2, 8) if is_org else 1,
            category=rng.choice(ORG_CATEGORIES) if is_org else None,
        )

    def _need(self, nid: int) -> NeedSpec:
        rng = self.rng
        code = rng.choices(self.codes, self.need_popularity)[0]
        skill = next(s for s in self.skills if s.code == code)
        if rng.random() < 0.05:
            text = rng.choice(ENGLISH).format(en=rng.choice((skill.en, *skill.synonyms_en)))
        else:
            phrase = rng.choice((skill.zh, *skill.synonyms_zh))
            text = f"{skill.zh}：{phrase}，{'，'.join(rng.sample(NOTES, rng.randint(1, 3)))}"
        path, lat, lon = rng.choice(self.busy if rng.random() < 0.7 else self.buildings)
        geo = rng.random() < 0.5
        first, days = rng.randrange(7), rng.randint(1, 3)
        parts = rng.sample(range(3), rng.randint(1, 2))
        slots = frozenset(SLOTS[(first + d) % 7 * 3 + p] for d in range(days) for p in parts)
        return NeedSpec(
            id=nid,
            text=text,
            skills=frozenset({code}) if rng.random() < 0.2 else frozenset(),
            place=path,
            slots=slots,
            required_certifications=frozenset({"first_aid"})
            if rng.random() < 0.03
            else frozenset(),
            excluded=frozenset(rng.sample(range(1, 1000), 3))
            if rng.random() < 0.1
            else frozenset(),
            org_category=rng.choice(ORG_CATEGORIES) if rng.random() < 0.05 else None,
            lat=lat if geo else None,
            lon=lon if geo else None,
            volunteers_needed=2 if rng.random() < 0.1 else 1,
        )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def bench_top(n_candidates: int, n_needs: int, n_loop: int) -> dict[str, float]:
    """top-10 latency over many needs, and the plain loop on a sample (per-need extrapolation)."""
    world = World(7, n_candidates, n_needs)
    t0 = time.perf_counter()
    index = MatchIndex(world.candidates, world.skills)
    build = time.perf_counter() - t0
    index.top(world.needs[0], 10)  # warm-up: jieba, caches
    times = []
    for need in world.needs:
        t = time.perf_counter()
        index.top(need, 10)
        times.append((time.perf_counter() - t) * 1000)
    sample = world.needs[:n_loop]
    reference_loop_top(sample[0], world.candidates, world.skills, index.weights, 10)  # warm caches
    loop_times, agree = [], 0
    for need in sample:
        t = time.perf_counter()
        expected = reference_loop_top(need, world.candidates, world.skills, index.weights, 10)
        loop_times.append((time.perf_counter() - t) * 1000)
        agree += index.top(need, 10) == expected
    p50 = statistics.median(times)
    return {
        "match_top10_p50_ms": round(p50, 3),
        "match_top10_p99_ms": round(_pct(times, 0.99), 3),
        "match_speedup_vs_loop": round(statistics.median(loop_times) / p50, 1),
        "loop_p50_ms": round(statistics.median(loop_times), 1),
        "index_build_s": round(build, 2),
        "loop_agreement": agree / len(sample),
    }


def dense_scores(needs: list[NeedSpec], index: MatchIndex) -> Any:
    """The full needs × candidates score matrix (0 where a hard constraint fails)."""
    import numpy as np

    n = len(index.candidates)
    matrix = np.zeros((len(needs), n))
    for i, need in enumerate(needs):
        rows, score, _ = index.scored(index.context(need), n)  # k = n: every bonus exact
        matrix[i, rows] = score
    return matrix


def dense_optimum(
    needs: list[NeedSpec], index: MatchIndex, matrix: Any
) -> tuple[float, str, float]:
    """Exact optimum over the dense matrix: scipy LSA, demands and capacities by replication.

    Replication lets a need wanting two volunteers take the same organization twice; if the LSA
    optimum does that, it is only an upper bound, and the exact optimum is the LP over every
    nonzero pair (totally unimodular, so integral).
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment, linprog
    from scipy.sparse import csc_matrix

    demand = np.array([max(1, need.volunteers_needed) for need in needs])
    used = np.flatnonzero(matrix.any(axis=0))
    columns = np.repeat(used, np.minimum(index.capacity[used], int(demand.sum())))
    need_of_row = np.repeat(np.arange(len(needs)), demand)
    reduced = matrix[need_of_row][:, columns]
    r, c = linear_sum_assignment(reduced, maximize=True)
    value = float(reduced[r, c].sum())
    pairs = [
        (int(need_of_row[i]), int(columns[j]))
        for i, j in zip(r, c, strict=True)
        if reduced[i, j] > 0
    ]
    if len(set(pairs)) == len(pairs):
        return value, "lsa", value
    ni, nj = np.nonzero(matrix)
    cols, e_col = np.unique(nj, return_inverse=True)
    n_edge = len(ni)
    a = csc_matrix(
        (
            np.ones(2 * n_edge),
            (np.concatenate([ni, len(needs) + e_col]), np.concatenate([np.arange(n_edge)] * 2)),
        ),
        shape=(len(needs) + len(cols), n_edge),
    )
    b = np.concatenate([demand, index.capacity[cols]]).astype(float)
    res = linprog(-matrix[ni, nj], A_ub=a, b_ub=b, bounds=(0, 1), method="highs-ds")
    return -float(res.fun), "lp", value


def bench_batch(n_candidates: int, n_needs: int) -> dict[str, Any]:
    """assign_batch wall time (scoring included) and its total score vs the dense optimum."""
    world = World(11, n_candidates, n_needs)
    index = MatchIndex(world.candidates, world.skills)
    index.top(world.needs[0], 1)  # warm-up (jieba)
    gc.collect()
    t0 = time.perf_counter()
    result = assign_batch(world.needs, index)
    seconds = time.perf_counter() - t0
    stats = solve_batch(world.needs, index)  # the same solve again, for its statistics
    assert stats.assignment == result
    t1 = time.perf_counter()
    matrix = dense_scores(world.needs, index)
    total = 0.0
    load: dict[int, int] = {}
    for i, need in enumerate(world.needs):
        chosen = result.get(need.id, [])
        assert len(chosen) <= max(1, need.volunteers_needed) and len(set(chosen)) == len(chosen)
        rows = index.rows_of(chosen)
        assert len(rows) == len(chosen) and bool((matrix[i, rows] > 0).all())
        total += float(matrix[i, rows].sum())
        for row in rows.tolist():
            load[row] = load.get(row, 0) + 1
    assert all(count <= index.capacity[row] for row, count in load.items())
    best, how, lsa = dense_optimum(world.needs, index, matrix)
    return {
        "batch_rounds": stats.rounds,
        "batch_pairs": stats.edges,
        "batch_certified_pct": round(100.0 * stats.total / stats.upper_bound, 4),
        "dense_reference": how,
        "batch_vs_lsa_relaxation_pct": round(100.0 * total / lsa, 4) if lsa else 100.0,
        "batch_seconds": round(seconds, 3),
        "batch_quality_pct": round(100.0 * total / best, 4) if best else 100.0,
        "dense_reference_s": round(time.perf_counter() - t1, 1),
    }


def measure_rss(n_candidates: int) -> tuple[float, float]:
    """Peak RSS (MB) of a fresh process that builds the index and answers 100 needs, and the
    part of the current RSS the index itself added (MatchIndex built over existing candidates)."""
    code = (
        f"import resource, sys; sys.path.insert(0, {str(ROOT)!r});"
        "from bench.bench_matching import World, _rss_now;"
        "from matching import MatchIndex;"
        "import matching.text as t; t.tokenizer();"
        f"w = World(7, {n_candidates}, 100); before = _rss_now();"
        "i = MatchIndex(w.candidates, w.skills); [i.top(n, 10) for n in w.needs];"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _rss_now() - before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak, delta = out.stdout.split()
    return float(peak), float(delta)


def _rss_now() -> float:
    """Current resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    args, _ = parser.parse_known_args(argv)  # bench/run.py may pass options meant for others
    if args.quick:
        sizes = {"cands": 3_000, "needs": 60, "loop": 5, "b_cands": 600, "b_needs": 60}
    else:
        sizes = {"cands": 100_000, "needs": 400, "loop": 30, "b_cands": 20_000, "b_needs": 2_000}
    figures: dict[str, Any] = {}
    figures.update(bench_top(sizes["cands"], sizes["needs"], sizes["loop"]))
    peak, delta = measure_rss(sizes["cands"])
    figures["match_rss_mb"] = round(peak, 1)
    figures["index_rss_delta_mb"] = round(delta, 1)
    figures.update(bench_batch(sizes["b_cands"], sizes["b_needs"]))
    rows = [
        ("match_top10_p50_ms", "≤ 10", figures["match_top10_p50_ms"] <= 10),
        ("match_top10_p99_ms", "-", True),
        ("match_speedup_vs_loop", "≥ 50", figures["match_speedup_vs_loop"] >= 50),
        ("match_rss_mb", "≤ 300", figures["match_rss_mb"] <= 300),
        ("index_rss_delta_mb", "-", True),
        ("batch_seconds", "≤ 2", figures["batch_seconds"] <= 2),
        ("batch_quality_pct", "≥ 99.5", figures["batch_quality_pct"] >= 99.5),
        ("batch_certified_pct", "-", True),
        ("batch_rounds", "-", True),
        ("batch_pairs", "-", True),
        ("loop_p50_ms", "-", True),
        ("loop_agreement", "= 1.0", figures["loop_agreement"] == 1.0),
        ("index_build_s", "-", True),
        ("dense_reference", "-", True),
        ("batch_vs_lsa_relaxation_pct", "-", True),
        ("dense_reference_s", "-", True),
    ]
    mode = "quick" if args.quick else "full"
    print(
        f"matching benchmark ({mode}: {sizes['cands']:,} candidates for top-10, "
        f"{sizes['b_needs']:,} needs × {sizes['b_cands']:,} candidates for the batch)"
    )
    print(f"{'figure':<24}{'value':>14}  {'target':<8}ok")
    for key, target, ok in rows:
        print(f"{key:<24}{figures[key]:>14}  {target:<8}{'yes' if ok else 'NO'}")
    keys = (
        "match_top10_p50_ms",
        "match_top10_p99_ms",
        "match_speedup_vs_loop",
        "batch_seconds",
        "batch_quality_pct",
        "match_rss_mb",
    )
    merge(args.results, {key: figures[key] for key in keys})
    return 0


if __name__ == "__main__":
    sys.exit(main())
