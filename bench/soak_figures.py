"""What the soak's users saw, in time: each delivery's attempts, the phases of the run, the sweeps.

A delivery is one update as Telegram hands it over: sent to one serve process, and again to the
other when it could not take it (connection refused, 5xx), until one answers. Each attempt keeps
the process it went to, when it started and ended, and its status, so the figures separate

- the time a live process took to answer (`soak_p99_ms`: the accepted attempt of every delivery),
- the platform's retry after a process was killed (`soak_p99_ms_recovery`: from the first send to
  the accepted answer, only deliveries that needed more than one attempt; `soak_recovery_count`),
- the whole delivery, retries included (`soak_p99_ms_delivery`, what `soak_p99_ms` was before),

and put every accepted attempt in one phase of the run: after a kill (from a `kill -9` until 10 s
after the process answers again), during a dispatch sweep (the attempt overlaps a sweep's
interval), warm-up (the first tenth of the run, at most 30 s), or steady. The sweeps' intervals
come from the processes' own log lines ("job dispatch_needs … done in S s", handlers/sweeps.py),
which carry wall-clock times: the driver keeps the wall clock of its start beside its monotonic
one to put them on its own time line.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

AFTER_KILL_S = 10.0  # how long after a killed process is back its requests count as "after kill"
SWEEP_GAP_S = 1.0  # chunks of one sweep closer than this are one interval
PHASES = ("warm-up", "steady", "sweep", "after kill")


@dataclass
class Attempt:
    """One POST of an update to one process."""

    proc: str
    start: float
    end: float
    status: int | None  # None: the connection was refused or broke


@dataclass
class Delivery:
    """One update, from its first send until a process accepted it."""

    update_id: int
    step: str  # what the user did: "/help", "[button]", "text", …
    sent: float
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def accepted(self) -> Attempt | None:
        """The attempt a process answered below 500, if any."""
        last = self.attempts[-1] if self.attempts else None
        return last if last is not None and last.status is not None and last.status < 500 else None


@dataclass(frozen=True)
class Kill:
    """A `kill -9` of a process and when it answered again."""

    proc: str
    at: float
    back: float


@dataclass(frozen=True)
class Interval:
    """A stretch of time during which `proc` ran dispatch-sweep chunks."""

    proc: str
    start: float
    end: float


def p(values: Sequence[float], q: int) -> float:
    """The q-th percentile in milliseconds (0.0 when there is nothing)."""
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


def sweep_intervals(
    logs: dict[str, Path], wall0: float, kind: str = "dispatch_needs"
) -> list[Interval]:
    """The dispatch sweep's running time per process, from its log lines, on the driver's clock
    (seconds since the driver's start, whose wall clock was `wall0`)."""
    jobs: list[Interval] = []
    for proc, path in logs.items():
        for job in job_lines(path):
            if job["job_kind"] != kind:
                continue
            end = datetime.fromisoformat(job["time"]).timestamp() - wall0
            jobs.append(Interval(proc, end - float(job["job_seconds"]), end))
    merged: list[Interval] = []
    for job in sorted(jobs, key=lambda j: (j.proc, j.start)):
        last = merged[-1] if merged else None
        if last is not None and last.proc == job.proc and job.start - last.end < SWEEP_GAP_S:
            merged[-1] = Interval(job.proc, last.start, max(last.end, job.end))
        else:
            merged.append(job)
    return sorted(merged, key=lambda i: i.start)


def job_lines(path: Path) -> list[dict[str, Any]]:
    """The "job … done" lines of a process's JSON log."""
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"job_kind"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "job_seconds" in record:
            lines.append(record)
    return lines


def span(logs: dict[str, Path], wall0: float, ref: str) -> tuple[float, float, int] | None:
    """(first start, last end, chunks) of the dispatch sweep whose period is `ref` ("soak": the
    needs that arrive under load), on the driver's clock."""
    chunks = [
        job
        for path in logs.values()
        for job in job_lines(path)
        if job["job_kind"] == "dispatch_needs" and str(job["job_ref"]).split(">")[0] == ref
    ]
    if not chunks:
        return None
    ends = [datetime.fromisoformat(job["time"]).timestamp() - wall0 for job in chunks]
    starts = [end - float(job["job_seconds"]) for end, job in zip(ends, chunks, strict=True)]
    return min(starts), max(ends), len(chunks)


def _overlaps(attempt: Attempt, intervals: Iterable[Interval]) -> Interval | None:
    return next((i for i in intervals if attempt.start <= i.end and i.start <= attempt.end), None)


def phase_of(attempt: Attempt, warmup_s: float, kills: list[Kill], sweeps: list[Interval]) -> str:
    """After a kill, else during a sweep, else warm-up, else steady."""
    if any(k.at <= attempt.end and attempt.start <= k.back + AFTER_KILL_S for k in kills):
        return "after kill"
    if _overlaps(attempt, sweeps) is not None:
        return "sweep"
    return "warm-up" if attempt.start < warmup_s else "steady"


def latency_figures(
    deliveries: list[Delivery], kills: list[Kill], sweeps: list[Interval], duration: float
) -> tuple[dict[str, Any], list[tuple[str, int, float, float, float]]]:
    """The latency figures for results.json, and the table of phases (name, n, p50, p99, max)."""
    warmup_s = min(30.0, duration / 10)
    answered = [(d, a) for d in deliveries if (a := d.accepted) is not None]
    live = [a.end - a.start for _, a in answered]
    whole = [a.end - d.sent for d, a in answered]
    recovered = [a.end - d.sent for d, a in answered if len(d.attempts) > 1]
    during = [(a, _overlaps(a, sweeps)) for _, a in answered]
    in_sweep = [a.end - a.start for a, i in during if i is not None]
    same = [a.end - a.start for a, i in during if i is not None and i.proc == a.proc]
    figures: dict[str, Any] = {
        "soak_p99_ms": p(live, 99),
        "soak_p50_ms": p(live, 50),
        "soak_p99_ms_delivery": p(whole, 99),
        "soak_p99_ms_recovery": p(recovered, 99),
        "soak_recovery_count": len(recovered),
        "soak_p99_ms_sweeps": p(in_sweep, 99),
        "soak_sweep_requests": len(in_sweep),
        "soak_p99_ms_sweeps_same_process": p(same, 99),
        "soak_sweep_seconds": round(sum(i.end - i.start for i in sweeps), 1),
        "soak_deliveries": len(answered),  # redeliveries of one update counted apart
        "soak_unanswered": len(deliveries) - len(answered),
    }
    by_phase: dict[str, list[float]] = {name: [] for name in PHASES}
    for _, a in answered:
        by_phase[phase_of(a, warmup_s, kills, sweeps)].append(a.end - a.start)
    table = []
    for name in PHASES:
        values = by_phase[name]
        key = name.replace(" ", "_").replace("-", "")
        figures[f"soak_phase_{key}_count"] = len(values)
        figures[f"soak_phase_{key}_p50_ms"] = p(values, 50)
        figures[f"soak_phase_{key}_p99_ms"] = p(values, 99)
        table.append(
            (
                name,
                len(values),
                p(values, 50),
                p(values, 99),
                p([max(values)], 1) if values else 0.0,
            )
        )
    return figures, table


def print_table(table: list[tuple[str, int, float, float, float]]) -> None:
    """The phases, one line each."""
    print(f"{'phase':<14}{'requests':>10}{'p50 ms':>12}{'p99 ms':>12}{'max ms':>12}")
    for name, n, p50, p99, top in table:
        print(f"{name:<14}{n:>10}{p50:>12}{p99:>12}{top:>12}")


def dump(
    path: Path,
    deliveries: list[Delivery],
    kills: list[Kill],
    sweeps: list[Interval],
    extra: dict[str, Any],
) -> None:
    """Every delivery, kill and sweep interval as JSON, for a closer look after the run."""
    data = {
        "deliveries": [asdict(d) for d in deliveries],
        "kills": [asdict(k) for k in kills],
        "sweeps": [asdict(s) for s in sweeps],
        **extra,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
