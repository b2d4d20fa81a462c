"""From a resident's sentence to catalog items and skills, with the words that decided it.

Built once per catalog (plain data in): every item's names, keywords and the names and synonyms
of its skills become weighted terms — the whole phrase, and its jieba words. A term's weight is
its rarity over the catalog (idf: "老人" or "服务" is in many items and says little), scaled
down for generic words and settings ("低保户", "糖尿病": who asks, not what for) and up for
actions ("修", "捐", "陪"). A sentence is matched by containment, not segmentation, so phrases
split apart in the sentence (情绪…疏导) still count through their character pairs, and the
lexicon adds synonyms and the Chinese words of English ones first. No I/O, no clock.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from matching.model import SkillLike
from matching.text import normalize, tokenizer, tokens

from .lexicon import Lexicon
from .lexicon import default as default_lexicon

GENERIC_FACTOR = 0.08
SETTING_FACTOR = 0.45
ACTION_FACTOR = 1.35
SKILL_PHRASE_FACTOR = 0.6  # a phrase of one of the item's skills counts less than its own words
SUBWORD_FACTOR = 0.75  # a word cut from a phrase counts less than the whole phrase
PAIR_MIN_COVER = 0.6  # share of a phrase's character pairs that must be in the sentence
PAIR_FACTOR = 0.8  # and then it counts this much of an exact match
MIN_SCORE = 0.9  # below this nothing was really understood
RANK_DECAY = (1.0, 0.45, 0.25)  # how much the 1st, 2nd, 3rd item lend their skills
_ASCII_WORD = re.compile(r"[a-z][a-z'-]*")
_EN_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "for",
        "of",
        "with",
        "me",
        "my",
        "i",
        "we",
        "our",
        "and",
        "or",
        "in",
        "on",
        "at",
        "some",
        "someone",
        "need",
        "needs",
        "want",
        "please",
        "help",
        "service",
        "services",
        "go",
        "get",
        "can",
        "could",
        "would",
        "like",
        "is",
        "be",
        "it",
        "this",
        "that",
        "from",
        "by",
        "up",
        "who",
        "how",
        "do",
        "does",
        "his",
        "her",
        "their",
        "your",
        "you",
        "its",
        "has",
        "have",
        "not",
        "no",
        "all",
        "any",
        "one",
    ]
)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One catalog item as plain data: what the ranker needs and nothing else."""

    code: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    handler: str = "volunteers"


@dataclass(frozen=True, slots=True)
class ItemMatch:
    """A ranked catalog item: its code, score, and the sentence's words that decided it."""

    code: str
    score: float
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NeedReading:
    """What a need sentence asks for: items and skills best first, and how sure that is."""

    items: tuple[ItemMatch, ...]
    skills: tuple[str, ...]
    sentence_skills: tuple[str, ...]  # skills the sentence itself names, whatever the item
    confidence: float  # in [0, 1]


