"""Crash safety with real processes: `kill -9` a sender mid-broadcast, restart it, count.

The endpoint (an HTTP sink in this test process) is the ground truth. Guarantees: no recipient
is lost; a repeat can only come from rows that were in flight when the sender died, so
duplicates ≤ the in-flight window; and the outbox's `reclaims` column counts every row that may
have been sent twice. Two senders draining the same broadcast deliver each row exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App, build
from bot.settings import Settings
from handlers.core.i18n import Translator
from storage.models import OutboxMessage, utcnow
from tests.support.audience import queue_notice, seed_recipients
from tests.support.http_sink import Sink

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 3000
IN_FLIGHT = 16
pytestmark = pytest.mark.slow


@pytest.fixture
async def real_time_app(db_url: str, translator: Translator) -> AsyncIterator[App]:
    """The app on the test database with the real clock (the sender processes use it too)."""
    settings = Settings(LINLI_QUIET_START="00:00", LINLI_QUIET_END="00:00")  # no quiet hours
    application = build(settings, database_url=db_url, clock=utcnow, translator=translator)
    yield application
    await application.close()


@pytest.fixture
def sink() -> AsyncIterator[Sink]:
    """The endpoint the senders post to."""
    endpoint = Sink()
    endpoint.start()
    yield endpoint  # type: ignore[misc]
    endpoint.stop()


def _sender(
    db_url: str, url: str, rate: float = 600, *extra: str, lease: float = 2
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.outbox_worker",
            "--db",
            db_url,
            "--sink",
            url,
            "--rate",
            str(rate),
            "--in-flight",
            str(IN_FLIGHT),
            "--lease",
            str(lease),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


async def _outbox(app: App) -> tuple[dict[str, int], int]:
    async with app.db.transaction() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        )
        reclaims = int(await session.scalar(select(func.sum(OutboxMessage.reclaims))) or 0)
    return statuses, reclaims


async def _queue(app: App) -> None:
    region = await seed_recipients(app, RECIPIENTS)
    _, written, _ = await queue_notice(app, region, "今晚八点停水，请提前储水。")
    assert written == RECIPIENTS
    await app.db.dispose()  # the sender processes own the database from here


async def test_kill_9_mid_broadcast_loses_nothing(
    real_time_app: App, db_url: str, sink: Sink, record_property: pytest.RecordProperty
) -> None:
    await _queue(real_time_app)
    url = sink.url
    first = _sender(db_url, url)
    _wait_for(lambda: sink.total >= RECIPIENTS // 3)
    os.kill(first.pid, signal.SIGKILL)  # mid-broadcast, mid-round most likely
    first.wait(10)
    at_kill = sink.total
    assert at_kill < RECIPIENTS
    second = _sender(db_url, url)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0
    restarted = json.loads(out.strip().splitlines()[-1])
    statuses, reclaims = await _outbox(real_time_app)
    lost = RECIPIENTS - len(sink.seen)
    duplicates = sink.duplicates
    for name, value in (("lost", lost), ("duplicates", duplicates), ("reclaims", reclaims)):
        record_property(name, value)
    print(
        f"\nkill -9 after {at_kill} deliveries: lost {lost}, duplicates {duplicates} "
        f"(in-flight window {IN_FLIGHT}), rows reclaimed {reclaims}"
    )
    assert lost == 0 and statuses == {"sent": RECIPIENTS}
    assert duplicates <= IN_FLIGHT
    assert duplicates <= reclaims == restarted["reclaimed"] <= IN_FLIGHT


async def test_two_senders_deliver_each_row_exactly_once(
    real_time_app: App, db_url: str, sink: Sink
) -> None:
    await _queue(real_time_app)
    url = sink.url
    senders = [_sender(db_url, url, rate=400) for _ in range(2)]
    outputs = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in senders]
    assert all(p.returncode == 0 for p in senders)
    statuses, reclaims = await _outbox(real_time_app)
    assert len(sink.seen) == RECIPIENTS and sink.duplicates == 0 and reclaims == 0
    assert statuses == {"sent": RECIPIENTS}
    assert sum(o["sent"] for o in outputs) == RECIPIENTS
    assert all(o["sent"] > 0 for o in outputs)  # both took a share


async def test_the_next_lock_holder_takes_over_at_once_after_kill_9(
    real_time_app: App, db_url: str, sink: Sink
) -> None:
    """Leases far longer than the test: only taking over under the sender lock can finish it."""
    await _queue(real_time_app)
    url = sink.url
    lease, give_up = 3600.0, "45"
    first = _sender(db_url, url, 600, "--exclusive", "--max-seconds", give_up, lease=lease)
    _wait_for(lambda: sink.total >= RECIPIENTS // 3)
    sink.stalled, at_stall = True, sink.total
    _wait_for(lambda: sink.total > at_stall)  # a send is waiting for its answer: mid-round
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    sink.stalled = False
    second = _sender(db_url, url, 600, "--exclusive", "--max-seconds", give_up, lease=lease)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0
    restarted = json.loads(out.strip().splitlines()[-1])
    statuses, reclaims = await _outbox(real_time_app)
    assert RECIPIENTS - len(sink.seen) == 0 and statuses == {"sent": RECIPIENTS}
    assert 0 < reclaims == restarted["reclaimed"] <= IN_FLIGHT  # the killed round, taken back
    assert sink.duplicates <= reclaims
