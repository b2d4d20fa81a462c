"""Sweeps: due work kept as DueJob rows, claimed under a lease and run, one transaction per job.

The scheduler (bot/scheduler.py) only triggers `Sweeper.tick`; what is due lives in the database,
so a restart catches up and several workers share the work without running a job twice:

- `JOBS`: a plain dict, job kind → use case `(sink, job)`; the `Sweeper` hands each job a
  `Sink` (session, time, deps) of its own transaction.
- `PERIODIC`: sweeps that recur (escalations, digests, the honour roll, purges). Each period is
  one DueJob row with a unique (kind, ref) such as ("honour_roll", "2026-12"); every worker may
  plan it, one row exists, one worker runs it.
- A failing job is rolled back, retried with backoff, and marked failed after its last attempt;
  the failure is logged and never stops the sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from handlers import alerts, broadcasts, departments, digests, groups, privacy, volunteers
from handlers.activities import signups
from handlers.activities.mobilize import mobilize_due
from handlers.core.context import Deps
from handlers.core.notify import Sink
from handlers.needs import create_occurrences
from handlers.proposals import flag_stale, settle_due
from handlers.reports import escalate_overdue
from handlers.tasks import closing
from handlers.tasks.offers import expire_offer
from handlers.tasks.sweep import dispatch_sweep
from storage.models import DueJob
from storage.repos import jobs

log = logging.getLogger(__name__)

# A job's use case: the use-case context (session, time, deps) and the claimed row.
JobHandler = Callable[[Sink, DueJob], Awaitable[object]]

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True)
class Periodic:
    """A recurring sweep: every `minutes`, or daily / weekly (Monday) / monthly (1st) at `at`.

    Only the period that contains `now` (local time) is planned, and only within `grace` of its
    start: a worker down for a day catches up on today's run, not on last month's honour roll.
    """

    kind: str
    every: str  # "minutes", "daily", "weekly", "monthly"
    minutes: int = 5
    at: time = time(0, 0)
    grace: timedelta = timedelta(days=1)

    def current(self, local: datetime) -> tuple[str, datetime] | None:
        """(ref, start) of the period that has started by `local`, or None if past its grace."""
        if self.every == "minutes":
            slot = (local.hour * 60 + local.minute) // self.minutes * self.minutes
            start = local.replace(hour=slot // 60, minute=slot % 60, second=0, microsecond=0)
            return start.strftime("%Y-%m-%dT%H:%M"), start
        start = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        if self.every == "daily":
            if start > local:
                start -= timedelta(days=1)
            ref = start.strftime("%Y-%m-%d")
        elif self.every == "weekly":
            start -= timedelta(days=start.weekday())
            if start > local:
                start -= timedelta(days=7)
            year, week, _ = start.isocalendar()
            ref = f"{year}-W{week:02d}"
        elif self.every == "monthly":
            start = start.replace(day=1)
            if start > local:
                start = (start - timedelta(days=1)).replace(day=1)
            ref = start.strftime("%Y-%m")
        else:
            raise ValueError(f"unknown period {self.every!r}")
        return (ref, start) if local - start <= self.grace else None


PERIODIC: tuple[Periodic, ...] = (
    Periodic("dispatch_needs", "minutes", minutes=1),
    Periodic("series_occurrences", "minutes", minutes=15),
    Periodic("escalate_reports", "minutes", minutes=5),
    Periodic("escalate_handoffs", "minutes", minutes=5),
    Periodic("flag_stale_proposals", "daily", at=time(9, 0)),
    Periodic("settle_projects", "daily", at=time(9, 30)),
    Periodic("weekly_digest", "weekly", at=time(9, 0), grace=timedelta(days=1)),
    Periodic("honour_roll", "monthly", at=time(10, 0), grace=timedelta(days=3)),
    Periodic("orgs_1710", "monthly", at=time(9, 30), grace=timedelta(days=3)),
    Periodic("purge", "daily", at=time(3, 30)),
    Periodic("retention", "daily", at=time(4, 0)),
)


def build_registry() -> dict[str, JobHandler]:
    """Every job kind this worker can run → its use case `(sink, job)` (a plain table).

    Rows: broadcast_start (ref = broadcast id), activity_reminder ("<sign-up>:<hours>h"),
    waitlist_timeout (sign-up id), activity_mobilize (activity id), offer_timeout (task offer id),
    volunteer_resume (person id: a pause until a day ends),
    alert_digest ("<organizer>@<window start>": an organizer's alerts, handlers/alerts.py),
    confirm_reminder and auto_confirm (task id: handlers/tasks/closing.py).
    Periodic (ref = period):
    dispatch_needs (needs new or changed since last ranked, offered every minute, in chunks
    that plan the next: handlers/tasks/sweep.py), series_occurrences (recurring needs'
    next occurrences, handlers/needs/series.py), escalate_reports, escalate_handoffs
    (handlers/departments), flag_stale_proposals, settle_projects (projects whose confirmation
    window ended), weekly_digest, honour_roll, orgs_1710 (handlers/groups/gaps.py), purge,
    retention.
    """
    return dict(JOBS)


JOBS: dict[str, JobHandler] = {
    "broadcast_start": broadcasts.start_scheduled,
    "alert_digest": alerts.send_digest,
    "activity_reminder": signups.send_reminder,
    "waitlist_timeout": signups.promotion_due,
    "activity_mobilize": mobilize_due,
    "offer_timeout": expire_offer,
    "confirm_reminder": closing.remind,
    "auto_confirm": closing.auto_confirm,
    "dispatch_needs": dispatch_sweep,
    "series_occurrences": create_occurrences,
    "escalate_reports": escalate_overdue,
    "escalate_handoffs": departments.escalate_handoffs,
    "flag_stale_proposals": flag_stale,
    "settle_projects": settle_due,
    "weekly_digest": digests.weekly_digest,
    "honour_roll": digests.honour_roll,
    "orgs_1710": groups.monthly_1710,
    "purge": digests.purge,
    "retention": privacy.retention_sweep,
    "volunteer_resume": volunteers.resume_due,
}


@dataclass
class SweepStats:
    """What one tick did."""

    planned: int = 0
    ran: int = 0
    retried: int = 0
    failed: int = 0
    reclaimed: int = 0
    lost_lease: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


class Sweeper:
    """Plans periodic rows and runs due jobs; safe to run in several workers at once."""

    def __init__(
        self,
        deps: Deps,
        registry: dict[str, JobHandler] | None = None,
        periodic: tuple[Periodic, ...] = PERIODIC,
        *,
        batch: int = 20,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.deps = deps
        self.registry = dict(JOBS) if registry is None else registry
        self.periodic = tuple(p for p in periodic if p.kind in self.registry)
        self.batch = batch
        self.lease = lease
        self.max_attempts = max_attempts
        self.stopping = False  # set on shutdown: finish the claimed batch, claim no more

    async def tick(self, max_batches: int = 50) -> SweepStats:
        """Plan this period's rows, then run due jobs until none is left (or `max_batches`)."""
        stats = SweepStats(planned=await self.plan())
        for _ in range(max_batches):
            if self.stopping or not await self.run_due(stats):
                break
        return stats

    async def plan(self) -> int:
        """Create the row of every periodic sweep whose current period has started."""
        now = self.deps.clock()
        local = now.astimezone(ZoneInfo(self.deps.config.tz))
        created = 0
        async with self.deps.db.transaction() as session:
            for spec in self.periodic:
                current = spec.current(local)
                if current is None:
                    continue
                ref, start = current
                due = start.astimezone(now.tzinfo)
                created += await jobs.ensure(session, spec.kind, ref, due, now, {"period": ref})
        return created

    async def run_due(self, stats: SweepStats | None = None) -> int:
        """Claim one batch of due jobs and run each in its own transaction; returns jobs claimed."""
        stats = stats if stats is not None else SweepStats()
        now = self.deps.clock()
        async with self.deps.db.transaction() as session:
            stats.reclaimed += await jobs.release_expired(session, now)
            claimed = await jobs.claim(
                session, now, self.batch, now + self.lease, list(self.registry)
            )
        for job in claimed:
            await self._run(job, stats)
            # Whoever waits for a database connection goes first (on SQLite a process has one):
            # without this the next job takes it back at once, and a message waits for the sweep.
            await asyncio.sleep(0)
        return len(claimed)

    async def _run(self, job: DueJob, stats: SweepStats) -> None:
        handler = self.registry[job.kind]
        started = monotonic()
        try:
            async with self.deps.db.transaction() as session:
                # Marked done first: on PostgreSQL the row stays locked until the job's effects
                # commit with it; a claim we lost (lease ran out, reclaimed) changes nothing.
                if not await jobs.finish(session, job.id, job.lease_until):
                    stats.lost_lease += 1
                    return
                await handler(Sink.bare(session, self.deps), job)
        except Exception as exc:
            await self._after_failure(job, exc, stats)
            return
        stats.ran += 1
        stats.kinds[job.kind] = stats.kinds.get(job.kind, 0) + 1
        # One line per job, its duration with it: where the sweeps' time goes, and when they ran
        # (the soak matches requests to the dispatch sweep's intervals from these lines).
        seconds = round(monotonic() - started, 3)
        log.info(
            "job %s %s done in %.3f s",
            job.kind,
            job.ref,
            seconds,
            extra={"job_kind": job.kind, "job_ref": job.ref, "job_seconds": seconds},
        )

    async def _after_failure(self, job: DueJob, exc: Exception, stats: SweepStats) -> None:
        error = f"{type(exc).__name__}: {exc}"
        now = self.deps.clock()
        async with self.deps.db.transaction() as session:
            if job.attempts >= self.max_attempts:
                await jobs.fail(session, job.id, job.lease_until, error)
                stats.failed += 1
                log.exception(
                    "job %s %s failed for good after %d attempts",
                    job.kind,
                    job.ref,
                    job.attempts,
                    exc_info=exc,
                )
                return
            delay = min(BACKOFF_BASE * 2 ** (job.attempts - 1), BACKOFF_MAX)
            await jobs.retry_later(session, job.id, job.lease_until, now + delay, error)
            stats.retried += 1
            log.warning(
                "job %s %s failed (attempt %d), retrying in %s: %s",
                job.kind,
                job.ref,
                job.attempts,
                delay,
                error,
            )
