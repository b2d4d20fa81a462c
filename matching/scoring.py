"""Scoring rules in scalar form, the per-need context, and the explanation of a match."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from matching.model import LEVELS, Candidate, NeedSpec, Reason, Weights
from matching.skills import SkillHit, SkillMatcher
from matching.text import normalize, segment

DEPTH = len(LEVELS)
# Proximity by the length of the common region-path prefix: same building (5) > grid > community >
# street > district. Indexed by that length.
PROXIMITY_BY_DEPTH: tuple[float, ...] = (0.0, 0.1, 0.3, 0.55, 0.8, 1.0)
PROXIMITY_REASONS: tuple[str | None, ...] = (
    None,
    None,
    "same_street",
    "same_community",
    "same_grid",
    "same_building",
)
# Coordinates: proximity falls linearly to 0 at this distance.
DISTANCE_SCALE_KM = 5.0
# With coordinates on both sides, a candidate also reaches a need within this radius of their
# reach level (district, street, community, grid, building).
RADIUS_KM: tuple[float, ...] = (30.0, 5.0, 2.0, 1.0, 0.3)
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
# Reliability: completion rate with a Beta(4, 1) prior (a newcomer counts as 80 % reliable over five
# tasks); a no-show counts as two failures.
PRIOR_COMPLETED = 4.0
PRIOR_TASKS = 5.0
NO_SHOW_COST = 2.0
RELIABLE_MIN_COMPLETED = 3
RELIABLE_MIN_RATE = 0.8
# Fairness saturates: half the credit after this many idle days.
IDLE_HALF_DAYS = 14.0
IDLE_REASON_DAYS = 14.0
# An organization of the requested category counts as a perfect skill match.
ORG_CATEGORY_SIMILARITY = 1.0
# Free-text bonus: rapidfuzz token_set_ratio above this floor scales to 0..1.
FREE_TEXT_FLOOR = 50.0


def reach_depth(reach: str) -> int:
    """Depth index (0 district .. 4 building) of a reach level; ValueError if unknown."""
    try:
        return LEVELS.index(reach)
    except ValueError:
        raise ValueError(f"unknown reach level {reach!r}; expected one of {LEVELS}") from None


def reliability(c: Candidate) -> float:
    """Bayesian-smoothed completion rate minus no-shows, in [0, 1]."""
    rate = (c.completed + PRIOR_COMPLETED - NO_SHOW_COST * c.no_shows) / (c.accepted + PRIOR_TASKS)
    return min(1.0, max(0.0, rate))


def fairness(c: Candidate) -> float:
    """Credit for being idle, saturating towards 1 (half after IDLE_HALF_DAYS)."""
    idle = max(0.0, c.idle_days)
    return idle / (idle + IDLE_HALF_DAYS)


def static_part(c: Candidate, w: Weights) -> float:
    """The need-independent weighted parts (reliability, fairness), the first summand of a score."""
    return w.reliability * reliability(c) + w.fairness * fairness(c)


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Number of leading region ids two paths share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def free_text_bonus(need_seg: str, cand_seg: str) -> float:
    """Weak bonus in [0, 1]: segmented need text vs a candidate's segmented free text."""
    if not need_seg or not cand_seg:
        return 0.0
    return max(0.0, (fuzz.token_set_ratio(need_seg, cand_seg) - FREE_TEXT_FLOOR) / FREE_TEXT_FLOOR)


def popcount(x: int) -> int:
    """Number of set bits."""
    return bin(x).count("1")


@dataclass(frozen=True)
class NeedContext:
    """What one need contributes to every candidate's score, computed once per need."""

    need: NeedSpec
    place: tuple[int, ...]  # the need's region path, at most DEPTH levels
    hits: tuple[SkillHit, ...]  # effective skills, best first
    certification: dict[str, str | None]  # skill code -> certification it needs
    seg: str  # segmented need text (free-text bonus)
    slot_mask: int  # 0: any time
    slot_count: int
    unavailable: bool  # the need names slots no candidate has ever offered
    km_x: float  # km per degree of longitude at the need's latitude (0 without coordinates)

    @property
    def has_geo(self) -> bool:
        """Whether the need has coordinates."""
        return self.need.lat is not None and self.need.lon is not None

    @property
    def filters_by_skill(self) -> bool:
        """Whether only skill holders (or orgs of the requested category) are eligible."""
        return bool(self.hits) or self.need.org_category is not None


