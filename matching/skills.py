"""Skill inference: need text against the taxonomy's names and synonyms, Chinese and English."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from matching.model import SkillLike
from matching.text import normalize, tokens

# A fuzzy (not exact) containment counts a little less than an exact one, so that a three-character
# phrase with one character wrong (修电脑 in 修电视) stays below the default threshold of 0.6.
PARTIAL_FACTOR = 0.85
# Inferred skills this far below the best one are dropped: once 扫雪 matched exactly, a fuzzy
# "cleaning" in the same English sentence is noise, not a second need.
RELATIVE_MARGIN = 0.25


@dataclass(frozen=True, slots=True)
class SkillHit:
    """A skill inferred for (or declared by) a need: code, similarity in [0, 1], matched phrase."""

    code: str
    similarity: float
    phrase: str


@dataclass(frozen=True, slots=True)
class _Phrase:
    code: str
    text: str  # as written in the taxonomy (returned as the matched phrase)
    norm: str
    token_set: frozenset[str]
    token_key: str  # sorted tokens, space-joined
    min_shared: float  # fewer shared characters than this cannot reach the threshold


def phrase_similarity(
    norm_text: str,
    text_tokens: frozenset[str],
    norm_phrase: str,
    phrase_tokens: frozenset[str],
    phrase_key: str,
) -> float:
    """Similarity in [0, 1] of one taxonomy phrase to a need text (both normalized).

    The best of: character containment (rapidfuzz ``partial_ratio``, the phrase inside the text),
    whole-string ``ratio`` when the text is shorter than the phrase, and word-order-free token
    containment on jieba words (the share of the phrase's words found in the text, scored with
    ``ratio`` on the sorted words: 老人陪护 / 陪护老人 → 1.0). Directed on purpose: a need text that
    is a fragment of a long phrase ("老人") must not match every phrase containing it.
    """
    if not norm_phrase or not norm_text:
        return 0.0
    if len(norm_phrase) <= len(norm_text):
        char = fuzz.partial_ratio(norm_phrase, norm_text) / 100.0
        if char < 1.0:
            char *= PARTIAL_FACTOR
    else:
        char = fuzz.ratio(norm_phrase, norm_text) / 100.0
    word = 0.0
    shared = phrase_tokens & text_tokens
    if shared:
        if len(shared) == len(phrase_tokens):
            word = 1.0
        else:
            word = fuzz.ratio(" ".join(sorted(shared)), phrase_key) / 100.0
    return max(char, word)


class SkillMatcher:
    """Infers taxonomy skills from free text; built once per taxonomy (a few thousand phrases)."""

    def __init__(self, skills: Sequence[SkillLike], min_similarity: float = 0.6) -> None:
        """Index every name and synonym of ``skills`` (normalized and segmented)."""
        if not 0.0 < min_similarity <= 1.0:
            raise ValueError("min_similarity must be in (0, 1]")
        self.min_similarity = min_similarity
        self.certification: dict[str, str | None] = {}
        self.names: dict[str, str] = {}
        # Safe character prefilter: every scorer above is a ratio 2·M/(len_a + len_b) over matched
        # characters M, so reaching threshold t needs M ≥ t/(2-t) of the phrase's characters.
        q = min_similarity / (2.0 - min_similarity)
        phrases: list[_Phrase] = []
        for skill in skills:
            self.certification[skill.code] = skill.certification
            self.names[skill.code] = skill.zh
            seen: set[str] = set()
            for raw in (skill.zh, skill.en, *skill.synonyms_zh, *skill.synonyms_en):
                norm = normalize(raw)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                toks = tokens(norm)
                tset = frozenset(toks)
                word_chars = sum(len(t) for t in tset)
                min_shared = min(q * len(norm), q * word_chars - (1.0 - q) * max(len(tset) - 1, 0))
                phrases.append(
                    _Phrase(skill.code, raw, norm, tset, " ".join(sorted(tset)), min_shared - 1e-9)
                )
        self._phrases = tuple(phrases)
        vocab: dict[str, int] = {}
        for p in phrases:
            for ch in p.norm:
                vocab.setdefault(ch, len(vocab))
        self._vocab = vocab
        # char × phrase occurrence counts; summing the rows of a text's distinct characters gives an
        # upper bound of the shared-character count of every phrase at once.
        counts = np.zeros((max(len(vocab), 1), max(len(phrases), 1)), dtype=np.int16)
        for j, p in enumerate(phrases):
            for ch in p.norm:
                counts[vocab[ch], j] += 1
        self._counts = counts
        self._lengths = np.array([len(p.norm) for p in phrases] or [0], dtype=np.int64)
        self._min_shared = np.array([p.min_shared for p in phrases] or [0.0], dtype=np.float64)
        self._cache: OrderedDict[str, tuple[SkillHit, ...]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def phrase_count(self) -> int:
        """Number of distinct (skill, phrase) pairs indexed."""
        return len(self._phrases)

    def _candidates(self, norm_text: str) -> np.ndarray:
        cols = sorted({self._vocab[ch] for ch in norm_text if ch in self._vocab})
        if not cols or not self._phrases:
            return np.empty(0, dtype=np.intp)
        shared = self._counts[cols].sum(axis=0, dtype=np.int32)
        return np.flatnonzero(shared >= self._min_shared)

    def match(self, text: str) -> tuple[SkillHit, ...]:
        """Skills whose best phrase reaches ``min_similarity``, best first (ties by code)."""
        norm = normalize(text)
        with self._lock:
            hit = self._cache.get(norm)
            if hit is not None:
                self._cache.move_to_end(norm)
                return hit
        result = self._match_uncached(norm)
        with self._lock:
            self._cache[norm] = result
            if len(self._cache) > 4096:
                self._cache.popitem(last=False)
        return result

    def _match_uncached(self, norm: str) -> tuple[SkillHit, ...]:
        # The same scores as ``phrase_similarity``, computed with one rapidfuzz call per scorer
        # over the phrases that survive the prefilter.
        picked = self._candidates(norm)
        if not len(picked):
            return ()
        text_tokens = frozenset(tokens(norm))
        phrases = self._phrases
        sims = np.zeros(len(picked), dtype=np.float64)
        lengths = self._lengths[picked]
        for scorer, part in ((fuzz.partial_ratio, lengths <= len(norm)), (fuzz.ratio, None)):
            where = np.flatnonzero(part if part is not None else lengths > len(norm))
            if not len(where):
                continue
            choices = [phrases[j].norm for j in picked[where].tolist()]
            raw = process.cdist([norm], choices, scorer=scorer, dtype=np.float64)[0] / 100.0
            if scorer is fuzz.partial_ratio:
                raw = np.where(raw < 1.0, raw * PARTIAL_FACTOR, raw)
            sims[where] = raw
        best: dict[str, tuple[float, str]] = {}
        for pos, j in enumerate(picked.tolist()):
            p = phrases[j]
            sim = float(sims[pos])
            shared = p.token_set & text_tokens
            if shared:
                if len(shared) == len(p.token_set):
                    sim = max(sim, 1.0)
                elif sim < 1.0:
                    sim = max(sim, fuzz.ratio(" ".join(sorted(shared)), p.token_key) / 100.0)
            if sim >= self.min_similarity and sim > best.get(p.code, (-1.0, ""))[0]:
                best[p.code] = (sim, p.text)
        return _ranked(best)

    def match_unfiltered(self, text: str) -> tuple[SkillHit, ...]:
        """Like ``match`` but scoring every phrase (no prefilter); for tests of the prefilter."""
        norm = normalize(text)
        text_tokens = frozenset(tokens(norm))
        best: dict[str, tuple[float, str]] = {}
        for p in self._phrases:
            sim = phrase_similarity(norm, text_tokens, p.norm, p.token_set, p.token_key)
            if sim >= self.min_similarity and sim > best.get(p.code, (-1.0, ""))[0]:
                best[p.code] = (sim, p.text)
        return _ranked(best)

    def resolve(self, text: str, declared: frozenset[str]) -> tuple[SkillHit, ...]:
        """The need's skills: declared codes at similarity 1.0, else inferred from its text."""
        if not declared:
            return self.match(text)
        inferred = {h.code: h.phrase for h in self.match(text)} if text else {}
        return tuple(
            SkillHit(code, 1.0, inferred.get(code, self.names.get(code, code)))
            for code in sorted(declared)
        )


