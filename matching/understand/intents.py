"""What a message outside any flow is about: a need, a grid report, a proposal, and so on.

Cue phrases per intent are data (intents.csv); the need intent also counts how well the catalog
ranker understood the message, so "家里水管漏了" is a need without any cue word. When the two best
intents are close, the caller asks one short question with them as the choices.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matching.text import normalize

CUES = Path(__file__).with_name("intents.csv")
INTENTS = (
    "emergency",  # someone hurt or in danger: the emergency numbers, before anything else
    "need",
    "report",
    "proposal",
    "volunteer",
    "activities",
    "my_items",
    "help",
    "human",
    "greeting",
)
NEED_WEIGHT = 3.5  # a clearly understood need counts as much as a strong cue
NEED_FULL = 4.0  # catalog score at which a need is clearly understood
EXPLICIT = 2.5  # a cue this strong names a flow
OUTVOTED = 0.6  # the catalog's share of the need score when another flow is named
EXTRA_CUE = 0.5  # each further cue of the same intent adds a little
MIN_SCORE = 1.4  # below this the message was not understood
SURE_MIN = 2.5  # and score at least this: one weak catalog word is not enough to act on
SURE_RATIO = 1.5  # the best intent must be this far ahead of the second to act without asking
GREETING_MAX_CHARS = 12  # a greeting is short; a longer message is about something else
_ASCII_WORDS = re.compile(r"[a-z][a-z'-]*")


@dataclass(frozen=True, slots=True)
class IntentReading:
    """The likely intents of a message, best first, and whether the best one is sure."""

    choices: tuple[tuple[str, float], ...]  # (intent, score), best first, score > 0
    sure: bool
    cues: tuple[str, ...]  # the words that decided the best intent

    @property
    def intent(self) -> str | None:
        """The best intent, or None when nothing was understood."""
        return self.choices[0][0] if self.choices else None


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[str, float, str], ...]:
    rows = []
    with CUES.open(encoding="utf-8") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(lines):
            for cue in row["cues"].split(";"):
                if cue.strip():
                    rows.append((row["intent"], float(row["weight"]), normalize(cue)))
    rows.sort(key=lambda r: -len(r[2]))
    return tuple(rows)


def classify(text: str, need_score: float = 0.0) -> IntentReading:
    """The intents of a message; `need_score` is the catalog ranker's best score for it."""
    norm = normalize(text)
    padded = " " + " ".join(_ASCII_WORDS.findall(norm)) + " "
    found: dict[str, list[tuple[float, str]]] = defaultdict(list)
    taken: list[str] = []
    for intent, weight, cue in _cues():
        if cue.isascii():
            hit = f" {cue} " in padded
        else:
            hit = cue in norm and not any(cue in longer for longer in taken)
        if hit:
            found[intent].append((weight, cue))
            if not cue.isascii():
                taken.append(cue)
    scores: dict[str, float] = {}
    for intent, hits in found.items():
        hits.sort(reverse=True)
        scores[intent] = hits[0][0] + EXTRA_CUE * (len(hits) - 1)
    if need_score > 0:
        # An explicit word for another flow ("建议", "报事", "我的…") says what the person wants
        # to do; the catalog match then only says what it is about.
        explicit = any(s >= EXPLICIT for i, s in scores.items() if i not in ("need", "greeting"))
        understood = NEED_WEIGHT * min(need_score / NEED_FULL, 1.0)
        scores["need"] = scores.get("need", 0.0) + understood * (OUTVOTED if explicit else 1.0)
    if "greeting" in scores and (len(norm) > GREETING_MAX_CHARS or len(scores) > 1):
        scores["greeting"] = min(scores["greeting"], 1.0)  # "你好，我家水管漏了" is a need
    ranked = sorted(
        ((i, round(s, 3)) for i, s in scores.items() if s > 0),
        key=lambda pair: (-pair[1], INTENTS.index(pair[0])),
    )
    if not ranked or ranked[0][1] < MIN_SCORE:
        return IntentReading(tuple(ranked), False, ())
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    sure = ranked[0][1] >= SURE_MIN and ranked[0][1] >= SURE_RATIO * second
    best = ranked[0][0]
    cues = tuple(cue for _, cue in found.get(best, ()))
    return IntentReading(tuple(ranked), sure, cues)
