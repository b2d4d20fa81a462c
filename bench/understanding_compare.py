"""The alternatives the understanding benchmark measures side by side (bench_understanding.py).

Each is a ranker `text -> three item codes` over the same demo catalog: the naive baseline
(rapidfuzz WRatio over names and keywords), other rapidfuzz scorers, rapidfuzz after our synonym
lexicon has expanded the sentence, our ranker without the lexicon (jieba and the catalog's own
words, weighted), and the full ranker. Pure functions; the caller times them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from matching.text import normalize, tokens
from matching.understand import CatalogEntry, Lexicon, NeedRanker
from matching.understand.lexicon import default as default_lexicon

Rank = Callable[[str], list[str]]


def fuzzy(catalog: Sequence[CatalogEntry], scorer: object, expand: bool = False) -> Rank:
    """rapidfuzz `process.extract` with `scorer` over names and keywords, best field per item;
    with `expand`, the sentence first gets the lexicon's canonical words (our synonyms)."""
    choices: list[str] = []
    owners: list[str] = []
    for entry in catalog:
        for field in (entry.name_zh, entry.name_en, *entry.keywords):
            choices.append(field)
            owners.append(entry.code)
    lexicon = default_lexicon()

    def rank(text: str) -> list[str]:
        query = text
        if expand:
            query = lexicon.expand(normalize(text))[0]
        found = process.extract(query, choices, scorer=scorer, limit=30)  # type: ignore[call-overload]
        codes: list[str] = []
        for _, _, index in found:
            if owners[index] not in codes:
                codes.append(owners[index])
        return codes[:3]

    return rank


def tokens_then_fuzzy(catalog: Sequence[CatalogEntry]) -> Rank:
    """jieba tokens joined by spaces, then rapidfuzz token_set_ratio."""
    base = fuzzy(catalog, fuzz.token_set_ratio)
    return lambda text: base(" ".join(tokens(text)))


def ranker(
    catalog: Sequence[CatalogEntry], skills: Sequence[object], lexicon: Lexicon | None
) -> Rank:
    """Our ranker, with the shipped lexicon (None) or the one given."""
    built = NeedRanker(catalog, skills, lexicon)  # type: ignore[arg-type]
    return lambda text: [m.code for m in built.read(text).items[:3]]


def alternatives(catalog: Sequence[CatalogEntry], skills: Sequence[object]) -> dict[str, Rank]:
    """Every alternative measured, by the name the table shows."""
    return {
        "rapidfuzz WRatio, names+keywords (baseline)": fuzzy(catalog, fuzz.WRatio),
        "rapidfuzz partial_ratio": fuzzy(catalog, fuzz.partial_ratio),
        "jieba tokens + rapidfuzz token_set_ratio": tokens_then_fuzzy(catalog),
        "rapidfuzz WRatio + our synonym lexicon": fuzzy(catalog, fuzz.WRatio, expand=True),
        "our ranker (jieba, idf), no lexicon": ranker(catalog, skills, Lexicon()),
        "our ranker + lexicon (shipped)": ranker(catalog, skills, None),
    }


def measure(rank: Rank, rows: Sequence[Sequence[str]]) -> tuple[float, float]:
    """hit@3 in percent and the median milliseconds per sentence over need rows."""
    hits, times = 0, []
    for row in rows:
        items, text = set(row[2].split(";")), row[4]
        start = time.perf_counter()
        codes = rank(text)
        times.append(time.perf_counter() - start)
        hits += bool(set(codes) & items)
    return round(100 * hits / max(len(rows), 1), 1), round(statistics.median(times) * 1000, 2)