def slot_bits(codes: Iterable[str]) -> dict[str, int]:
    """Bit of each slot code: the taxonomy's weekly slots first, then unknown codes sorted."""
    from matching.taxonomy import SLOTS

    bits = {code: i for i, code in enumerate(SLOTS)}
    for code in sorted(set(codes) - set(bits)):
        bits[code] = len(bits)
    if len(bits) > 63:
        raise ValueError("more than 63 distinct availability slot codes")
    return bits


def slot_mask(slots: frozenset[str], bits: dict[str, int]) -> int:
    """Bitmask of slot codes; codes missing from ``bits`` are ignored (nobody offers them)."""
    mask = 0
    for code in slots:
        bit = bits.get(code)
        if bit is not None:
            mask |= 1 << bit
    return mask


def need_context(need: NeedSpec, matcher: SkillMatcher, bits: dict[str, int]) -> NeedContext:
    """Infer the need's skills and precompute its masks and geometry."""
    mask = slot_mask(need.slots, bits)
    km_x = 0.0
    if need.lat is not None and need.lon is not None:
        km_x = math.cos(math.radians(need.lat)) * KM_PER_DEG_LON_EQUATOR
    return NeedContext(
        need=need,
        place=need.place[:DEPTH],
        hits=matcher.resolve(need.text, need.skills),
        certification=matcher.certification,
        seg=segment(normalize(need.text)),
        slot_mask=mask,
        slot_count=popcount(mask),
        unavailable=bool(need.slots) and not mask,
        km_x=km_x,
    )


def distance_km(ctx: NeedContext, lat: float, lon: float) -> float:
    """Equirectangular distance (city scale) from the need; the same arithmetic as the index's."""
    assert ctx.need.lat is not None and ctx.need.lon is not None
    dy = (lat - ctx.need.lat) * KM_PER_DEG_LAT
    dx = (lon - ctx.need.lon) * ctx.km_x
    return math.sqrt(dx * dx + dy * dy)


def best_hit(ctx: NeedContext, c: Candidate) -> SkillHit | None:
    """The candidate's best usable need skill (held, with the certification it requires)."""
    for hit in ctx.hits:
        if hit.code in c.skills:
            cert = ctx.certification.get(hit.code)
            if cert is None or cert in c.certifications:
                return hit
    return None


def org_category_match(ctx: NeedContext, c: Candidate) -> bool:
    """Whether the candidate is an organization of the category the need asks for."""
    cat = ctx.need.org_category
    return cat is not None and c.kind == "org" and c.category == cat


def first_slot(mask: int, names: Sequence[str]) -> str | None:
    """Code of the lowest set bit (the earliest slot in the week); ``names`` is indexed by bit."""
    if mask <= 0:
        return None
    return names[(mask & -mask).bit_length() - 1]


def slot_names(bits: dict[str, int]) -> tuple[str, ...]:
    """Slot codes indexed by their bit."""
    names = [""] * len(bits)
    for code, bit in bits.items():
        names[bit] = code
    return tuple(names)


def reasons_for(
    ctx: NeedContext, c: Candidate, names: Sequence[str], cmask: int, free_text: float
) -> tuple[Reason, ...]:
    """The explanation of a match, from the same rules that scored it."""
    out: list[Reason] = []
    hit = best_hit(ctx, c)
    if hit is not None:
        out.append(
            Reason(
                "skill",
                {
                    "skill": hit.code,
                    "phrase": hit.phrase,
                    "similarity": f"{hit.similarity:.2f}",
                },
            )
        )
    if org_category_match(ctx, c):
        out.append(Reason("org_category", {"category": str(c.category)}))
    if free_text > 0.0:
        out.append(Reason("free_text", {"text": c.free_text[:40], "score": f"{free_text:.2f}"}))
    depth = common_prefix(ctx.place, c.home[:DEPTH]) if ctx.place and c.home else 0
    key = PROXIMITY_REASONS[depth]
    if key is not None:
        out.append(Reason(key, {}))
    if ctx.has_geo and c.lat is not None and c.lon is not None:
        out.append(Reason("distance", {"km": f"{distance_km(ctx, c.lat, c.lon):.1f}"}))
    slot = first_slot(cmask & ctx.slot_mask, names)
    if slot is not None:
        out.append(Reason("available", {"slot": slot}))
    rel = reliability(c)
    if c.completed >= RELIABLE_MIN_COMPLETED and rel >= RELIABLE_MIN_RATE:
        out.append(Reason("reliable", {"completed": str(c.completed), "rate": f"{rel:.2f}"}))
    if c.idle_days >= IDLE_REASON_DAYS:
        out.append(Reason("idle", {"days": str(int(c.idle_days))}))
    return tuple(out)
