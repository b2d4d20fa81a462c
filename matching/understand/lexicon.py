"""The understanding lexicon: synonyms, English words and word weights, read from lexicon.csv.

Data, not code: a line `syn,书法,毛笔字;练字` makes "毛笔字" in a sentence count as "书法" too; `en`
lines do the same for English words (to the Chinese word the catalog uses); `generic`, `setting`
and `action` lines list words that count for much less, less, or more when they decide a match.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matching.text import normalize

LEXICON = Path(__file__).with_name("lexicon.csv")
_ASCII_WORD = re.compile(r"[a-z][a-z'-]*")


@dataclass(frozen=True)
class Lexicon:
    """Synonym expansions and word classes, all normalized (NFKC, lowercase)."""

    expansions: tuple[tuple[str, str], ...] = ()  # (variant, canonical), longest variant first
    generic: frozenset[str] = frozenset()
    setting: frozenset[str] = frozenset()
    action: frozenset[str] = frozenset()
    _ascii: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def expand(self, norm: str) -> tuple[str, dict[str, str]]:
        """The text with the canonical words of the variants it holds appended, and where from.

        Chinese variants match as substrings; English ones as whole words (so "ice" is not
        found in "office"). The second value maps each added word to the variant that brought it.
        """
        added: dict[str, str] = {}
        words = (
            set(_ASCII_WORD.findall(norm))
            if norm.isascii() or any(c.isascii() and c.isalpha() for c in norm)
            else set()
        )
        padded = f" {' '.join(_ASCII_WORD.findall(norm))} " if words else ""
        for variant, canonical in self.expansions:
            if canonical in added or canonical in norm:
                continue
            if not variant.isascii():
                found = variant in norm
            elif " " in variant:
                found = f" {variant} " in padded
            else:
                found = variant in words
            if found:
                added[canonical] = variant
        if not added:
            return norm, added
        return norm + " " + " ".join(added), added


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        yield from csv.DictReader(lines)


def load(path: Path = LEXICON) -> Lexicon:
    """Read a lexicon file (see the module docstring for its lines)."""
    expansions: list[tuple[str, str]] = []
    classes: dict[str, set[str]] = {"generic": set(), "setting": set(), "action": set()}
    for row in _rows(path):
        kind = row["kind"].strip()
        variants = [normalize(v) for v in row["variants"].split(";") if v.strip()]
        if kind in classes:
            classes[kind].update(variants)
        else:
            canonical = normalize(row["canonical"])
            expansions.extend((variant, canonical) for variant in variants if variant)
    expansions.sort(key=lambda pair: -len(pair[0]))
    return Lexicon(
        tuple(expansions),
        frozenset(classes["generic"]),
        frozenset(classes["setting"]),
        frozenset(classes["action"]),
    )


@lru_cache(maxsize=1)
def default() -> Lexicon:
    """The lexicon shipped with the package."""
    return load()
