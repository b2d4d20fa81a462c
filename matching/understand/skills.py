"""Skills named in a person's own words ("会开车的，还有懂急救的", "driving, first aid").

The one reader for typed skills: volunteer sign-up and the broadcast audience filter both use
it. Each piece between separators ("，", "、", "还有", "and") is matched against the taxonomy's
names and synonyms, so a piece nothing matches can be named back to the person. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from matching.model import SkillLike
from matching.skills import matcher_for
from matching.text import fold, normalize, tokens
from matching.understand import lexicon as lexicons

# Stricter than need inference: a typed "abc" must not add "Arabic".
TYPED_MIN_SIMILARITY = 0.75
_CJK = re.compile(r"[\u3400-\u9fff]")
# Single characters that carry no skill: what is left of "我也会修电脑" once 修电脑 is read.
_FILLER_CHARS = frozenset("我你他她也还会懂能有的都要可以擅长熟悉一点些行人过")
STEM = 4  # "drive" is covered by "driving"
# Within one piece only the best readings count: "sign language" is not also "language teaching".
PIECE_MARGIN = 0.1
_PIECES = re.compile(r"\s*(?:[,，、;；/。]+|还有|以及|和|或者|\band\b|\bor\b)\s*")
_FILLERS = re.compile(
    r"^(?:我|还|也|都|要|会|懂|能|可以|擅长|熟悉|有|i\s+can|can|good\s+at)+"
    r"|(?:的人|的志愿者|的|一点|一些|也行|都行)+$"
)


# English words around the skills in a sentence ("people who can drive and know first aid"):
# not named back as unknown skills.
_EN_FILLERS = frozenset(
    "a an the and or also too i i'm im am is are be can could will would who that which people"  # noqa: SIM905
    " person someone anyone those these them they we us our my me to with at in on of for from"
    " do does did know knows good able help helping happy like love have has having volunteer"
    " volunteers some any".split()
)


@dataclass(frozen=True, slots=True)
class TypedSkills:
    """Skill codes named, in the order written, and the pieces that named nothing."""

    codes: tuple[str, ...]
    unknown: tuple[str, ...]


def pieces(text: str) -> list[str]:
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
        if not _FILLERS.fullmatch(w)
        and len(w) > 1
        and w[:STEM] not in stems
        and w not in _EN_FILLERS
    )


def typed_skills(text: str, skills: Sequence[SkillLike]) -> TypedSkills:
    """The skills a typed answer names, piece by piece, and the pieces that named none.

    A piece is read by the taxonomy's names and synonyms; what else it says ("周末可以开车送
    老人去医院": the weekend, the hospital) does not stop it, except when the piece is only a
    word before the phrase, a thing of its own: "扫地机器人" is no science education for its
    "机器人". A piece they do not read is read through the understanding lexicon: "shopping" and
    "帮忙买菜" give 买菜, which names errands; "tap" gives 水管, which names plumbing.
    """
    matcher = matcher_for(skills, TYPED_MIN_SIMILARITY)
    codes: list[str] = []
    unknown: list[str] = []
    for piece in pieces(text):
        core = _FILLERS.sub("", piece).strip()
        if not core:
            continue
        hits = matcher.match(piece) or matcher.match(core) or matcher.match(_singular(core))
        if hits:
            best = max(hit.similarity for hit in hits)
            hits = tuple(hit for hit in hits if hit.similarity >= best - PIECE_MARGIN)
        phrases = [fold(hit.phrase).lower() for hit in hits]
        if hits and _compound(core, phrases):
            unknown.append(piece)
            continue
        if hits:
            codes += [hit.code for hit in hits]
            rest = _leftover(core, phrases)
            unknown += rest.split() if rest and not _CJK.search(rest) else []
            continue
        named = _by_lexicon(piece, skills)
        if named:
            codes += named
        else:
            unknown.append(piece)
    return TypedSkills(tuple(dict.fromkeys(codes)), tuple(unknown))


# Words before a phrase that say what the person does, not what kind of thing it is.
_VERBS = frozenset(
    "喜欢 爱 爱好 擅长 熟悉 会 能 懂 可以 愿意 想 帮忙 帮 帮助 协助 提供 参与 参加 从事 负责"  # noqa: SIM905
    " 指导 做 做过 学过 干过 教 陪 给".split()
)


def _compound(core: str, phrases: list[str]) -> bool:
    """Whether the piece is one word and a phrase after it, a thing of its own ("扫地机器人")."""
    for phrase in phrases:
        if _CJK.search(phrase) and core.endswith(phrase) and core != phrase:
            head = [w for w in tokens(normalize(core[: -len(phrase)])) if w not in _VERBS]
            if len(head) == 1 and head[0] == core[: -len(phrase)].strip():
                return True
    return False


def _singular(piece: str) -> str:
    """English words without a plural or -ing ending ("fixing computers" → "fix computer")."""
    if _CJK.search(piece):
        return piece
    out = []
    for word in piece.split():
        if len(word) > 5 and word.endswith("ing"):
            word = word[:-3]
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return " ".join(out)


def _by_lexicon(piece: str, skills: Sequence[SkillLike]) -> list[str]:
    """Skills named through the understanding lexicon's words: each word the lexicon adds for
    the piece (or its English without endings) that is a word of one skill's names alone."""
    lexicon = lexicons.default()
    index = _skill_words(tuple(skills))
    named: list[str] = []
    for variant in dict.fromkeys((normalize(piece), normalize(_singular(piece)))):
        _, added = lexicon.expand(variant)
        for canonical in added:
            owners = index.get(canonical, ())
            if len(owners) == 1:
                named.append(owners[0])
    return list(dict.fromkeys(named))


@lru_cache(maxsize=4)
def _skill_words(skills: tuple[SkillLike, ...]) -> dict[str, tuple[str, ...]]:
    """Each Chinese word of the skills' names and synonyms (and each whole phrase) → its skills."""
    owners: dict[str, list[str]] = {}
    for skill in skills:
        for phrase in (skill.zh, *skill.synonyms_zh):
            norm = normalize(phrase)
            for word in {norm, *tokens(norm)}:
                if len(word) >= 2 and skill.code not in owners.setdefault(word, []):
                    owners[word].append(skill.code)
    return {word: tuple(codes) for word, codes in owners.items()}
