"""Exact b-matching on a pruned edge set: primal by sparse LAPJV, duals by Bellman-Ford.

The problem: maximize the total score of chosen (need, candidate) pairs, need i taking at most
``demand[i]`` candidates, candidate j at most ``cap[j]`` needs, each pair at most once. The primal
comes from scipy's ``min_weight_full_bipartite_matching`` (LAPJVsp) on a replicated graph: one row
per unit of demand, one column per unit of capacity, a dummy "unassigned" column per row, and for
pairs where both sides have several units a two-node gadget that lets the pair be used only once.
The LP duals (needed to price pairs left out of the edge set) are shortest-path potentials of the
solution's residual network. If anything looks off, HiGHS solves the LP instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EPS = 1e-12  # Bellman-Ford improvements below this are rounding noise, not progress


@dataclass(frozen=True, slots=True)
class Solution:
    """An optimal solution on the edge set with optimal duals of its LP."""

    chosen: np.ndarray  # bool per edge
    u: np.ndarray  # need duals (>= 0)
    columns: np.ndarray  # the distinct candidate rows of the edge set
    v: np.ndarray  # their duals (>= 0)
    objective: float  # total score of the chosen edges


def solve(
    e_need: np.ndarray, e_row: np.ndarray, w: np.ndarray, demand: np.ndarray, cap: np.ndarray
) -> Solution:
    """Optimal b-matching of the edges (need positions, candidate rows, scores) and its duals."""
    columns, e_col = np.unique(e_row, return_inverse=True)
    col_cap = np.minimum(cap[columns], max(int(demand.sum()), 1))
    chosen = _primal(e_need, e_col, w, demand, col_cap)
    duals = _duals(e_need, e_col, w, chosen, demand, col_cap)
    if duals is None:  # pragma: no cover - defensive: no convergence means something is off
        return _highs(e_need, e_col, w, demand, col_cap, columns)
    u, v = duals
    return Solution(chosen, u, columns, v, float(w[chosen].sum()))


def load() -> None:
    """Import the scipy solvers `solve` imports on first use (a process's warm-up calls this)."""
    import scipy.optimize
    import scipy.sparse.csgraph  # noqa: F401


def _primal(
    e_need: np.ndarray, e_col: np.ndarray, w: np.ndarray, demand: np.ndarray, col_cap: np.ndarray
) -> np.ndarray:
    # scipy is imported here, not at the top: it costs half a second, and every `linli` command
    # imports the matching package; a serving process loads it in its warm-up (handlers/warmup.py).
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n_edge = len(w)
    row_start = np.concatenate([[0], np.cumsum(demand)])
    col_start = np.concatenate([[0], np.cumsum(col_cap)])
    n_rows, n_cols = int(row_start[-1]), int(col_start[-1])
    d = demand[e_need]
    c = col_cap[e_col]
    plain = (d == 1) | (c == 1)
    # Plain edges: every unit of the need × every unit of the candidate (one side has one unit).
    pe = np.flatnonzero(plain)
    reps = d[pe] * c[pe]
    edge_of = np.repeat(pe, reps)
    offset = np.arange(len(edge_of)) - np.repeat(np.cumsum(reps) - reps, reps)
    cc = c[edge_of]
    rows = row_start[e_need[edge_of]] + offset // cc
    cols = col_start[e_col[edge_of]] + offset % cc
    costs = 2.0 - w[edge_of]  # in [1, 2]: LAPJVsp wants nonzero weights
    r_parts, c_parts, k_parts, e_parts = [rows], [cols], [costs], [edge_of]
    # Gadgets for the rest: column q_e (taken by a unit of the need means "pair used") and row
    # r_e, matched either to q_e (pair unused) or to a unit of the candidate.
    ge = np.flatnonzero(~plain)
    g_row = n_rows + np.arange(len(ge))
    g_col = n_cols + n_rows + np.arange(len(ge))
    for k, e in enumerate(ge.tolist()):
        need_units = np.arange(row_start[e_need[e]], row_start[e_need[e] + 1])
        cand_units = np.arange(col_start[e_col[e]], col_start[e_col[e] + 1])
        r_parts += [need_units, np.full(len(cand_units) + 1, g_row[k])]
        c_parts += [np.full(len(need_units), g_col[k]), np.append(cand_units, g_col[k])]
        k_parts += [np.full(len(need_units), 2.0 - w[e]), np.full(len(cand_units) + 1, 3.0)]
        e_parts += [np.full(len(need_units), e), np.full(len(cand_units) + 1, -1)]
    # A dummy column per need unit: "unassigned", cost 2 (as a pair of score 0).
    units = np.arange(n_rows)
    r_parts.append(units)
    c_parts.append(n_cols + units)
    k_parts.append(np.full(n_rows, 2.0))
    e_parts.append(np.full(n_rows, -1))
    all_r = np.concatenate(r_parts)
    all_c = np.concatenate(c_parts)
    all_e = np.concatenate(e_parts)
    shape = (n_rows + len(ge), n_cols + n_rows + len(ge))
    graph = csr_matrix((np.concatenate(k_parts), (all_r, all_c)), shape=shape)
    match_r, match_c = min_weight_full_bipartite_matching(graph)
    chosen = np.zeros(n_edge, dtype=bool)
    # Map matched (row, column) cells back to edges: only need-unit rows carry edges.
    key = all_r.astype(np.int64) * shape[1] + all_c
    order = np.argsort(key, kind="stable")
    want = match_r.astype(np.int64) * shape[1] + match_c
    pos = order[np.searchsorted(key[order], want)]
    hit = all_e[pos]
    hit = hit[(hit >= 0) & (match_r < n_rows)]
    chosen[hit] = True
    return chosen


def _duals(
    e_need: np.ndarray,
    e_col: np.ndarray,
    w: np.ndarray,
    chosen: np.ndarray,
    demand: np.ndarray,
    col_cap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """LP duals from shortest-path potentials of the residual network (s → needs → cands → t)."""
    n_need, n_col = len(demand), len(col_cap)
    s, t = 0, 1
    need_node = 2 + np.arange(n_need)
    col_node = 2 + n_need + np.arange(n_col)
    flow_need = np.bincount(e_need[chosen], minlength=n_need)
    flow_col = np.bincount(e_col[chosen], minlength=n_col)
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    cost: list[np.ndarray] = []

    def arcs(a: np.ndarray, b: np.ndarray, k: np.ndarray | float) -> None:
        src.append(np.asarray(a, dtype=np.int64))
        dst.append(np.asarray(b, dtype=np.int64))
        cost.append(np.broadcast_to(np.asarray(k, dtype=np.float64), np.shape(a)).copy())

    active = demand > 0
    open_need = np.flatnonzero(active & (flow_need < demand))
    busy_need = np.flatnonzero(flow_need > 0)
    arcs(np.full(len(open_need), s), need_node[open_need], 0.0)
    arcs(need_node[busy_need], np.full(len(busy_need), s), 0.0)
    unused = ~chosen
    arcs(need_node[e_need[unused]], col_node[e_col[unused]], -w[unused])
    arcs(col_node[e_col[chosen]], need_node[e_need[chosen]], w[chosen])
    open_col = np.flatnonzero(flow_col < col_cap)
    busy_col = np.flatnonzero(flow_col > 0)
    arcs(col_node[open_col], np.full(len(open_col), t), 0.0)
    arcs(np.full(len(busy_col), t), col_node[busy_col], 0.0)
    arcs(np.array([t]), np.array([s]), 0.0)
    if len(busy_need):
        arcs(np.array([s]), np.array([t]), 0.0)
    a, b, k = np.concatenate(src), np.concatenate(dst), np.concatenate(cost)
    order = np.argsort(b, kind="stable")
    a, b, k = a[order], b[order], k[order]
    targets, starts = np.unique(b, return_index=True)
    n_nodes = 2 + n_need + n_col
    dist = np.zeros(n_nodes)  # a virtual root reaches every node at cost 0
    for _ in range(n_nodes + 1):
        best = np.minimum.reduceat(dist[a] + k, starts)
        better = best < dist[targets] - _EPS
        if not better.any():
            u = np.maximum(0.0, dist[need_node] - dist[s])
            v = np.maximum(0.0, dist[s] - dist[col_node])
            return u, v
        dist[targets[better]] = best[better]
    return None  # pragma: no cover - a negative cycle: the primal was not optimal


def _highs(
    e_need: np.ndarray,
    e_col: np.ndarray,
    w: np.ndarray,
    demand: np.ndarray,
    col_cap: np.ndarray,
    columns: np.ndarray,
) -> Solution:  # pragma: no cover - fallback only
    from scipy.optimize import linprog
    from scipy.sparse import csc_matrix

    n_need, n_edge = len(demand), len(w)
    a = csc_matrix(
        (
            np.ones(2 * n_edge),
            (np.concatenate([e_need, n_need + e_col]), np.concatenate([np.arange(n_edge)] * 2)),
        ),
        shape=(n_need + len(col_cap), n_edge),
    )
    b = np.concatenate([demand, col_cap]).astype(np.float64)
    res = linprog(-w, A_ub=a, b_ub=b, bounds=(0.0, 1.0), method="highs-ds")
    if res.status != 0:
        raise RuntimeError(f"assignment LP failed: {res.message}")
    duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
    chosen = np.asarray(res.x) > 0.5
    return Solution(chosen, duals[:n_need], columns, duals[n_need:], float(w[chosen].sum()))
