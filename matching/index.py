"""MatchIndex: candidates as numpy columns plus inverted indexes, for fast vectorized top-k."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from matching.columns import DEPTH, build_columns
from matching.model import Candidate, Match, NeedSpec, SkillLike, Weights
from matching.scoring import (
    DISTANCE_SCALE_KM,
    FREE_TEXT_FLOOR,
    KM_PER_DEG_LAT,
    ORG_CATEGORY_SIMILARITY,
    PROXIMITY_BY_DEPTH,
    NeedContext,
    need_context,
    reasons_for,
    slot_bits,
    slot_names,
)
from matching.skills import SkillMatcher, matcher_for

_PROXIMITY = np.array(PROXIMITY_BY_DEPTH, dtype=np.float64)
_EMPTY_ROWS = np.empty(0, dtype=np.int64)
_EMPTY_F = np.empty(0, dtype=np.float64)

if hasattr(np, "bitwise_count"):

    def _popcount(a: np.ndarray) -> np.ndarray:
        return np.bitwise_count(a).astype(np.int64)

else:  # numpy < 2.0
    _BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)

    def _popcount(a: np.ndarray) -> np.ndarray:
        as_bytes = np.ascontiguousarray(a, dtype=np.int64).view(np.uint8).reshape(-1, 8)
        return _BYTE_BITS[as_bytes].sum(axis=1)


@dataclass(frozen=True, slots=True)
class Eligible:
    """Rows passing every hard constraint for one need, with their scores before the bonus."""

    rows: np.ndarray  # int64 candidate rows
    num: np.ndarray  # float64 weighted sum without the free-text part (divide by total weight)


def _take(values: np.ndarray | float, keep: np.ndarray) -> np.ndarray | float:
    return values[keep] if isinstance(values, np.ndarray) else values


def top_rows(score: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best scores, best first, ties by ascending id."""
    m = len(score)
    if m > k:
        kth = np.partition(score, m - k)[m - k]
        pool = np.flatnonzero(score >= kth)
    else:
        pool = np.arange(m)
    order = np.lexsort((ids[pool], -score[pool]))[:k]
    return pool[order]


