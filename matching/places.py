"""Where a typed place is: "劲松一区106号楼南侧" against the buildings and grids of the region tree.

Pure: the caller passes the places (id, name, and the names above it) and gets them ranked with
a score in [0, 100]. Names are compared by containment either way (rapidfuzz `partial_ratio`
after NFKC folding), so "106号楼" finds "劲松一区106号楼" and "劲松一区106号楼南侧" does too. House
numbers decide: a place whose name carries a number the text does not (105 for 106) is ruled out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from matching.text import normalize

_NUMBER = re.compile(r"\d+")
_NOISE = re.compile(r"[\s,，。.、:：;；!！?？()（）\-—]+")
SURE = 90.0  # at or above, and clearly ahead of the next: taken without asking
CLOSE = 60.0  # below this a place is not offered at all
AHEAD = 5.0  # how far the best must lead the second to be taken without asking
NUMBERED = 95.0  # the name's numbered part ("106号楼") found in the text without its estate
CONTEXT_BONUS = 5.0  # per name above the place (community, grid) found in the text


@dataclass(frozen=True, slots=True)
class Place:
    """A building or grid as the resolver sees it: its name and the names above it."""

    id: int
    name: str
    context: tuple[str, ...] = ()  # e.g. ("劲松北社区", "第一网格")
    building: bool = True


@dataclass(frozen=True, slots=True)
class Resolved:
    """The places a text may mean, best first, and whether the best is sure enough to take."""

    ranked: tuple[tuple[Place, float], ...]
    sure: bool

    @property
    def best(self) -> Place | None:
        """The best place, or None when nothing came close."""
        return self.ranked[0][0] if self.ranked else None


def _clean(text: str) -> str:
    return _NOISE.sub("", normalize(text))


def score(text: str, place: Place) -> float:
    """How well a typed text names a place (100: contained, more with its community named);
    0 when a house number disagrees."""
    typed = _clean(text)
    name = _clean(place.name)
    if not typed or not name:
        return 0.0
    numbers = set(_NUMBER.findall(name))
    if numbers and not numbers <= set(_NUMBER.findall(typed)):
        return 0.0
    best = float(fuzz.partial_ratio(name, typed))
    digit = next((i for i, c in enumerate(name) if c.isdigit()), None)
    if digit is not None and len(name) - digit >= 2 and name[digit:] in typed:
        best = max(best, NUMBERED)  # "106号楼门口": the numbered part of "劲松一区106号楼"
    if len(name) < 3 and name not in typed:  # a two-character name matches too much by chance
        best *= 0.6
    for above in place.context:  # "劲松北社区第一网格": the community tells two 第一网格 apart
        above = _clean(above)
        if above and above in typed:
            best += CONTEXT_BONUS
    return best


def resolve(text: str, places: list[Place], shown: int = 3) -> Resolved:
    """The places a text may name, best first (buildings before grids on a tie)."""
    scored = [(place, score(text, place)) for place in places]
    kept = [(p, s) for p, s in scored if s >= CLOSE]
    kept.sort(key=lambda pair: (-pair[1], not pair[0].building, pair[0].id))
    ranked = tuple(kept[:shown])
    sure = bool(ranked) and ranked[0][1] >= SURE
    if sure and len(ranked) > 1 and ranked[0][1] - ranked[1][1] < AHEAD:
        sure = False
    return Resolved(ranked, sure)
