"""Finding service items by what a resident says ("陪老人看病" → 陪诊服务), Chinese and English.

The ranking is matching.understand's (catalog phrases weighted by rarity, synonyms and English
words from its lexicon, the words that decided it kept); this module feeds it the catalog rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from matching.taxonomy import load_skills
from matching.understand import CatalogEntry, NeedRanker, NeedReading, ranker_for
from storage.models import ServiceItem
from storage.repos import needs as needs_repo

LIMIT = 4  # choices shown; a fifth is "none of these"
MARGIN = 0.25  # items below this share of the best one's score are noise, not alternatives


@dataclass(frozen=True, slots=True)
class Hit:
    """A service item found for a query, its score, and the words of the query that decided it."""

    item: ServiceItem
    score: float
    words: tuple[str, ...] = ()


def entry(item: ServiceItem) -> CatalogEntry:
    """The plain-data view of a catalog row the ranker reads."""
    return CatalogEntry(
        item.code,
        item.name_zh,
        item.name_en,
        tuple(str(k) for k in item.keywords or ()),
        tuple(str(s) for s in item.skills or ()),
        item.handler or "volunteers",
    )


def ranker(items: Sequence[ServiceItem]) -> NeedRanker:
    """The shared ranker for these catalog rows."""
    return ranker_for([entry(item) for item in items], load_skills())


def read(text: str, items: Sequence[ServiceItem]) -> tuple[list[Hit], NeedReading]:
    """The items that fit a request best (best first), and the full reading of it."""
    reading = ranker(items).read(text, limit=LIMIT)
    by_code = {item.code: item for item in items}
    best = reading.items[0].score if reading.items else 0.0
    hits = [
        Hit(by_code[m.code], m.score, m.words)
        for m in reading.items
        if m.code in by_code and m.score >= best * MARGIN
    ]
    return hits, reading


def rank(text: str, items: Sequence[ServiceItem], limit: int = LIMIT) -> list[Hit]:
    """The items that fit a free-text request best, best first."""
    return read(text, items)[0][:limit]


async def search(session: AsyncSession, text: str, limit: int = LIMIT) -> list[ServiceItem]:
    """Service items for a request, best first (empty when nothing fits)."""
    return [hit.item for hit in rank(text, await needs_repo.service_items(session), limit)]
