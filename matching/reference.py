"""The reference ranking: a plain loop over every candidate, the benchmark's baseline and oracle.

Same rules as MatchIndex (the scalar forms in ``scoring``), the same arithmetic in the same order,
so the two agree exactly, ties included.
"""

from __future__ import annotations

from collections.abc import Sequence

from matching.model import Candidate, Match, NeedSpec, SkillLike, Weights
from matching.scoring import (
    DEPTH,
    DISTANCE_SCALE_KM,
    ORG_CATEGORY_SIMILARITY,
    PROXIMITY_BY_DEPTH,
    RADIUS_KM,
    NeedContext,
    best_hit,
    common_prefix,
    distance_km,
    free_text_bonus,
    need_context,
    org_category_match,
    popcount,
    reach_depth,
    reasons_for,
    slot_bits,
    slot_mask,
    slot_names,
    static_part,
)
from matching.skills import matcher_for
from matching.text import normalize, segment


def reference_score(
    ctx: NeedContext, c: Candidate, w: Weights, bits: dict[str, int]
) -> tuple[float, float] | None:
    """Hard constraints, then the score of one candidate: (score, free-text part) or None."""
    need = ctx.need
    if c.paused or c.load_this_week >= c.max_per_week:
        return None
    if c.offers_this_week >= w.max_offers_per_week or c.id in need.excluded:
        return None
    if not need.required_certifications <= c.certifications:
        return None
    skill = 0.0
    if ctx.filters_by_skill:
        hit = best_hit(ctx, c)
        if hit is not None:
            skill = hit.similarity
        if org_category_match(ctx, c):
            skill = max(skill, ORG_CATEGORY_SIMILARITY)
        if skill <= 0.0:
            return None
    cmask = slot_mask(c.slots, bits)
    if ctx.unavailable or (ctx.slot_mask != 0 and not cmask & ctx.slot_mask):
        return None
    depth = reach_depth(c.reach)
    tree_depth = 0
    km: float | None = None
    place, home = ctx.place, c.home[:DEPTH]
    reached = not place and not ctx.has_geo
    if place and home:
        tree_depth = common_prefix(place, home)
        required = min(depth, len(home) - 1, len(place) - 1) + 1
        reached = tree_depth >= required
    if ctx.has_geo and c.lat is not None and c.lon is not None:
        km = distance_km(ctx, c.lat, c.lon)
        reached = reached or km <= RADIUS_KM[depth]
    if not reached:
        return None
    proximity = PROXIMITY_BY_DEPTH[tree_depth]
    if km is not None:
        proximity = max(proximity, max(0.0, 1.0 - km / DISTANCE_SCALE_KM))
    availability = 1.0 if ctx.slot_mask == 0 else popcount(cmask & ctx.slot_mask) / ctx.slot_count
    ft = free_text_bonus(ctx.seg, segment(normalize(c.free_text))) if w.free_text > 0 else 0.0
    num = static_part(c, w) + w.skill * skill
    num = num + w.proximity * proximity
    num = num + w.availability * availability
    num = num + w.free_text * ft
    return num / w.total(), ft


def reference_loop_top(
    need: NeedSpec,
    candidates: Sequence[Candidate],
    skills: Sequence[SkillLike] | None = None,
    weights: Weights = Weights(),
    k: int = 10,
) -> list[Match]:
    """The straightforward per-candidate loop: the benchmark's baseline and the tests' oracle."""
    if skills is None:
        from matching.taxonomy import load_skills

        skills = load_skills()
    matcher = matcher_for(skills, weights.min_skill_similarity)
    bits = slot_bits({code for c in candidates for code in c.slots})
    names = slot_names(bits)
    ctx = need_context(need, matcher, bits)
    scored: list[tuple[float, int, Candidate, float]] = []
    for c in candidates:
        result = reference_score(ctx, c, weights, bits)
        if result is not None:
            scored.append((result[0], c.id, c, result[1]))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [
        Match(c.id, c.kind, score, reasons_for(ctx, c, names, slot_mask(c.slots, bits), ft))
        for score, _, c, ft in scored[: max(k, 0)]
    ]
