"""Pieces of the soak (bench/soak.py): its processes, what users saw, the database, the checks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from bench.soak_figures import Delivery, Kill, latency_figures, p, span, sweep_intervals
from handlers.broadcasts import queue_broadcast
from storage.models import (
    AuditEntry,
    Broadcast,
    Need,
    OutboxMessage,
    ProcessedUpdate,
    Proposal,
    Region,
)
from storage.repos import jobs

ROOT = Path(__file__).resolve().parents[1]
LINLI = str(Path(sys.executable).with_name("linli"))


@dataclass
class Proc:
    """One `linli serve` or `linli worker` process (or the baseline's echo server)."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    url: str = ""
    process: asyncio.subprocess.Process | None = None
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    cpu: dict[int, float] = field(default_factory=dict)  # pid → CPU seconds (each life)
    ready_cpu: dict[int, float] = field(default_factory=dict)  # pid → CPU seconds when ready
    exe: str = LINLI  # the program; args follow it

    async def start(self) -> None:
        """Start (or restart) the process."""
        with self.log.open("a") as sink:
            self.process = await asyncio.create_subprocess_exec(
                self.exe, *self.args, env=self.env, cwd=ROOT, stdout=sink, stderr=sink
            )

    def log_count(self, line: str) -> int:
        """How many times its log holds `line` (its lives so far)."""
        if not self.log.exists():
            return 0
        return self.log.read_text(encoding="utf-8", errors="replace").count(line)

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.returncode is None

    def rss_mb(self) -> float | None:
        """Resident memory now (Linux /proc)."""
        if not self.alive or self.process is None:
            return None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return None

    def sample_cpu(self, pid: int | None = None) -> None:
        """Note the CPU seconds (user + system) the process has used so far (Linux /proc)."""
        pid = pid or (self.process.pid if self.process is not None and self.alive else None)
        if pid is None:
            return
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            self.cpu[pid] = ticks / os.sysconf("SC_CLK_TCK")

    def ready(self) -> None:
        """Note the CPU its start took (imports, warm-up): not counted in `cpu_load_s`."""
        if self.process is not None:
            self.sample_cpu()
            self.ready_cpu[self.process.pid] = self.cpu.get(self.process.pid, 0.0)

    @property
    def cpu_s(self) -> float:
        """CPU seconds over every life of the process."""
        return round(sum(self.cpu.values()), 1)

    @property
    def cpu_load_s(self) -> float:
        """CPU seconds over every life of the process, after each start was done."""
        return sum(cpu - self.ready_cpu.get(pid, 0.0) for pid, cpu in self.cpu.items())


@dataclass
class Tally:
    """What the users saw."""

    deliveries: list[Delivery] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    answered: set[int] = field(default_factory=set)
    status_5xx: int = 0
    refused: int = 0
    titles: list[str] = field(default_factory=list)
    double_taps: int = 0
    stuck: int = 0
    needs_at: float | None = None  # when the open needs became due for ranking
    lag: list[float] = field(default_factory=list)  # the driver's late wake-ups, seconds
    cpu: dict[str, float] = field(default_factory=dict)  # process → CPU seconds
    driver_cpu_s: float = 0.0  # the driver's CPU seconds under load (users, fake Bot API)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def recreate(url: str) -> None:
    """Drop and create the soak database (PostgreSQL)."""
    import asyncpg

    parsed = make_url(url)
    admin = await asyncpg.connect(
        user=parsed.username or "postgres",
        password=parsed.password,
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


def _slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope over the second half of the run (after warm-up)."""
    half = [s for s in samples if s[0] >= samples[-1][0] / 2] if samples else []
    if len(half) < 3:
        return 0.0
    slope = statistics.linear_regression([t for t, _ in half], [m for _, m in half]).slope
    return round(slope * 60, 2)


async def check(app: Any, soak: Any, broadcasts: list[int]) -> dict[str, Any]:
    """Compare what was sent with the database and the fake server."""
    async with app.db.transaction() as session:
        processed = set(
            int(k)
            for k in (
                await session.execute(
                    select(ProcessedUpdate.update_key).where(ProcessedUpdate.channel == "telegram")
                )
            ).scalars()
            if str(k).isdigit()
        )
        per_title = dict(
            (
                await session.execute(
                    select(Proposal.title, func.count())
                    .where(Proposal.title.in_(soak.tally.titles))
                    .group_by(Proposal.title)
                )
            ).all()
        )
        consents = (
            await session.execute(
                select(AuditEntry.actor_id, func.count())
                .where(AuditEntry.action == "consent")
                .group_by(AuditEntry.actor_id)
            )
        ).all()
        texts: dict[int, list[str]] = {}
        for call in soak.tg.sent():
            if call.chat_id is not None:
                texts.setdefault(call.chat_id, []).append(str(call.params.get("text", "")))
        missing = duplicates = 0
        for broadcast in broadcasts:
            rows = await session.execute(
                select(OutboxMessage.external_id, OutboxMessage.payload).where(
                    OutboxMessage.broadcast_id == broadcast, OutboxMessage.channel == "telegram"
                )
            )
            for chat, payload in rows.all():
                got = texts.get(int(chat), []).count(payload["text"])
                missing += got == 0
                duplicates += max(got - 1, 0)
        # The needs that arrived under load and were ranked since (by any sweep: a sweeper
        # killed mid-chunk leaves the rest of its sweep to the next minute's).
        arrival = datetime.fromtimestamp(soak.wall0 + (soak.tally.needs_at or 0.0), UTC)
        ranked, last_ranked = (
            await session.execute(
                select(func.count(), func.max(Need.considered_at)).where(
                    Need.considered_at >= arrival
                )
            )
        ).one()
    lost = len(soak.tally.answered - processed)
    extra = sum(n - 1 for n in per_title.values() if n > 1) + sum(
        n - 1 for _, n in consents if n > 1
    )
    rss = [_slope_mb_per_min(proc.rss) for proc in soak.serves]
    logs = {proc.name: proc.log for proc in (*soak.serves, soak.worker)}
    sweeps = sweep_intervals(logs, soak.wall0)
    latency, soak.table = latency_figures(
        soak.tally.deliveries, soak.tally.kills, sweeps, soak.opts.duration
    )
    soak.sweeps = sweeps

    def per_delivery(seconds: float) -> float:
        return round(seconds * 1000 / max(latency["soak_deliveries"], 1), 1)

    serve_cpu_ms = per_delivery(sum(proc.cpu_load_s for proc in soak.serves))
    arrived = span(logs, soak.wall0, "soak")
    needs_at = soak.tally.needs_at or 0.0
    return (
        latency
        | {
            "soak_updates": len(soak.tally.answered),
            "soak_lost": lost,
            "soak_duplicate_effects": extra,
            "soak_double_taps": soak.tally.double_taps,
            "soak_5xx": soak.tally.status_5xx,
            "soak_refused": soak.tally.refused,
            "soak_broadcast_missing": missing,
            "soak_broadcast_duplicates": duplicates,
            "soak_rss_growth_mb_per_min": max(rss) if rss else 0.0,
            "soak_stuck_dialogs": soak.tally.stuck,
            # the needs that arrived under load: how many were ranked, and from their arrival
            # until the last was; the chunks of the sweep due at their arrival, and its time
            "soak_needs_ranked": int(ranked),
            "soak_needs_sweep_s": round((last_ranked - arrival).total_seconds(), 1)
            if last_ranked is not None
            else 0.0,
            "soak_needs_sweep_chunks": arrived[2] if arrived else 0,
            "soak_needs_sweep_chunks_s": round(arrived[1] - needs_at, 1) if arrived else 0.0,
            "soak_driver_lag_p99_ms": p(soak.tally.lag, 99),
        }
        | {f"soak_cpu_s_{name}": seconds for name, seconds in soak.tally.cpu.items()}
        # what one answered delivery cost the serve processes (sweeps there included), starts not
        | {"soak_serve_cpu_ms_per_delivery": serve_cpu_ms}
        | {"soak_driver_cpu_ms_per_delivery": per_delivery(soak.tally.driver_cpu_s)}
        # what the users got through, against what they would send if answered at once (--rate)
        | {"soak_rate_per_s": round(latency["soak_deliveries"] / soak.opts.duration, 1)}
    )


async def drained(app: Any, timeout: float) -> None:
    """Wait until no Telegram outbox row waits (or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with app.db.transaction() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.channel == "telegram", OutboxMessage.status == "pending")
            )
        if not left:
            return
        await asyncio.sleep(0.5)


async def needs_due(app: Any) -> None:
    """The open needs become due for ranking ("1,000 open needs" arrive under load), and a
    dispatch sweep is due at once rather than at the next minute."""
    now = datetime.now(UTC)
    async with app.db.transaction() as session:
        await session.execute(update(Need).values(considered_at=None, considered=None))
        await jobs.schedule(session, "dispatch_needs", "soak", now, now, {"period": "soak"})


async def queue_notice(app: Any, label: str) -> int:
    """A notice to everyone in 劲松北社区, queued; returns its id."""
    now = datetime.now(UTC)
    async with app.db.transaction() as session:
        region = (
            await session.execute(select(Region).where(Region.code == "CY-JS-01"))
        ).scalar_one()
        item = Broadcast(
            author_id=None,
            region_id=region.id,
            audience={"roles": ["everyone"]},
            text=f"社区通知{label}：本周六上午在社区广场举办便民服务活动。",
            status="queued",
            created_at=now,
            recipients=0,
        )
        session.add(item)
        await session.flush()
        await queue_broadcast(session, app.deps, item, now)
        return item.id
