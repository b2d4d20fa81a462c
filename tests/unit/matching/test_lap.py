"""The exact b-matching solver: an optimal primal and duals that certify it (vs HiGHS)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csc_matrix

from matching.lap import solve


def _random(seed: int) -> tuple[np.ndarray, ...]:
    rng = random.Random(seed)
    n_need, n_cand = rng.randint(1, 12), rng.randint(1, 15)
    pairs = sorted(
        {(rng.randrange(n_need), rng.randrange(n_cand)) for _ in range(rng.randint(1, 60))}
    )
    e_need = np.array([p[0] for p in pairs])
    e_row = np.array([p[1] for p in pairs]) * 3 + 1  # sparse candidate rows
    # Few distinct scores, so ties are common.
    w = np.array([rng.choice((0.2, 0.5, 0.5, 0.75, 1.0)) * rng.choice((1, 1, 0.9)) for _ in pairs])
    demand = np.array([rng.choice((0, 1, 1, 2, 3)) for _ in range(n_need)])
    cap = np.array([rng.choice((1, 1, 2, 4)) for _ in range(3 * n_cand + 2)])
    return e_need, e_row, w, demand, cap


def _lp_optimum(
    e_need: np.ndarray, e_row: np.ndarray, w: np.ndarray, demand: np.ndarray, cap: np.ndarray
) -> float:
    cols, e_col = np.unique(e_row, return_inverse=True)
    n, m = len(demand), len(w)
    a = csc_matrix(
        (np.ones(2 * m), (np.concatenate([e_need, n + e_col]), np.concatenate([np.arange(m)] * 2))),
        shape=(n + len(cols), m),
    )
    res = linprog(-w, A_ub=a, b_ub=np.concatenate([demand, cap[cols]]), bounds=(0, 1))
    return -float(res.fun)


@pytest.mark.parametrize("seed", range(150))
def test_optimal_and_certified(seed: int) -> None:
    e_need, e_row, w, demand, cap = _random(seed)
    sol = solve(e_need, e_row, w, demand, cap)
    chosen = sol.chosen
    # Feasible.
    assert (np.bincount(e_need[chosen], minlength=len(demand)) <= demand).all()
    used = np.bincount(e_row[chosen], minlength=len(cap))
    assert (used <= cap).all()
    # Optimal: equals the LP optimum (the LP is integral).
    assert sol.objective == pytest.approx(_lp_optimum(e_need, e_row, w, demand, cap), abs=1e-9)
    # The duals are feasible and their objective equals the primal (strong duality).
    v = np.zeros(len(cap))
    v[sol.columns] = sol.v
    assert (sol.u >= 0).all() and (sol.v >= 0).all()
    z = np.maximum(0.0, w - sol.u[e_need] - v[e_row])
    assert (z[~chosen] <= 1e-9).all()  # unused pairs need no bound dual
    dual = demand @ sol.u + cap[sol.columns] @ sol.v + z.sum()
    assert dual == pytest.approx(sol.objective, abs=1e-9)
