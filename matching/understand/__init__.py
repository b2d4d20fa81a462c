"""Understanding residents' own words: needs to catalog items and skills, intents, dates and counts.

Pure: plain text and plain data in, ranked results with the deciding words out; no I/O, no clock.
"""

from __future__ import annotations

from .intents import IntentReading, classify
from .lexicon import Lexicon
from .needs import CatalogEntry, ItemMatch, NeedRanker, NeedReading, ranker_for

__all__ = [
    "CatalogEntry",
    "IntentReading",
    "ItemMatch",
    "Lexicon",
    "NeedRanker",
    "NeedReading",
    "classify",
    "ranker_for",
]
