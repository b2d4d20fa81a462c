"""Skills named in a person's own words ("会开车的，还有懂急救的", "driving, first aid").

The one reader for typed skills: volunteer sign-up and the broadcast audience filter both use
it. Each piece between separators ("，", "、", "还有", "and") is matched against the taxonomy's
names and synonyms, so a piece nothing matches can be named back to the person. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from matching.model import SkillLike
from matching.skills import matcher_for
from matching.text import fold

# Stricter than need inference: a typed "abc" must not add "Arabic".
TYPED_MIN_SIMILARITY = 0.75
_CJK = re.compile(r"[\u3400-\u9fff]")
# Single characters that carry no skill: what is left of "我也会修电脑" once 修电脑 is read.
_FILLER_CHARS = frozenset("我你他她也还会懂能有的都要可以擅长熟悉一点些行人过")
STEM = 4  # "drive" is covered by "driving"
MEANINGFUL_CHARS = 2  # this much Chinese left uncovered makes a piece unread
# Within one piece only the best readings count: "sign language" is not also "language teaching".
PIECE_MARGIN = 0.1
_PIECES = re.compile(r"\s*(?:[,，、;；/。]+|还有|以及|和|或者|\band\b|\bor\b)\s*")
_FILLERS = re.compile(
    r"^(?:我|还|也|都|要|会|懂|能|可以|擅长|熟悉|有|i\s+can|can|good\s+at)+"
    r"|(?:的人|的志愿者|的|一点|一些|也行|都行)+$"
)


@dataclass(frozen=True, slots=True)
class TypedSkills:
    """Skill codes named, in the order written, and the pieces that named nothing."""

    codes: tuple[str, ...]
    unknown: tuple[str, ...]


def _pieces(text: str) -> list[str]:
    """The pieces of a typed answer; Chinese pieces are cut at spaces too ("会开车 懂急救")."""
    out: list[str] = []
    for piece in (p.strip() for p in _PIECES.split(fold(text).lower())):
        out += piece.split() if _CJK.search(piece) else [piece]
    return [piece for piece in out if piece]


def _leftover(piece: str, phrases: list[str]) -> str:
    """What of a piece no matched phrase and no filler covers ("扫地" of "扫地机器人")."""
    for phrase in sorted(phrases, key=len, reverse=True):
        piece = piece.replace(phrase, " ")
    if _CJK.search(piece):
        return "".join(ch for ch in piece if _CJK.match(ch) and ch not in _FILLER_CHARS)
    stems = {word[:STEM] for phrase in phrases for word in phrase.split()}
    return " ".join(
        w
        for w in piece.split()
        if not _FILLERS.fullmatch(w) and len(w) > 1 and w[:STEM] not in stems
    )


def typed_skills(text: str, skills: Sequence[SkillLike]) -> TypedSkills:
    """The skills a typed answer names, piece by piece, and the pieces that named none.

    A piece counts only when its matched phrases cover it, so "扫地机器人" is not read as
    science education for its "机器人".
    """
    matcher = matcher_for(skills, TYPED_MIN_SIMILARITY)
    codes: list[str] = []
    unknown: list[str] = []
    for piece in _pieces(text):
        core = _FILLERS.sub("", piece).strip()
        if not core:
            continue
        hits = matcher.match(piece) or matcher.match(core)
        if hits:
            best = max(hit.similarity for hit in hits)
            hits = tuple(hit for hit in hits if hit.similarity >= best - PIECE_MARGIN)
        phrases = [fold(hit.phrase).lower() for hit in hits]
        rest = _leftover(core, phrases)
        if not hits or (len(rest) >= MEANINGFUL_CHARS and _CJK.search(rest)):
            unknown.append(piece)
            continue
        codes += [hit.code for hit in hits]
        unknown += rest.split() if rest and not _CJK.search(rest) else []
    return TypedSkills(tuple(dict.fromkeys(codes)), tuple(unknown))
