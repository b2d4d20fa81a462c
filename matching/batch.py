"""Batch assignment: needs to candidates maximizing the total score under capacities, exactly.

A bipartite b-matching: each need wants ``volunteers_needed`` distinct candidates, each candidate
takes at most its capacity (``MatchIndex.capacity``: its own, capped by its weekly room). Scoring
every pair is too much, and top-k pruning loses a lot when needs compete for the same volunteers,
so this is column generation: solve exactly on a pruned edge set (``lap``), read the LP duals u
(needs) and v (candidates), add the left-out pairs with w > u + v (the only ones that could raise
the total), repeat. Candidates outside a need's pool are priced by an upper bound of their score.
When nothing prices in, the solution is optimal over the full score matrix, not only over the
pruned graph; if the round limit stops earlier, the duals still bound the optimum (``solve_batch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.index import MatchIndex
from matching.lap import solve
from matching.model import NeedSpec
from matching.scoring import NeedContext

DEFAULT_PRUNE = 8
DEFAULT_MAX_ROUNDS = 12
# Stop pricing once the duals prove the total within this fraction of the optimum (0: exact).
DEFAULT_GAP = 0.0
_TOL = 1e-7  # reduced scores below this count as zero (rounding)
# Bounds on the work per need when many needs share thousands of eligible candidates (needs
# without a place): a pool never grows past _MAX_POOL, a round adds at most 4 × prune pairs.
_MAX_POOL = 512


@dataclass
class _Pool:
    """One need's best candidates by upper-bound score, plus the bound on everyone else."""

    ctx: NeedContext
    rows: np.ndarray  # candidate rows, best first
    score: np.ndarray  # their exact scores
    tail: float  # no eligible candidate outside the pool scores above this
    in_lp: np.ndarray  # which pool rows are already LP edges


@dataclass(frozen=True)
class BatchResult:
    """An assignment with its total score and a certified upper bound on the optimum."""

    assignment: dict[int, list[int]]  # need id -> candidate ids, best first
    total: float  # sum of the assigned pairs' scores
    upper_bound: float  # no assignment over the full score matrix scores more than this
    rounds: int  # exact solves on the growing edge set
    edges: int  # pairs in the final edge set

    @property
    def optimal(self) -> bool:
        """Whether the duals certify the total as the optimum (up to solver tolerance)."""
        return self.upper_bound - self.total <= 1e-6 * max(1.0, self.total)


def _pool(index: MatchIndex, ctx: NeedContext, size: int, floor: float = np.inf) -> _Pool:
    """The need's ``size`` best candidates, or all above ``floor`` if more (up to _MAX_POOL)."""
    el = index.eligible(ctx)
    total, wft = index.weights.total(), index.weights.free_text
    ub = el.num / total
    bonus = wft > 0 and bool(ctx.seg) and len(el.rows) > 0
    has = index.has_free_text(el.rows) if bonus else np.zeros(len(el.rows), dtype=bool)
    if bonus:
        ub = np.where(has, (el.num + wft) / total, ub)
    want = max(size, int(np.count_nonzero(ub > floor))) if floor < np.inf else size
    want = min(want, max(size, _MAX_POOL))
    keep = np.argpartition(-ub, want)[:want] if want < len(ub) else np.arange(len(ub))
    outside = np.ones(len(ub), dtype=bool)
    outside[keep] = False
    tail = float(ub[outside].max()) if outside.any() else -np.inf
    keep = keep[np.lexsort((index.ids[el.rows[keep]], -ub[keep]))]
    rows, num = el.rows[keep], el.num[keep]
    # Exact scores inside the pool (the fuzzy bonus on its few free-text rows); the upper bound
    # only prices the candidates left outside.
    score = num / total
    where = np.flatnonzero(has[keep])
    if len(where):
        ft = index.free_text(ctx, rows[where])
        score[where] = (num[where] + wft * ft) / total
    return _Pool(ctx, rows, score, tail, np.zeros(len(rows), dtype=bool))


