"""Linli matching: pure, deterministic ranking and batch assignment of candidates to needs."""

from matching.batch import BatchResult, assign_batch, solve_batch
from matching.index import MatchIndex, rank
from matching.model import LEVELS, Candidate, Match, NeedSpec, Reason, SkillLike, Weights
from matching.reference import reference_loop_top
from matching.skills import SkillHit, SkillMatcher

__all__ = [
    "LEVELS",
    "BatchResult",
    "Candidate",
    "Match",
    "MatchIndex",
    "NeedSpec",
    "Reason",
    "SkillHit",
    "SkillLike",
    "SkillMatcher",
    "Weights",
    "assign_batch",
    "rank",
    "reference_loop_top",
    "solve_batch",
]
