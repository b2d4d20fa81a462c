"""Plain data types of the matching engine: candidates, needs, matches, reasons and weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

LEVELS: tuple[str, ...] = ("district", "street", "community", "grid", "building")
KINDS: tuple[str, ...] = ("volunteer", "org")


class SkillLike(Protocol):
    """What the engine reads from a taxonomy skill (``matching.taxonomy.Skill`` satisfies it)."""

    @property
    def code(self) -> str: ...
    @property
    def zh(self) -> str: ...
    @property
    def en(self) -> str: ...
    @property
    def synonyms_zh(self) -> tuple[str, ...]: ...
    @property
    def synonyms_en(self) -> tuple[str, ...]: ...
    @property
    def certification(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """A volunteer or an organization that may be offered a need."""

    id: int
    kind: str  # "volunteer" | "org"
    skills: frozenset[str]  # taxonomy codes
    free_text: str  # free-text skills ("" if none)
    home: tuple[int, ...]  # region path; for an org, the region it serves
    reach: str  # "building" | "grid" | "community" | "street" (| "district"): how far they go
    slots: frozenset[str]  # weekly availability slot codes
    certifications: frozenset[str] = frozenset()
    paused: bool = False
    load_this_week: int = 0
    max_per_week: int = 3
    offers_this_week: int = 0
    offered: int = 0
    accepted: int = 0
    completed: int = 0
    no_shows: int = 0
    idle_days: float = 30.0  # days since last task (fairness)
    lat: float | None = None
    lon: float | None = None
    capacity: int = 1  # concurrent assignments in a batch (orgs > 1)
    category: str | None = None  # orgs: life_service, charity, culture_sports, mediation, ...


@dataclass(frozen=True, slots=True)
class NeedSpec:
    """One service need to be matched."""

    id: int
    text: str  # service item name + keywords + the resident's notes
    skills: frozenset[str] = frozenset()  # required codes; empty: inferred from text
    place: tuple[int, ...] = ()  # region path where the service happens (empty: anywhere)
    slots: frozenset[str] = frozenset()  # slots the time window covers (empty: any time)
    required_certifications: frozenset[str] = frozenset()
    excluded: frozenset[int] = frozenset()  # candidate ids that declined or timed out
    org_category: str | None = None  # better served by an organization of this category
    lat: float | None = None
    lon: float | None = None
    volunteers_needed: int = 1  # how many candidates assign_batch gives this need


@dataclass(frozen=True, slots=True)
class Reason:
    """One machine-readable reason for a match; the caller renders it from its catalog."""

    key: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    """A ranked candidate for a need, with its score in [0, 1] and the reasons behind it."""

    candidate_id: int
    kind: str
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Weights:
    """Scoring configuration; parts are normalized by their sum, so scores stay in [0, 1]."""

    skill: float = 0.45
    proximity: float = 0.2
    availability: float = 0.15
    reliability: float = 0.1
    fairness: float = 0.1
    free_text: float = 0.05  # weak bonus: need text vs the candidate's free-text skills
    max_offers_per_week: int = 5  # fairness cap
    min_skill_similarity: float = 0.6

    def total(self) -> float:
        """Sum of the part weights (the score's denominator)."""
        total = (
            self.skill
            + self.proximity
            + self.availability
            + self.reliability
            + self.fairness
            + self.free_text
        )
        if total <= 0:
            raise ValueError("weights must sum to a positive number")
        return total
