"""Benchmark of the skills volunteers type in their own words (matching/understand/skills.py).

Run ``python bench/bench_typed_skills.py [--results PATH] [--misses]``. Reads
bench/data/volunteer_skills.tsv (sentences a volunteer might type at sign-up, Chinese and
English, with the skills each names; "dev" lines were looked at while tuning, "held" lines never)
and measures, per split:

- `read_pct`: sentences of which every named skill was found (any of its alternatives);
- `slot_recall_pct`: named skills found, over all named;
- `precision_pct`: skills found that the sentence names, over all found;
- `nothing_pct`: sentences that got "no skill close to …" (nothing found at all).

Beside it, in the same run, a naive baseline: each piece of the sentence (cut at the same
separators) matched with ``rapidfuzz``'s WRatio against every skill's names and synonyms, the
best skill taken when it scores 80 or more. Prints one table and merges the figures into
bench/results.json (`typed_skills_*`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from bench.results import merge  # noqa: E402
from matching.model import SkillLike  # noqa: E402
from matching.taxonomy import load_skills  # noqa: E402
from matching.understand.skills import pieces, typed_skills  # noqa: E402

DATA = ROOT / "bench" / "data" / "volunteer_skills.tsv"
DEFAULT_RESULTS = ROOT / "bench" / "results.json"
SPLITS = ("all", "dev", "held")
BASELINE_CUTOFF = 80


def labelled() -> list[tuple[str, str, list[set[str]], str]]:
    """(split, language, the skills named — each a set of alternatives —, text) per line."""
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        split, lang, expected, text = line.split("\t")
        rows.append((split, lang, [set(slot.split("|")) for slot in expected.split(";")], text))
    return rows


def baseline(skills: Sequence[SkillLike]) -> Callable[[str], list[str]]:
    """WRatio of each piece against every skill's names and synonyms; the best if ≥ 80."""
    choices: list[str] = []
    owners: list[str] = []
    for skill in skills:
        for phrase in (skill.zh, skill.en, *skill.synonyms_zh, *skill.synonyms_en):
            choices.append(phrase.lower())
            owners.append(skill.code)

    def read(text: str) -> list[str]:
        found = []
        for piece in pieces(text):
            best = process.extractOne(piece, choices, scorer=fuzz.WRatio)
            if best is not None and best[1] >= BASELINE_CUTOFF:
                found.append(owners[best[2]])
        return list(dict.fromkeys(found))

    return read


def score(rows: list[tuple[str, str, list[set[str]], str]], read: Callable[[str], Sequence[str]]):
    """The four figures over `rows`, in per cent."""
    whole = slots = slots_found = found_all = found_right = nothing = 0
    for _, _, expected, text in rows:
        found = set(read(text))
        hit = [bool(slot & found) for slot in expected]
        whole += all(hit)
        slots += len(expected)
        slots_found += sum(hit)
        union = set().union(*expected)
        found_all += len(found)
        found_right += len(found & union)
        nothing += not found
    n = max(len(rows), 1)
    return {
        "read_pct": round(100 * whole / n, 1),
        "slot_recall_pct": round(100 * slots_found / max(slots, 1), 1),
        "precision_pct": round(100 * found_right / max(found_all, 1), 1),
        "nothing_pct": round(100 * nothing / n, 1),
    }


def run() -> dict[str, Any]:
    """Every figure, ours and the baseline's, per split."""
    skills = load_skills()
    rows = labelled()
    naive = baseline(skills)

    def ours(text: str) -> Sequence[str]:
        return typed_skills(text, skills).codes

    figures: dict[str, Any] = {"typed_skills_sentences": len(rows)}
    for split in SPLITS:
        chosen = [r for r in rows if split in ("all", r[0])]
        for who, read in (("", ours), ("baseline_", naive)):
            for key, value in score(chosen, read).items():
                figures[f"typed_skills_{who}{key}_{split}"] = value
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--misses", action="store_true", help="list the dev sentences missed")
    parser.add_argument("--quick", action="store_true", help="the same (it takes a second)")
    args = parser.parse_args(argv)
    figures = run()
    print(f"{'figure':<22}" + "".join(f"{s:>10}{'(base)':>9}" for s in SPLITS))
    for key in ("read_pct", "slot_recall_pct", "precision_pct", "nothing_pct"):
        row = f"{key:<22}"
        for split in SPLITS:
            ours = figures[f"typed_skills_{key}_{split}"]
            base = figures[f"typed_skills_baseline_{key}_{split}"]
            row += f"{ours:>10}{base:>9}"
        print(row)
    print(f"{figures['typed_skills_sentences']} labelled sentences ({DATA.relative_to(ROOT)})")
    if args.misses:
        skills = load_skills()
        for split, _, expected, text in labelled():
            if split != "dev":
                continue
            found = set(typed_skills(text, skills).codes)
            if not all(slot & found for slot in expected) or found - set().union(*expected):
                print(f"  {text}  →  {sorted(found)}  (want {[sorted(s) for s in expected]})")
    merge(args.results, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
