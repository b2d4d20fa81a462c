"""Benchmark of matching/understand: need sentences to catalog items and skills, intents, speed.

Run ``python bench/bench_understanding.py [--quick] [--results PATH]``. Reads the labelled sets
in bench/data/ (need sentences with their acceptable items and skills, top-level messages with
their intent; each line is in the "dev" split used while tuning, the "held" split that was
never looked at, or the "fresh" split written later, labels first, and measured only after it was
committed: needs_fresh.tsv, intents_fresh.tsv) and the demo catalog, and runs a naive baseline
in the same process: ``rapidfuzz.process.extract`` with ``WRatio`` over every item's names and
keywords. Prints one table (all, dev, held, fresh; "all" is dev + held) and merges the figures
into bench/results.json.
"""

from __future__ import annotations

import argparse
import csv
import gc
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from bench.results import merge  # noqa: E402
from bench.understanding_compare import alternatives, measure  # noqa: E402
from matching.taxonomy import load_skills  # noqa: E402
from matching.text import tokens  # noqa: E402
from matching.understand import CatalogEntry, NeedRanker  # noqa: E402
from matching.understand.intents import classify  # noqa: E402

DATA = ROOT / "bench" / "data"
CATALOG = ROOT / "storage" / "seed" / "demo" / "catalog.csv"
DEFAULT_RESULTS = ROOT / "bench" / "results.json"
TARGETS = {
    "need_catalog_hit3_pct": 92.0,
    "need_catalog_p1_pct": 80.0,
    "need_skill_hit3_pct": 90.0,
    "intent_accuracy_pct": 90.0,
}
MAX_P50_MS = 5.0
MIN_LEAD = 25.0  # points of hit@3 above the baseline
SPLITS = ("all", "dev", "held", "fresh")


def rss_mb() -> float:
    """The process's resident memory now, in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_catalog() -> list[CatalogEntry]:
    """The demo catalog as plain entries."""
    with CATALOG.open(encoding="utf-8") as handle:
        return [
            CatalogEntry(
                row["code"],
                row["name_zh"],
                row["name_en"],
                tuple(k for k in row["keywords"].split(";") if k),
                tuple(s for s in row["skills"].split(";") if s),
                row.get("handler") or "volunteers",
            )
            for row in csv.DictReader(handle)
        ]


def read_tsv(name: str) -> list[list[str]]:
    """Rows of a labelled file, comments left out."""
    with (DATA / name).open(encoding="utf-8") as handle:
        return [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]


def baseline(catalog: Sequence[CatalogEntry]) -> Any:
    """The naive ranker: WRatio over each item's names and keywords, best field per item."""
    choices: list[str] = []
    owners: list[str] = []
    for entry in catalog:
        for field in (entry.name_zh, entry.name_en, *entry.keywords):
            choices.append(field)
            owners.append(entry.code)

    def rank(text: str) -> list[str]:
        found = process.extract(text, choices, scorer=fuzz.WRatio, limit=30)
        codes: list[str] = []
        for _, _, index in found:
            if owners[index] not in codes:
                codes.append(owners[index])
        return codes[:3]

    return rank


def evaluate(ranker: NeedRanker, base: Any, needs: list[list[str]], intents: list[list[str]]):
    """Per split: hits, timings; the figures as percentages."""
    out: dict[str, dict[str, float]] = {}
    times: list[float] = []
    for split in SPLITS:
        rows = [r for r in needs if r[0] == split or (split == "all" and r[0] != "fresh")]
        hit3 = p1 = skill3 = base3 = 0
        for _, _, items, skills, text in rows:
            ok, ok_skills = set(items.split(";")), set(skills.split(";"))
            start = time.perf_counter()
            reading = ranker.read(text)
            classify(text, reading.items[0].score if reading.items else 0.0)
            if split == "all":
                times.append(time.perf_counter() - start)
            codes = [m.code for m in reading.items]
            hit3 += bool(set(codes[:3]) & ok)
            p1 += bool(codes[:1] and codes[0] in ok)
            skill3 += bool(set(reading.skills[:3]) & ok_skills)
            base3 += bool(set(base(text)) & ok)
        right = 0
        intent_rows = [r for r in intents if r[0] == split or (split == "all" and r[0] != "fresh")]
        for _, intent, text in intent_rows:
            reading = ranker.read(text)
            found = classify(text, reading.items[0].score if reading.items else 0.0)
            right += found.intent == intent
        n = max(len(rows), 1)
        out[split] = {
            "need_catalog_hit3_pct": round(100 * hit3 / n, 1),
            "need_catalog_p1_pct": round(100 * p1 / n, 1),
            "need_skill_hit3_pct": round(100 * skill3 / n, 1),
            "intent_accuracy_pct": round(100 * right / max(len(intent_rows), 1), 1),
            "need_baseline_hit3_pct": round(100 * base3 / n, 1),
            "sentences": len(rows),
            "messages": len(intent_rows),
        }
    out["all"]["understand_p50_ms"] = round(statistics.median(times) * 1000, 3)
    return out


