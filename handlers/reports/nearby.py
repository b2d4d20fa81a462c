"""Where a report is and what it duplicates: the nearest place to a shared point, and open
reports of the same kind in the same grid that read alike (offered for "me too")."""

from __future__ import annotations

import math

from rapidfuzz import fuzz

from handlers.core.context import Ctx
from handlers.core.errors import InvalidInput
from handlers.reports.common import ACTIVE
from matching.text import normalize, segment
from storage.models import GridReport, Region
from storage.repos import reports as reports_repo

NEAR_DEGREES = 0.02  # the box searched around a shared point (about 2 km)
NEAR_METRES = 1500.0  # farther than this from every grid: not in our area
SIMILAR_MIN = 50.0
SIMILAR_SHOWN = 3
SAME_BUILDING_BONUS = 15.0  # the same building: more likely the same thing


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


async def place_at(ctx: Ctx, lat: float, lon: float) -> Region:
    """The building or grid nearest to a shared point; InvalidInput when none is near."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("reports.location_far")
    near = [
        (metres(lat, lon, r.lat, r.lon), r.level != "building", r.code, r)
        for r in await reports_repo.places_near(ctx.session, lat, lon, NEAR_DEGREES)
        if r.lat is not None and r.lon is not None
    ]
    near = [entry for entry in near if entry[0] <= NEAR_METRES]
    if not near:
        raise InvalidInput("reports.location_far")
    return min(near, key=lambda entry: entry[:3])[3]


def text_similarity(a: str, b: str) -> float:
    """How alike two report texts are, in [0, 100] (jieba words, then containment)."""
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return 0.0
    score = fuzz.token_set_ratio(segment(na), segment(nb))
    if min(len(na), len(nb)) >= 2:
        score = max(score, fuzz.partial_ratio(na, nb) * 0.9)
    return float(score)


async def similar(ctx: Ctx) -> list[GridReport]:
    """Open reports of the same category in the same grid that read alike, most alike first."""
    found = await reports_repo.in_grid(ctx.session, ctx.data["grid"], ctx.data["category"], ACTIVE)
    scored = []
    for report in found:
        if report.reporter_id == ctx.person.id:
            continue
        if await reports_repo.has_metoo(ctx.session, report.id, ctx.person.id):
            continue
        score = text_similarity(ctx.data["text"], report.text)
        if report.region_id == ctx.data["region"] and report.region_id != report.grid_id:
            score += SAME_BUILDING_BONUS
        if score >= SIMILAR_MIN:
            scored.append((score, report))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
    return [report for _, report in scored[:SIMILAR_SHOWN]]
