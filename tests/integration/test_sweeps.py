"""Sweeps over DueJob rows: due times, restart catch-up, leases, retries, concurrent sweepers."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.core.notify import Sink
from handlers.sweeps import PERIODIC, Periodic, Sweeper, build_registry
from storage.db import Database
from storage.models import AuditEntry, DueJob
from storage.repos import audit, jobs
from tests.support.clock import FakeClock

BEIJING = ZoneInfo("Asia/Shanghai")


class Probe:
    """A job handler that records each run (and an audit row in the job's own transaction)."""

    def __init__(self, fail_times: int = 0) -> None:
        self.runs: Counter[str] = Counter()
        self.at: dict[str, datetime] = {}
        self.fail_times = fail_times

    async def __call__(self, sink: Sink, job: DueJob) -> None:
        session, now = sink.session, sink.now
        audit.record(session, actor_id=None, action="probe", target=job.ref, now=now)
        await asyncio.sleep(0)  # let a concurrent sweeper interleave
        if job.ref.startswith("bad") or self.runs[job.ref] < self.fail_times:
            self.runs[job.ref] += 1
            raise RuntimeError(f"probe {job.ref} failed")
        self.runs[job.ref] += 1
        self.at[job.ref] = now


async def _schedule(app: App, refs_due: dict[str, datetime], kind: str = "probe") -> None:
    async with app.db.transaction() as session:
        for ref, due in refs_due.items():
            await jobs.schedule(session, kind, ref, due, app.deps.clock())


async def _statuses(app: App) -> dict[str, str]:
    async with app.db.transaction() as session:
        rows = await session.execute(select(DueJob.ref, DueJob.status))
    return dict(rows.all())


async def _audited(app: App) -> int:
    async with app.db.transaction() as session:
        count = await session.scalar(select(func.count()).where(AuditEntry.action == "probe"))
    return int(count or 0)


async def test_jobs_due_while_down_run_on_the_next_sweep(app: App, clock: FakeClock) -> None:
    now = clock()
    await _schedule(app, {f"h{h}": now + timedelta(hours=h) for h in (1, 2, 3, 10)})
    probe = Probe()
    sweeper = Sweeper(app.deps, {"probe": probe}, periodic=())
    assert (await sweeper.tick()).ran == 0
    clock.advance(hours=5)  # the worker was down; three jobs came due meanwhile
    restarted = Sweeper(app.deps, {"probe": probe}, periodic=())
    assert (await restarted.tick()).ran == 3
    assert probe.runs == Counter({"h1": 1, "h2": 1, "h3": 1})
    assert (await _statuses(app))["h10"] == "pending"


async def test_each_job_done_is_logged_with_its_duration(
    app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The soak times the sweeps from these lines (bench/soak_figures.py): kind, ref, seconds."""
    caplog.set_level(logging.INFO, logger="handlers.sweeps")
    await _schedule(app, {"one": clock(), "bad": clock()})
    await Sweeper(app.deps, {"probe": Probe()}, periodic=()).tick()
    done = [r for r in caplog.records if getattr(r, "job_kind", None) == "probe"]
    assert [r.__dict__["job_ref"] for r in done] == ["one"]  # a failed attempt is not "done"
    assert done[0].__dict__["job_seconds"] >= 0
    assert "job probe one done in" in done[0].getMessage()


async def test_a_job_claimed_by_a_dead_sweeper_is_taken_back(app: App, clock: FakeClock) -> None:
    await _schedule(app, {"x": clock()})
    async with app.db.transaction() as session:  # a sweeper claims it, then is killed
        [claimed] = await jobs.claim(
            session, clock(), 10, clock() + timedelta(minutes=5), ["probe"]
        )
    probe = Probe()
    sweeper = Sweeper(app.deps, {"probe": probe}, periodic=(), lease=timedelta(minutes=5))
    assert (await sweeper.tick()).ran == 0  # its lease still holds
    clock.advance(minutes=6)
    stats = await sweeper.tick()
    assert (stats.reclaimed, stats.ran, probe.runs["x"]) == (1, 1, 1)
    # The dead sweeper's claim, if it woke up now, changes nothing.
    late = Sweeper(app.deps, {"probe": probe}, periodic=())
    stats = await late.tick(max_batches=0)
    await late._run(claimed, stats)
    assert stats.lost_lease == 1 and probe.runs["x"] == 1 and await _audited(app) == 1


async def test_a_failing_job_is_retried_with_backoff_then_failed(
    app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await _schedule(app, {"flaky": clock(), "bad": clock(), "good": clock()})
    probe = Probe(fail_times=2)
    sweeper = Sweeper(app.deps, {"probe": probe}, periodic=(), max_attempts=3)
    first = await sweeper.tick()
    assert (first.ran, first.retried) == (0, 3)  # "good" fails twice too (fail_times)
    clock.advance(minutes=1)
    second = await sweeper.tick()
    assert (second.ran, second.retried) == (0, 3)
    assert (await sweeper.tick()).ran == 0  # backoff: the next try is 2 minutes later
    clock.advance(minutes=2)
    third = await sweeper.tick()
    assert (third.ran, third.failed) == (2, 1)
    statuses = await _statuses(app)
    assert statuses == {"flaky": "done", "good": "done", "bad": "failed"}
    assert "failed for good after 3 attempts" in caplog.text
    assert await _audited(app) == 2  # the failed attempts' effects were rolled back
    async with app.db.transaction() as session:
        bad = await jobs.get(session, "probe", "bad")
    assert bad is not None and "probe bad failed" in (bad.last_error or "")


async def test_unknown_kinds_are_left_for_a_worker_that_knows_them(
    app: App, clock: FakeClock
) -> None:
    await _schedule(app, {"m": clock()}, kind="from_a_newer_version")
    assert (await Sweeper(app.deps, {"probe": Probe()}, periodic=()).tick()).ran == 0
    assert await _statuses(app) == {"m": "pending"}


async def test_scheduling_again_moves_a_job_and_cancel_stops_it(app: App, clock: FakeClock) -> None:
    await _schedule(app, {"r": clock() + timedelta(hours=1)})
    await _schedule(app, {"r": clock() + timedelta(hours=2)})
    async with app.db.transaction() as session:
        [job] = (await session.execute(select(DueJob))).scalars().all()
        assert job.due_at == clock() + timedelta(hours=2)
        assert await jobs.cancel(session, "probe", "r") == 1
    clock.advance(hours=3)
    probe = Probe()
    await Sweeper(app.deps, {"probe": probe}, periodic=()).tick()
    assert not probe.runs and await _statuses(app) == {"r": "cancelled"}


async def test_two_sweepers_never_run_a_job_twice(app: App, db_url: str, clock: FakeClock) -> None:
    now = clock()
    await _schedule(app, {f"j{i}": now - timedelta(seconds=i) for i in range(240)})
    # Separate engines, as in two processes (SQLite: aiosqlite's thread, so a sweeper waiting
    # for the write lock does not block the other's event loop).
    url = db_url + "?driver=thread" if db_url.startswith("sqlite") else db_url
    databases = [Database.connect(url) for _ in range(2)]
    probe = Probe()
    sweepers = [
        Sweeper(replace(app.deps, db=db), {"probe": probe}, periodic=(), batch=7)
        for db in databases
    ]
    try:
        stats = await asyncio.gather(*(s.tick(max_batches=1000) for s in sweepers))
    finally:
        for db in databases:
            await db.dispose()
    assert sum(s.ran for s in stats) == 240
    assert len(probe.runs) == 240 and set(probe.runs.values()) == {1}
    assert await _audited(app) == 240


# -- periodic sweeps at local times -------------------------------------------------------------


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("spec", "local", "expected"),
    [
        (Periodic("m", "monthly", at=time(10)), _local(2026, 12, 1, 9, 59), None),  # grace over
        (Periodic("m", "monthly", at=time(10)), _local(2026, 12, 1, 10, 0), "2026-12"),
        (
            Periodic("m", "monthly", at=time(10), grace=timedelta(days=3)),
            _local(2026, 12, 3, 23),
            "2026-12",
        ),
        (Periodic("w", "weekly", at=time(9)), _local(2026, 11, 30, 8, 59), None),  # a Monday
        (Periodic("w", "weekly", at=time(9)), _local(2026, 11, 30, 9, 0), "2026-W49"),
        (Periodic("d", "daily", at=time(3, 30)), _local(2026, 12, 1, 3, 29), "2026-11-30"),
        (Periodic("d", "daily", at=time(3, 30)), _local(2026, 12, 1, 3, 30), "2026-12-01"),
        (Periodic("e", "minutes", minutes=5), _local(2026, 12, 1, 10, 14), "2026-12-01T10:10"),
    ],
)
def test_periods_follow_local_time(spec: Periodic, local: datetime, expected: str | None) -> None:
    current = spec.current(local)
    assert (current[0] if current else None) == expected


async def test_the_honour_roll_sweep_runs_at_ten_on_the_first_local_time(app: App) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 1, 59, tzinfo=UTC))  # 09:59 in Beijing
    deps = replace(app.deps, clock=clock)
    probe = Probe()
    honour = tuple(p for p in PERIODIC if p.kind == "honour_roll")
    sweeper = Sweeper(deps, {"honour_roll": probe}, periodic=honour)
    await sweeper.tick()
    assert not probe.runs
    clock.advance(minutes=1)
    await sweeper.tick()
    clock.advance(minutes=15)
    await sweeper.tick()  # the same period: planned once, run once
    assert probe.runs == Counter({"2026-12": 1})
    assert probe.at["2026-12"] == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def test_every_worker_plans_a_period_but_one_row_exists(app: App, clock: FakeClock) -> None:
    registry = {p.kind: Probe() for p in PERIODIC}
    sweepers = [Sweeper(app.deps, dict(registry)) for _ in range(3)]
    created = [await s.plan() for s in sweepers]
    assert created[0] >= 2 and created[1:] == [0, 0]  # Monday 10:00: the digest, escalations…
    stats = await asyncio.gather(*(s.tick() for s in sweepers))
    assert sum(s.ran for s in stats) == created[0]
    assert all(set(p.runs.values()) <= {1} for p in registry.values())


async def test_the_real_registry_runs_every_planned_sweep(
    demo_app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    registry = build_registry()
    assert {p.kind for p in PERIODIC} <= set(registry)
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # the 1st, 10:00 in Beijing
    stats = await Sweeper(demo_app.deps, registry).tick()
    assert stats.failed == stats.retried == 0, caplog.text
    assert {"honour_roll", "escalate_reports", "flag_stale_proposals"} <= set(stats.kinds)


async def test_other_features_jobs_are_wired_with_their_signatures(
    demo_app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Jobs whose items are gone (cancelled, deleted) must run as no-ops, not fail.
    kinds = {
        "activity_reminder": "999:24h",
        "waitlist_timeout": "999",
        "activity_mobilize": "999",
        "offer_timeout": "999",
        "broadcast_start": "999",
    }
    async with demo_app.db.transaction() as session:
        for kind, ref in kinds.items():
            await jobs.schedule(session, kind, ref, clock(), clock())
    stats = await Sweeper(demo_app.deps, periodic=()).tick()
    assert stats.failed == stats.retried == 0, caplog.text
    assert set(stats.kinds) == set(kinds)