class _Edges:
    """The LP's pairs, appended in chunks."""

    def __init__(self) -> None:
        self.need: list[np.ndarray] = []
        self.row: list[np.ndarray] = []
        self.weight: list[np.ndarray] = []

    def add(self, need: int, rows: np.ndarray, weights: np.ndarray) -> None:
        """Add pairs (need, row) with their scores."""
        self.need.append(np.full(len(rows), need, dtype=np.int64))
        self.row.append(rows.astype(np.int64))
        self.weight.append(weights)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All pairs as (need positions, candidate rows, scores)."""
        if not self.need:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        return np.concatenate(self.need), np.concatenate(self.row), np.concatenate(self.weight)


def assign_batch(
    needs: Sequence[NeedSpec], index: MatchIndex, prune: int = DEFAULT_PRUNE
) -> dict[int, list[int]]:
    """Need id -> assigned candidate ids (best first), maximizing the total score under capacities.

    ``prune``: candidates per need in the first LP; later rounds add the pairs the duals ask for.
    """
    return solve_batch(needs, index, prune).assignment


def solve_batch(
    needs: Sequence[NeedSpec],
    index: MatchIndex,
    prune: int = DEFAULT_PRUNE,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    gap_tolerance: float = DEFAULT_GAP,
) -> BatchResult:
    """``assign_batch`` with its total, a certified upper bound on the optimum, and statistics."""
    ids = [need.id for need in needs]
    if len(set(ids)) != len(ids):
        raise ValueError("need ids must be unique")
    assignment: dict[int, list[int]] = {need.id: [] for need in needs}
    prune = max(1, prune)
    entry_cap = 4 * prune
    demand = np.array([max(0, need.volunteers_needed) for need in needs], dtype=np.int64)
    pools = [
        _pool(index, index.context(need), max(4 * prune, 32)) if demand[i] else None
        for i, need in enumerate(needs)
    ]
    edges = _Edges()
    for i, pool in enumerate(pools):
        if pool is not None and len(pool.rows):
            first = np.arange(min(prune + int(demand[i]) - 1, len(pool.rows)))
            pool.in_lp[first] = True
            edges.add(i, pool.rows[first], pool.score[first])
    e_need, e_row, w = edges.arrays()
    if not len(w):
        return BatchResult(assignment, 0.0, 0.0, 0, 0)
    cap = index.capacity
    v = np.zeros(len(index), dtype=np.float64)
    rounds = 0
    while True:
        sol = solve(e_need, e_row, w, demand, cap)
        u, objective = sol.u, sol.objective
        rounds += 1
        v[:] = 0.0
        v[sol.columns] = sol.v
        # Pricing: a pair (i, j) outside the LP could improve it iff w_ij > u_i + v_j.
        gap = np.zeros(len(needs))
        entering: list[tuple[int, np.ndarray]] = []
        for i, pool in enumerate(pools):
            if pool is None:
                continue
            if pool.tail - u[i] > _TOL and rounds < max_rounds and len(pool.rows) < _MAX_POOL:
                # Someone outside the pool might beat this need's dual: widen the pool.
                old = set(pool.rows[pool.in_lp].tolist())
                size = min(4 * len(pool.rows), _MAX_POOL)
                pools[i] = pool = _pool(index, pool.ctx, size, u[i])
                pool.in_lp = np.fromiter(
                    (r in old for r in pool.rows.tolist()), dtype=bool, count=len(pool.rows)
                )
            free = np.flatnonzero(~pool.in_lp)
            reduced = pool.score[free] - v[pool.rows[free]] - u[i]
            worst = max(float(reduced.max()) if len(free) else 0.0, pool.tail - u[i])
            gap[i] = max(0.0, worst) * demand[i]
            if worst <= _TOL or rounds >= max_rounds or not len(free):
                continue
            # Enter every pair that would beat the need's dual if its candidate were free, not
            # only the violating ones: candidates' duals fall as pairs enter, and this saves rounds.
            pick = np.flatnonzero(pool.score[free] - u[i] > 0.0)
            if len(pick) > entry_cap:  # the most promising first; the rest can come later
                pick = pick[np.argsort(-reduced[pick], kind="stable")[:entry_cap]]
            if len(pick):
                entering.append((i, free[pick]))
        if not entering or float(gap.sum()) <= gap_tolerance * max(objective, 1.0):
            break
        for i, enter in entering:
            pools_i = pools[i]
            assert pools_i is not None
            pools_i.in_lp[enter] = True
            edges.add(i, pools_i.rows[enter], pools_i.score[enter])
        e_need, e_row, w = edges.arrays()
    chosen = np.flatnonzero(sol.chosen)
    picked: dict[int, list[tuple[float, int]]] = {}
    for k in chosen.tolist():
        picked.setdefault(int(e_need[k]), []).append((-float(w[k]), int(index.ids[e_row[k]])))
    for i, pairs in picked.items():
        assignment[needs[i].id] = [cid for _, cid in sorted(pairs)]
    total = float(w[chosen].sum())
    # Weak duality: raising each u_i by its largest violation makes (u, v) feasible for the full
    # problem, so the LP optimum plus those raises bounds every assignment.
    bound = max(objective + float(gap.sum()), total)
    return BatchResult(assignment, total, bound, rounds, len(w))
