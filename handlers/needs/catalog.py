"""Finding service items by what a resident says ("陪老人看病" → 陪诊服务), Chinese-aware.

Every item is scored on its Chinese and English names and its keywords: `token_set_ratio` on
jieba words (word order free: 老人陪护 / 陪护老人) and `partial_ratio` (one phrase inside the
other). Both texts are NFKC-folded and lowercased first (full-width input matches too), and words
that say nothing about the service ("我想", "please", "help") are dropped from both sides, or
they would make every item look alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession

from matching.text import normalize, tokens
from storage.models import ServiceItem
from storage.repos import needs as needs_repo

MIN_SCORE = 55.0  # below this a field has at most a character or two in common with the query
MARGIN = 30.0  # items this far below the best one are noise, not alternatives
LIMIT = 4  # choices shown; a fifth is "none of these"
PARTIAL_FACTOR = 0.9  # containment counts a little less than the same words
MIN_PARTIAL = 2  # one shared character says nothing
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "the", "to", "for", "of", "with", "me", "my", "i", "we", "our", "and", "or", "in",
    "on", "at", "some", "someone", "somebody", "need", "needs", "want", "please", "help",
    "service", "services", "go", "get", "can", "could", "would", "like", "is", "be",
    "我", "想", "要", "需要", "请", "的", "了", "一下", "帮忙", "我们",
    "有人", "能", "可以", "找", "找人", "服务",
})
# fmt: on


@dataclass(frozen=True, slots=True)
class Hit:
    """A service item found for a query, with its score in [0, 100]."""

    item: ServiceItem
    score: float


def _fields(item: ServiceItem) -> Iterable[str]:
    yield item.name_zh
    yield item.name_en
    yield from (str(k) for k in item.keywords or ())


@lru_cache(maxsize=8192)
def words(text: str) -> str:
    """The meaningful words of a text, space-joined: jieba tokens, no stopwords, plain plurals."""
    kept = []
    for token in tokens(normalize(text)):
        if token in STOPWORDS:
            continue
        if token.isascii() and len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]  # "seniors" / "senior"
        kept.append(token)
    return " ".join(kept)


def field_score(query: str, field: str) -> float:
    """How well a query's words match one catalog text, in [0, 100]."""
    found = words(field)
    if not found or not query:
        return 0.0
    score = fuzz.token_set_ratio(query, found)
    if min(len(query), len(found)) >= MIN_PARTIAL:
        score = max(score, fuzz.partial_ratio(query, found) * PARTIAL_FACTOR)
    return float(score)


def rank(text: str, items: Sequence[ServiceItem], limit: int = LIMIT) -> list[Hit]:
    """The items that fit a free-text request best, best first."""
    query = words(text)
    if not query:
        return []
    scored = [
        Hit(item, max(field_score(query, field) for field in _fields(item))) for item in items
    ]
    scored = [hit for hit in scored if hit.score >= MIN_SCORE]
    if not scored:
        return []
    best = max(hit.score for hit in scored)
    scored = [hit for hit in scored if hit.score >= best - MARGIN]
    scored.sort(key=lambda hit: (-hit.score, hit.item.code))
    return scored[:limit]


async def search(session: AsyncSession, text: str, limit: int = LIMIT) -> list[ServiceItem]:
    """Service items for a request, best first (empty when nothing fits)."""
    return [hit.item for hit in rank(text, await needs_repo.service_items(session), limit)]