class MatchIndex:
    """Candidates indexed for repeated, fast ranking of needs (pure; rebuild when data changes)."""

    def __init__(
        self,
        candidates: Sequence[Candidate],
        skills: Sequence[SkillLike] | None = None,
        weights: Weights = Weights(),
    ) -> None:
        """Build the columns and inverted indexes (about 1 s per 100,000 candidates)."""
        if skills is None:
            from matching.taxonomy import load_skills

            skills = load_skills()
        self.weights = weights
        self.skills: tuple[SkillLike, ...] = tuple(skills)
        self.matcher: SkillMatcher = matcher_for(self.skills, weights.min_skill_similarity)
        cands = tuple(candidates)
        self.candidates = cands
        self.bits = slot_bits({code for c in cands for code in c.slots})
        self._slot_names = slot_names(self.bits)
        self._c = build_columns(cands, weights, self.bits)
        self.ids = self._c.ids
        self.capacity = self._c.capacity

    def __len__(self) -> int:
        """Number of indexed candidates."""
        return len(self.candidates)

    def context(self, need: NeedSpec) -> NeedContext:
        """The need's inferred skills and masks against this index's taxonomy and slots."""
        return need_context(need, self.matcher, self.bits)

    def rows_of(self, ids: Collection[int]) -> np.ndarray:
        """Rows of the given candidate ids (unknown ids are skipped)."""
        if not ids or not len(self._c.sorted_ids):
            return _EMPTY_ROWS
        want = np.fromiter(ids, dtype=np.int64, count=len(ids))
        pos = np.searchsorted(self._c.sorted_ids, want)
        pos = np.minimum(pos, len(self._c.sorted_ids) - 1)
        found = self._c.sorted_ids[pos] == want
        return np.asarray(self._c.id_order[pos[found]], dtype=np.int64)

    def eligible(self, ctx: NeedContext) -> Eligible:
        """Apply the hard constraints and score the survivors (all but the free-text bonus)."""
        need, w = ctx.need, self.weights
        if ctx.unavailable or not len(self.candidates):
            return Eligible(_EMPTY_ROWS, _EMPTY_F)
        # Skill (or org category) first, through the inverted index: rows already exclude paused,
        # full and over-offered candidates. ``skill`` is a scalar when one code decides.
        rows, skill = self._skill_rows_for(ctx)
        if need.excluded and len(rows):
            keep = ~np.isin(rows, self.rows_of(need.excluded))
            rows, skill = rows[keep], _take(skill, keep)
        for cert in need.required_certifications:
            col = self._c.cert_cols.get(cert)
            if col is None:
                return Eligible(_EMPTY_ROWS, _EMPTY_F)
            keep = col[rows]
            rows, skill = rows[keep], _take(skill, keep)
        if ctx.slot_mask:
            overlap = self._c.slots[rows] & ctx.slot_mask
            keep = overlap != 0
            rows, skill, overlap = rows[keep], _take(skill, keep), overlap[keep]
        place = need.place[:DEPTH]
        prox: np.ndarray | float = 0.0
        if place or ctx.has_geo:
            reached = np.zeros(len(rows), dtype=bool)
            tree = np.zeros(len(rows), dtype=np.int64)
            if place:
                # Common prefix length, narrowing level by level (most rows drop at the street).
                alive = np.arange(len(rows))
                for level, region in enumerate(place):
                    alive = alive[self._c.home[level][rows[alive]] == region]
                    if not len(alive):
                        break
                    tree[alive] = level + 1
                required = np.minimum(self._c.eff[rows], len(place) - 1).astype(np.int64) + 1
                reached = tree >= required
            near = _PROXIMITY[tree]
            if ctx.has_geo:
                assert need.lat is not None and need.lon is not None
                dy = (self._c.lat[rows] - need.lat) * KM_PER_DEG_LAT
                dx = (self._c.lon[rows] - need.lon) * ctx.km_x
                km = np.sqrt(dx * dx + dy * dy)  # NaN where the candidate has no coordinates
                reached |= km <= self._c.radius[rows]
                near = np.fmax(near, np.maximum(0.0, 1.0 - km / DISTANCE_SCALE_KM))
            rows, skill, prox = rows[reached], _take(skill, reached), near[reached]
            if ctx.slot_mask:
                overlap = overlap[reached]
        num = self._c.static[rows] + w.skill * skill
        num = num + w.proximity * prox
        if ctx.slot_mask:
            num = num + w.availability * (_popcount(overlap) / ctx.slot_count)
        else:
            num = num + w.availability * 1.0
        return Eligible(rows, num)

    def _skill_rows_for(self, ctx: NeedContext) -> tuple[np.ndarray, np.ndarray | float]:
        if not ctx.filters_by_skill:
            return self._c.ok_rows, 0.0
        parts: list[tuple[np.ndarray, float]] = []
        for hit in ctx.hits:
            rows = self._c.skill_rows.get(hit.code)
            if rows is None:
                continue
            cert = ctx.certification.get(hit.code)
            if cert is not None:
                col = self._c.cert_cols.get(cert)
                if col is None:
                    continue
                rows = rows[col[rows]]
            parts.append((rows, hit.similarity))
        category = ctx.need.org_category
        if category is not None and category in self._c.org_rows:
            parts.append((self._c.org_rows[category], ORG_CATEGORY_SIMILARITY))
        if not parts:
            return _EMPTY_ROWS, 0.0
        if len(parts) == 1:
            return parts[0]
        # Several codes: a row's skill part is its best similarity among them.
        all_rows = np.concatenate([r for r, _ in parts])
        all_sim = np.concatenate([np.full(len(r), sim) for r, sim in parts])
        order = np.lexsort((-all_sim, all_rows))
        all_rows, all_sim = all_rows[order], all_sim[order]
        first = np.ones(len(all_rows), dtype=bool)
        first[1:] = all_rows[1:] != all_rows[:-1]
        return all_rows[first], all_sim[first]

    def has_free_text(self, rows: np.ndarray) -> np.ndarray:
        """Whether each row has free-text skills (so may earn the bonus)."""
        return np.asarray(self._c.has_ft[rows], dtype=bool)

    def free_text(self, ctx: NeedContext, rows: np.ndarray) -> np.ndarray:
        """Free-text bonus in [0, 1] for the given rows (rapidfuzz, only on the rows asked for)."""
        out = np.zeros(len(rows), dtype=np.float64)
        if not ctx.seg or not len(rows):
            return out
        has = self._c.has_ft[rows]
        pos = np.flatnonzero(has)
        if len(pos):
            raw = process.cdist(
                [ctx.seg],
                self._c.ft_seg[rows[pos]].tolist(),
                scorer=fuzz.token_set_ratio,
                dtype=np.float64,
            )[0]
            out[pos] = np.maximum(0.0, (raw - FREE_TEXT_FLOOR) / FREE_TEXT_FLOOR)
        return out

    def scored(self, ctx: NeedContext, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows, exact scores and free-text parts, exact at least for everything in the top k."""
        el = self.eligible(ctx)
        total = self.weights.total()
        score = el.num / total
        ft = np.zeros(len(el.rows), dtype=np.float64)
        wft = self.weights.free_text
        if wft > 0 and ctx.seg and len(el.rows):
            has = self._c.has_ft[el.rows]
            if has.any():
                m = len(score)
                kth = np.partition(score, m - k)[m - k] if m > k else -np.inf
                # Only rows whose score plus the largest possible bonus can still reach the k-th
                # best need the fuzzy comparison; the others cannot enter the top k.
                pick = np.flatnonzero(has & (score + wft / total + 1e-12 >= kth))
                if len(pick):
                    ft[pick] = self.free_text(ctx, el.rows[pick])
                    score[pick] = (el.num[pick] + wft * ft[pick]) / total
        return el.rows, score, ft

    def top(self, need: NeedSpec, k: int = 10) -> list[Match]:
        """Hard constraints, then score; the k best, best first, ties by candidate id."""
        if k <= 0:
            return []
        ctx = self.context(need)
        rows, score, ft = self.scored(ctx, k)
        if not len(rows):
            return []
        best = top_rows(score, self.ids[rows], k)
        out: list[Match] = []
        for pos in best.tolist():
            row = int(rows[pos])
            c = self.candidates[row]
            why = reasons_for(ctx, c, self._slot_names, int(self._c.slots[row]), float(ft[pos]))
            out.append(Match(c.id, c.kind, float(score[pos]), why))
        return out

    def explain_need(self, need: NeedSpec) -> list[tuple[str, float, str]]:
        """The skills used for the need: (code, similarity, matched phrase), best first."""
        return [(h.code, h.similarity, h.phrase) for h in self.context(need).hits]


def rank(
    need: NeedSpec,
    candidates: Sequence[Candidate],
    skills: Sequence[SkillLike] | None = None,
    weights: Weights = Weights(),
    k: int = 10,
) -> list[Match]:
    """Rank candidates for one need (builds a throwaway index; keep a MatchIndex for repeats)."""
    return MatchIndex(candidates, skills, weights).top(need, k)