@dataclass(slots=True)
class _Term:
    text: str
    ascii: bool
    pairs: frozenset[str]
    items: dict[int, float]  # item index -> weight in that item
    skills: dict[str, float]


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """The Snowball (Porter 2) stem of an English word: "leaking", "leaks" → "leak"."""
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _pairs(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _gapped_pairs(text: str) -> frozenset[str]:
    """Characters one apart ("填张表" → "填表"): a word split by a measure word or particle."""
    return frozenset(
        text[i] + text[i + 2] for i in range(len(text) - 2) if not text[i + 1].isspace()
    )


def _spans_said(sentence: str, words: list[str]) -> tuple[str, ...]:
    """The deciding words as the stretches of the sentence they cover, words that overlap or
    touch joined ("帮忙买" and "买菜" → "帮忙买菜"), in the sentence's order; a split phrase
    ("情绪…疏导") or a word found only elsewhere after them, unless what they say is shown."""
    found: list[tuple[int, int]] = []
    rest: list[str] = []
    for word in words:
        start = sentence.find(word) if "…" not in word else -1
        if start < 0:
            rest.append(word)
        else:
            found.append((start, start + len(word)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    shown = [sentence[a:b] for a, b in merged]
    rest = [
        word
        for word in rest
        if not all(any(part in other for other in shown) for part in word.split("…"))
    ]
    return tuple(dict.fromkeys(shown + rest))


def _said_as(sentence: str, added: dict[str, str], term: str) -> str:
    """A term the sentence holds as it said it, or else the word that brought the lexicon's
    addition holding it ("手机" for 智能 in 智能手机, added for 手机)."""
    if term in sentence:
        return term
    return next((variant for canonical, variant in added.items() if term in canonical), term)


def _said_of(sentence: str, added: dict[str, str], entry: _Term) -> str:
    """What the sentence said of a phrase it holds only in part: its runs made of the phrase's
    character pairs ("帮忙买" of 帮忙买药 in 帮忙买菜送上门; "情绪…疏导" of 情绪疏导), else the
    words that brought the lexicon's additions holding them, else a pair one apart with what
    stands between ("填张表" for 填表). Shown to the volunteer as what decided the match."""
    runs = _runs(sentence, entry.pairs) or [
        variant for canonical, variant in added.items() if _runs(canonical, entry.pairs)
    ]
    if runs:
        return "…".join(dict.fromkeys(runs))
    gapped = next(
        (i for i in range(len(sentence) - 2) if sentence[i] + sentence[i + 2] in entry.pairs),
        None,
    )
    return sentence[gapped : gapped + 3] if gapped is not None else entry.text


def _runs(text: str, pairs: frozenset[str]) -> list[str]:
    """The stretches of `text` made only of character pairs in `pairs`, two characters or more."""
    runs, start = [], 0
    while start < len(text) - 1:
        end = start
        while end + 1 < len(text) and text[end : end + 2] in pairs:
            end += 1
        if end > start:
            runs.append(text[start : end + 1])
        start = end + 1
    return runs


def _word_cuts(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """Where jieba's words start and end in a text."""
    starts, ends = set(), set()
    for _, start, end in tokenizer().tokenize(text):
        starts.add(start)
        ends.add(end)
    return frozenset(starts), frozenset(ends)


def _spans(text: str, term: str) -> list[tuple[int, int]]:
    found, at = [], text.find(term)
    while at >= 0:
        found.append((at, at + len(term)))
        at = text.find(term, at + 1)
    return found


def _whole(text: str, term: str, cuts: tuple[frozenset[int], frozenset[int]]) -> bool:
    """Whether a two-character term occurs without cutting a word of the text in two.

    jieba's words settle what a two-character term means ("老人" in 老人家 but not in 告诉老
    人家…); longer terms are specific enough, and jieba may cut them wrongly (领养|老金).
    """
    if len(term) > 2:
        return True
    starts, ends = cuts
    at = text.find(term)
    while at >= 0:
        end = at + len(term)
        inside = not any(at < cut < end for cut in starts)
        if (at in starts and end in ends) or inside:
            return True
        at = text.find(term, at + 1)
    return False


class NeedRanker:
    """Ranks catalog items and skills for need sentences; build once, call `read` per sentence."""

    def __init__(
        self,
        catalog: Sequence[CatalogEntry],
        skills: Sequence[SkillLike] = (),
        lexicon: Lexicon | None = None,
    ) -> None:
        """Index the catalog's phrases and the phrases of the skills it uses."""
        self.lexicon = lexicon or default_lexicon()
        self.entries = tuple(catalog)
        by_code = {skill.code: skill for skill in skills}
        raw: dict[str, dict[tuple[str, int | str], float]] = defaultdict(dict)

        def add(phrase: str, owner: int | str, factor: float) -> None:
            norm = normalize(phrase)
            if not norm:
                return
            key: tuple[str, int | str] = ("i", owner) if isinstance(owner, int) else ("s", owner)
            for term, weight in self._terms_of(norm):
                raw[term][key] = max(raw[term].get(key, 0.0), weight * factor)

        for index, entry in enumerate(self.entries):
            for phrase in (entry.name_zh, entry.name_en, *entry.keywords):
                add(phrase, index, 1.0)
            for code in entry.skills:
                skill = by_code.get(code)
                if skill is None:
                    continue
                for phrase in (skill.zh, skill.en, *skill.synonyms_zh, *skill.synonyms_en):
                    add(phrase, index, SKILL_PHRASE_FACTOR)
        for skill in skills:
            for phrase in (skill.zh, skill.en, *skill.synonyms_zh, *skill.synonyms_en):
                add(phrase, skill.code, 1.0)
        count = max(len(self.entries), 1)
        self._terms: list[_Term] = []
        for text, owners in raw.items():
            df = sum(1 for kind, _ in owners if kind == "i") or 1
            idf = math.log(1.0 + count / df)
            factor = self._class_factor(text)
            pairs = frozenset() if text.isascii() else _pairs(text)
            term = _Term(text, text.isascii(), pairs, {}, {})
            for (kind, owner), weight in owners.items():
                if kind == "i":
                    term.items[int(owner)] = weight * idf * factor
                else:
                    term.skills[str(owner)] = weight * factor
            self._terms.append(term)
        # character pair -> terms holding it, for phrases split apart or with a typo
        self._by_pair: dict[str, list[int]] = defaultdict(list)
        self._ascii_terms: dict[str, list[int]] = defaultdict(list)
        self._zh_terms: list[int] = []
        for position, term in enumerate(self._terms):
            if term.ascii:
                self._ascii_terms[term.text.split()[0]].append(position)
            else:
                self._zh_terms.append(position)
                for pair in term.pairs:
                    self._by_pair[pair].append(position)

    def _terms_of(self, norm: str) -> Iterable[tuple[str, float]]:
        """The terms of one catalog phrase: itself and its words, with their share of weight."""
        if norm.isascii():
            words = [_stem(w) for w in _ASCII_WORD.findall(norm) if w not in _EN_STOP]
            for word in words:
                if len(word) >= 3:
                    yield word, 1.0
            return
        if len(norm) >= 2:
            yield norm, 1.0
        for token in tokens(norm):
            if token != norm and len(token) >= 2 and not token.isascii():
                yield token, SUBWORD_FACTOR

    def _class_factor(self, term: str) -> float:
        lex = self.lexicon
        if term in lex.generic:
            return GENERIC_FACTOR
        if term in lex.setting:
            return SETTING_FACTOR
        if any(action in term for action in lex.action) and term not in lex.action:
            return ACTION_FACTOR
        return 1.0

    def _matches(self, text: str) -> tuple[list[tuple[int, float, str]], dict[str, str]]:
        """(term, credit, sentence words) for every term the sentence holds, and expansions."""
        norm = normalize(text)
        expanded, added = self.lexicon.expand(norm)
        cuts = _word_cuts(expanded)
        spans: dict[int, list[tuple[int, int]]] = {}
        for position in self._zh_terms:
            term = self._terms[position].text
            if term in expanded:
                spans[position] = _spans(expanded, term)
        found: list[tuple[int, float, str]] = []
        for position, mine in spans.items():
            size = len(self._terms[position].text)
            beaten = [
                any(
                    b - a > size and a < end and start < b and not (a <= start and end <= b)
                    for other, theirs in spans.items()
                    if other != position
                    for a, b in theirs
                )
                for start, end in mine
            ]
            term = self._terms[position].text
            if not all(beaten) and _whole(expanded, term, cuts):
                # "领养" in 领养老金 loses to 养老金, the longer reading
                found.append((position, 1.0, _said_as(norm, added, term)))
        exact = {position for position, _, _ in found}
        # phrases whose character pairs are mostly there: split apart, or misspelled
        sentence_pairs = _pairs(expanded) | _gapped_pairs(expanded)
        counts: dict[int, int] = defaultdict(int)
        for pair in sentence_pairs:
            for position in self._by_pair.get(pair, ()):
                counts[position] += 1
        for position, shared in counts.items():
            entry = self._terms[position]
            if position in exact or entry.text in expanded:  # whole, or refused for a reason
                continue
            if len(entry.text) < 2 or (shared < 2 and len(entry.text) > 2):
                continue
            cover = shared / len(entry.pairs)
            if cover >= PAIR_MIN_COVER:
                found.append((position, PAIR_FACTOR * cover, _said_of(norm, added, entry)))
        words = {_stem(w) for w in _ASCII_WORD.findall(expanded) if w not in _EN_STOP}
        for word in words:
            for position in self._ascii_terms.get(word, ()):
                found.append((position, 1.0, word))
        return found, added

    def read(self, text: str, limit: int = 5) -> NeedReading:
        """Items and skills for a sentence, best first (empty when nothing was understood)."""
        found, _ = self._matches(text)
        # A term inside a longer term that matched for the same item says nothing more.
        found.sort(key=lambda entry: -len(self._terms[entry[0]].text))
        scores: dict[int, float] = defaultdict(float)
        why: dict[int, list[str]] = defaultdict(list)
        covered: dict[int, dict[str, float]] = defaultdict(dict)
        direct: dict[str, float] = defaultdict(float)
        for position, credit, word in found:
            term = self._terms[position]
            for index, weight in term.items.items():
                gain = weight * credit
                outer = next((t for t in covered[index] if term.text in t), None)
                if outer is not None:  # inside a longer term of this item: the better of the two
                    if gain <= covered[index][outer]:
                        continue
                    scores[index] += gain - covered[index][outer]
                    covered[index][outer] = gain
                else:
                    if credit >= 1.0:  # only a term said as such covers the words inside it
                        covered[index][term.text] = gain
                    scores[index] += gain
                if word not in why[index]:
                    why[index].append(word)
            for code, weight in term.skills.items():
                direct[code] = max(direct[code], weight * credit)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], self.entries[pair[0]].code))
        ranked = [(index, score) for index, score in ranked if score >= MIN_SCORE][:limit]
        norm = normalize(text)
        items = tuple(
            ItemMatch(self.entries[index].code, round(score, 3), _spans_said(norm, why[index]))
            for index, score in ranked
        )
        sentence_skills = tuple(
            code
            for code, weight in sorted(direct.items(), key=lambda p: (-p[1], p[0]))
            if weight >= 0.75
        )
        return NeedReading(
            items,
            self._skills(ranked, direct),
            sentence_skills,
            _confidence([score for _, score in ranked]),
        )

    def _skills(self, ranked: list[tuple[int, float]], direct: dict[str, float]) -> tuple[str, ...]:
        """Skills best first: those of the top items, lifted by what the sentence names."""
        score: dict[str, float] = defaultdict(float)
        top = ranked[0][1] if ranked else 1.0
        for (index, item_score), decay in zip(ranked, RANK_DECAY, strict=False):
            for order, code in enumerate(self.entries[index].skills):
                score[code] += decay * (item_score / top) * (1.0 - 0.1 * order)
        for code, weight in direct.items():
            if weight >= 0.75:
                score[code] += 0.5 * weight
        return tuple(code for code, _ in sorted(score.items(), key=lambda p: (-p[1], p[0])))


def _confidence(scores: list[float]) -> float:
    """How sure the first item is, in [0, 1]: a strong score well ahead of the second."""
    if not scores:
        return 0.0
    first = scores[0]
    second = scores[1] if len(scores) > 1 else 0.0
    strength = min(first / 4.0, 1.0)
    lead = (first - second) / first if first else 0.0
    return round(strength * (0.5 + 0.5 * lead), 3)


_RANKERS: OrderedDict[tuple[tuple[CatalogEntry, ...], tuple[SkillLike, ...]], NeedRanker] = (
    OrderedDict()
)
_RANKERS_LOCK = threading.Lock()


def ranker_for(catalog: Sequence[CatalogEntry], skills: Sequence[SkillLike]) -> NeedRanker:
    """A shared ranker for this catalog and taxonomy (a few kept; built once each, ~0.4 s)."""
    key = (tuple(catalog), tuple(skills))
    with _RANKERS_LOCK:
        found = _RANKERS.get(key)
        if found is not None:
            _RANKERS.move_to_end(key)
            return found
    ranker = NeedRanker(catalog, skills)
    with _RANKERS_LOCK:
        _RANKERS[key] = ranker
        while len(_RANKERS) > 4:
            _RANKERS.popitem(last=False)
    return ranker