def _ranked(best: dict[str, tuple[float, str]]) -> tuple[SkillHit, ...]:
    top = max((sim for sim, _ in best.values()), default=0.0)
    hits = [
        SkillHit(code, sim, phrase)
        for code, (sim, phrase) in best.items()
        if sim >= top - RELATIVE_MARGIN
    ]
    hits.sort(key=lambda h: (-h.similarity, h.code))
    return tuple(hits)


_MATCHERS: OrderedDict[tuple[tuple[SkillLike, ...], float], SkillMatcher] = OrderedDict()
_MATCHERS_LOCK = threading.Lock()


def matcher_for(skills: Sequence[SkillLike], min_similarity: float) -> SkillMatcher:
    """A shared SkillMatcher for this taxonomy and threshold (a few kept, built once each)."""
    key = (tuple(skills), float(min_similarity))
    try:
        hash(key)
    except TypeError:  # unhashable skill objects: no sharing
        return SkillMatcher(skills, min_similarity)
    with _MATCHERS_LOCK:
        found = _MATCHERS.get(key)
        if found is not None:
            _MATCHERS.move_to_end(key)
            return found
    matcher = SkillMatcher(skills, min_similarity)
    with _MATCHERS_LOCK:
        _MATCHERS[key] = matcher
        while len(_MATCHERS) > 8:
            _MATCHERS.popitem(last=False)
    return matcher
