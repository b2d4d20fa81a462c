"""The scheduler triggers sweeps (APScheduler), in `linli serve`'s lifespan and in the worker."""

from __future__ import annotations

import asyncio
import gc
import threading
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.bootstrap import App
from bot.scheduler import Scheduler, run_worker
from bot.sender import Limits
from bot.sweep_thread import SweepThread
from bot.web import create_web_app
from handlers.sweeps import JOBS, Sweeper
from storage.models import DueJob, OutboxMessage
from storage.repos import jobs
from tests.support.audience import queue_notice, seed_recipients
from tests.support.clock import FakeClock
from tests.support.transport import ScriptedTransport


async def _eventually(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_apscheduler_triggers_the_sweep(app: App, clock: FakeClock) -> None:
    ran: list[str] = []

    async def probe(sink, job) -> None:  # type: ignore[no-untyped-def]
        ran.append(job.ref)

    async with app.db.transaction() as session:
        await jobs.schedule(session, "probe", "a", clock(), clock())
    scheduler = Scheduler(
        app, interval_s=0.05, sweeper=Sweeper(app.deps, {"probe": probe}, periodic=())
    )
    scheduler.start()
    try:
        trigger = scheduler._scheduler.get_job("sweep")  # type: ignore[union-attr]
        assert trigger.coalesce and trigger.max_instances == 1
        assert trigger.misfire_grace_time >= 60  # not APScheduler's silent 1 s default

        async def done() -> bool:
            return ran == ["a"] and scheduler.ticks >= 3

        await _eventually(done)
    finally:
        await scheduler.shutdown()
    assert ran == ["a"]  # later ticks found nothing more to do


async def test_serve_runs_the_sweeps_in_its_lifespan(app: App) -> None:
    web = create_web_app(app, [], sweeps=True)

    async def swept() -> bool:
        async with app.db.transaction() as session:
            done = await session.execute(select(DueJob.kind).where(DueJob.status == "done"))
            return "escalate_reports" in set(done.scalars())

    async with web.router.lifespan_context(web):
        await _eventually(swept)


async def test_serve_sweeps_on_a_thread_of_their_own_not_the_answering_one(
    app: App, clock: FakeClock, engine_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL; on SQLite the sweeps share the answering loop and its one connection."""
    swept: list[int] = []  # the thread each job ran on, and each request was answered on
    answered: list[int] = []

    async def probe(sink, job) -> None:  # type: ignore[no-untyped-def]
        swept.append(threading.get_ident())

    async def hook(_: Request) -> PlainTextResponse:
        answered.append(threading.get_ident())
        return PlainTextResponse("ok")

    channel = FakeChannel()
    channel.routes = lambda: [Route("/hook", hook, methods=["POST"])]  # type: ignore[method-assign]
    monkeypatch.setitem(JOBS, "probe", probe)
    async with app.db.transaction() as session:
        await jobs.schedule(session, "probe", "a", clock(), clock())
    web = create_web_app(app, [channel], senders=False, sweeps=True)
    async with web.router.lifespan_context(web):
        sweeps = web.state.sweeps
        if engine_name != "postgresql":
            assert isinstance(sweeps, Scheduler)
            sweeps = None
        else:
            assert isinstance(sweeps, SweepThread)

        async def done() -> bool:
            return bool(swept)

        await _eventually(done)
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://serve") as client:
            assert (await client.post("/hook")).text == "ok"
    assert answered == [threading.get_ident()]  # the loop the test serves on
    if sweeps is None:
        assert swept == answered
    else:
        assert swept == [sweeps.ident]
        assert sweeps.ident != answered[0]
    assert not any(t.name == "linli-sweeps" for t in threading.enumerate())  # stopped with it
    async with app.db.transaction() as session:  # its job was done and committed there
        status = await session.scalar(select(DueJob.status).where(DueJob.kind == "probe"))
    assert status == "done"


async def test_a_started_server_moves_its_startup_heap_out_of_the_collectors_way(
    app: App,
) -> None:
    gc.unfreeze()
    web = create_web_app(app, [], sweeps=False)
    try:
        async with web.router.lifespan_context(web):
            assert gc.get_freeze_count() > 0  # settle_heap ran once the server was up
    finally:
        gc.unfreeze()


@dataclass
class FakeChannel:
    """A channel runtime whose transport records sends."""

    name: str = "webhook"
    sent: ScriptedTransport = field(default_factory=lambda: ScriptedTransport(channel="webhook"))
    started: bool = False

    def routes(self) -> list:  # type: ignore[type-arg]
        return []

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    def transport(self) -> ScriptedTransport:
        return self.sent

    def limits(self) -> Limits:
        return Limits(per_second=1000, in_flight=20)


async def test_the_worker_runs_sweeps_and_senders_until_stopped(app: App, clock: FakeClock) -> None:
    region = await seed_recipients(app, 50)
    await queue_notice(app, region, "明天上午停电检修。")
    channel = FakeChannel()
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(app, [channel], stop))

    async def delivered() -> bool:
        return len(channel.sent.delivered) == 50

    await _eventually(delivered)
    stop.set()
    await asyncio.wait_for(worker, 10)
    assert not channel.started and set(channel.sent.delivered.values()) == {1}
    async with app.db.transaction() as session:
        statuses = set((await session.execute(select(OutboxMessage.status))).scalars())
        kinds = set((await session.execute(select(DueJob.kind))).scalars())
    assert statuses == {"sent"} and "escalate_reports" in kinds