def compare(catalog: list[CatalogEntry], skills: Any, needs: list[list[str]]) -> None:
    """The dependency comparison: hit@3 (all, held, fresh) and ms per sentence, same run."""
    print("\ndependency comparison (same catalog, same sentences; hit@3 %, median ms/sentence)")
    print(f"{'ranker':<46}{'all':>7}{'held':>7}{'fresh':>7}{'ms':>7}")
    splits = {
        "all": [r for r in needs if r[0] != "fresh"],
        "held": [r for r in needs if r[0] == "held"],
        "fresh": [r for r in needs if r[0] == "fresh"],
    }
    for name, rank in alternatives(catalog, skills).items():
        (hit_all, ms), (hit_held, _), (hit_fresh, _) = (measure(rank, r) for r in splits.values())
        print(f"{name:<46}{hit_all:>7}{hit_held:>7}{hit_fresh:>7}{ms:>7}")


def main() -> int:
    """Build the ranker, evaluate every split, print the table, merge the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted for make bench; same run")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    args = parser.parse_args()
    catalog = load_catalog()
    skills = load_skills()
    needs = read_tsv("needs.tsv") + read_tsv("needs_fresh.tsv")
    intents = read_tsv("intents.tsv") + read_tsv("intents_fresh.tsv")
    gc.collect()
    before_jieba = rss_mb()
    tokens("预热分词")  # jieba is loaded by the bot anyway (skill matching): counted apart
    before = rss_mb()
    start = time.perf_counter()
    ranker = NeedRanker(catalog, skills)
    classify("你好")
    build_s = time.perf_counter() - start
    for _, _, text in intents[:20]:  # warm the code paths on other text than the need set
        ranker.read(text)
    figures = evaluate(ranker, baseline(catalog), needs, intents)
    gc.collect()
    figures["all"]["understand_rss_mb"] = round(rss_mb() - before, 1)
    jieba_mb = round(before - before_jieba, 1)
    print(
        f"understanding benchmark: {len(catalog)} catalog items, "
        f"{figures['all']['sentences']} need sentences, {figures['all']['messages']} messages"
    )
    print(f"{'figure':<26}{'all':>8}{'dev':>8}{'held':>8}{'fresh':>8}  target  ok")
    keys = [*TARGETS, "need_baseline_hit3_pct"]
    for key in keys:
        values = [figures[s][key] for s in SPLITS]
        target = TARGETS.get(key)
        ok = "yes" if target is None or min(values) >= target else "NO"
        shown = f"≥ {target:g}" if target else "-"
        cells = "".join(f"{v:>8}" for v in values)
        print(f"{key:<26}{cells}  {shown:<6}  {ok}")
    leads = [
        round(figures[s]["need_catalog_hit3_pct"] - figures[s]["need_baseline_hit3_pct"], 1)
        for s in SPLITS
    ]
    print(
        f"{'lead_over_baseline_pts':<26}{''.join(f'{v:>8}' for v in leads)}  ≥ {MIN_LEAD:g}    "
        f"{'yes' if min(leads) >= MIN_LEAD else 'NO'}"
    )
    p50 = figures["all"]["understand_p50_ms"]
    print(
        f"{'understand_p50_ms':<26}{p50:>8}{'':>24}  ≤ {MAX_P50_MS:g}     "
        f"{'yes' if p50 <= MAX_P50_MS else 'NO'}"
    )
    print(
        f"{'understand_rss_mb':<26}{figures['all']['understand_rss_mb']:>8}"
        f"   (jieba, shared with skill matching: {jieba_mb} MB; build {build_s:.2f} s)"
    )
    compare(catalog, skills, needs)
    merged = {key: figures["all"][key] for key in keys}
    merged |= {f"{key}_held": figures["held"][key] for key in keys}
    merged |= {f"{key}_fresh": figures["fresh"][key] for key in keys}
    merged |= {"understand_p50_ms": p50, "understand_rss_mb": figures["all"]["understand_rss_mb"]}
    merge(args.results, merged)
    return 0


if __name__ == "__main__":
    sys.exit(main())
