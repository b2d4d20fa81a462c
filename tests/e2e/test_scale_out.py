"""Scale-out: two `linli serve` processes on one PostgreSQL database behave as one bot.

Real uvicorn processes on 127.0.0.1 serve the Telegram webhook; a fake Bot API in the test
receives what they send. Updates are posted round-robin, and every update is also delivered to
the other process at the same moment (as a retrying Telegram, or a load balancer that sent it
twice). The database must show each update's effect once and the dialogs completed; exactly one
process holds the Telegram sender lock, and when it is killed the other takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text, update

from bot.bootstrap import App
from storage.models import (
    AuditEntry,
    Broadcast,
    Identity,
    Need,
    OutboxMessage,
    Person,
    ProcessedUpdate,
    Proposal,
    ProposalCosign,
    Region,
)
from storage.repos import outbox
from tests.support.fake_telegram import TOKEN, FakeTelegram, User

ROOT = Path(__file__).resolve().parents[2]
LINLI = str(Path(sys.executable).with_name("linli"))
SECRET = "scale-out-secret"
LIN = User(7001, "小林", "zh-hans")
WANG = User(7002, "王芳", "zh-hans")
RESIDENTS = ("王凤兰", "李福海", "赵淑兰", "陈永福")  # demo residents with a home address
ORGANIZER = "王海燕"  # organizer of 劲松北社区

pytestmark = pytest.mark.slow


def _registration(name: str) -> list[str]:
    return ["/start", "[中文]", "[社区居民]", "[劲松北社区]", "[第二网格]", f"[就叫我「{name}」]"]


@dataclass
class Server:
    """One `linli serve` process."""

    process: asyncio.subprocess.Process
    url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start(tmp_path: Path, name: str, db_url: str, tg: FakeTelegram) -> Server:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("LINLI_LOG_FORMAT",)}
    env |= {
        "DATABASE_URL": db_url,
        "LINLI_DATA_DIR": str(tmp_path / name),
        "LINLI_LOG_LEVEL": "INFO",
        "LINLI_SENDER_LOCK_RETRY_SECONDS": "0.3",
        "LINLI_QUIET_START": "00:00",  # no quiet hours: the test runs at any time of day
        "LINLI_QUIET_END": "00:00",
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_URL": tg.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WECHAT_TOKEN": "",
    }
    log = tmp_path / f"{name}.log"
    with log.open("w") as sink:
        process = await asyncio.create_subprocess_exec(
            LINLI, "serve", "--port", str(port), env=env, cwd=ROOT, stdout=sink, stderr=sink
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


async def _wait_healthy(http: httpx.AsyncClient, server: Server) -> None:
    for _ in range(600):
        assert server.process.returncode is None, server.log.read_text()
        with contextlib.suppress(httpx.TransportError):
            if (await http.get(f"{server.url}/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{server.url} did not start:\n{server.log.read_text()}")


async def _lock_held(http: httpx.AsyncClient, server: Server) -> float:
    body = (await http.get(f"{server.url}/metrics")).text
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "linli_sender_lock_held" and sample.labels == {"channel": "telegram"}:
                return sample.value
    return 0.0


async def _until(check: Any, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


@pytest.fixture
async def servers(
    demo_app: App, db_url: str, engine_name: str, tmp_path: Path
) -> AsyncIterator[tuple[FakeTelegram, list[Server], httpx.AsyncClient]]:
    """The fake Bot API and two serve processes on the demo district (PostgreSQL only)."""
    if engine_name != "postgresql":
        pytest.skip("several serve processes need PostgreSQL (SQLite is one process)")
    async with FakeTelegram() as tg, httpx.AsyncClient(timeout=30) as http:
        started = [await _start(tmp_path, name, db_url, tg) for name in ("a", "b")]
        try:
            for server in started:
                await _wait_healthy(http, server)
            yield tg, started, http
        finally:
            for server in started:
                if server.process.returncode is None:
                    server.process.terminate()
            for server in started:
                await asyncio.wait_for(server.process.wait(), 30)


async def test_two_serve_processes_behave_as_one_bot(
    servers: tuple[FakeTelegram, list[Server], httpx.AsyncClient], demo_app: App
) -> None:
    tg, (a, b), http = servers
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    posted: list[int] = []
    async with demo_app.db.transaction() as session:  # one co-sign is half way: the author hears
        await session.execute(
            update(Region).where(Region.code == "CY-JS-01").values(cosign_threshold=2)
        )

    async def say(user: User, said: str, turn: int) -> None:
        update = tg.press(user, said[1:-1]) if said.startswith("[") else tg.text(user, said)
        first, second = (a, b) if turn % 2 == 0 else (b, a)
        answers = await asyncio.gather(
            http.post(f"{first.url}/telegram", json=update, headers=headers),
            http.post(f"{second.url}/telegram", json=update, headers=headers),
        )
        assert [r.status_code for r in answers] == [200, 200]
        posted.append(update["update_id"])

    turn = 0
    for user in (LIN, WANG):
        for said in [*_registration(user.first_name), "[同意]"]:
            await say(user, said, turn)
            turn += 1
    lift = "我们103号楼都是老人，六层没有电梯，上下楼太难，希望加装电梯。"
    for said in ("/propose", "加装电梯", lift, "[全社区（劲松北社区）]", "[设施]"):
        await say(LIN, said, turn)
        turn += 1
    await say(WANG, "/cosign 1", turn)

    assert any("登记完成，小林" in t for t in tg.texts(LIN.id))
    assert any("提案 #1「加装电梯」已提交" in t for t in tg.texts(LIN.id))
    async with demo_app.db.transaction() as session:
        people = {
            ident.external_id: ident.person
            for ident in (
                await session.execute(select(Identity).where(Identity.channel == "telegram"))
            ).scalars()
        }
        assert set(people) == {str(LIN.id), str(WANG.id)}
        assert people[str(LIN.id)].display_name == "小林"
        consents = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
        assert consents == 2  # one per person, though each answer arrived twice
        proposals = list((await session.execute(select(Proposal))).scalars())
        assert [(p.title, p.cosign_count) for p in proposals] == [("加装电梯", 1)]
        assert await session.scalar(select(func.count()).select_from(ProposalCosign)) == 1
        processed = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == "telegram")
        )
        assert processed == len(set(posted))

    # the co-sign notice (50 % of the threshold) goes out once, through whichever process holds
    # the sender lock
    heard = "附议已达门槛的 50%"

    async def notified() -> bool:
        return any(heard in t for t in tg.texts(LIN.id))

    async def all_sent() -> bool:  # nothing due is waiting or on its way: a duplicate is out too
        async with demo_app.db.transaction() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.channel == "telegram",
                    OutboxMessage.status.in_(("pending", "sending")),
                    OutboxMessage.not_before <= datetime.now(UTC),
                )
            )
        return waiting == 0

    await _until(notified)
    await _until(all_sent)
    assert sum(heard in t for t in tg.texts(LIN.id)) == 1

    # exactly one process holds the Telegram sender lock …
    held = [await _lock_held(http, s) for s in (a, b)]
    assert sorted(held) == [0.0, 1.0]
    async with demo_app.db.engine.connect() as conn:
        locks = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND"
                " database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    assert locks == 1

    # … and when it dies, the other takes over and sends what is queued
    holder, survivor = (a, b) if held[0] else (b, a)
    holder.process.kill()
    await holder.process.wait()

    async def taken_over() -> bool:
        return await _lock_held(http, survivor) == 1.0

    await _until(taken_over)
    async with demo_app.db.transaction() as session:
        outbox.enqueue(
            session,
            person_id=None,
            channel="telegram",
            external_id=str(WANG.id),
            payload={"text": "接管后的通知"},
            now=datetime.now(UTC),  # the processes run on the real clock
        )

    async def delivered() -> bool:
        return "接管后的通知" in tg.texts(WANG.id)

    await _until(delivered)

    # every log line of both processes is one JSON object, and no secret is logged
    for server in (a, b):
        logged = server.log.read_text()
        lines = [line for line in logged.splitlines() if line.strip()]
        assert lines and all(json.loads(line)["level"] for line in lines), server.log
        assert TOKEN not in logged and SECRET not in logged


async def _as_demo_person(app: App, user: User, name: str) -> None:
    """Give a demo person (registered, with a home) a Telegram identity."""
    async with app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == name))
        ).scalar_one()
        session.add(Identity(person_id=person.id, channel="telegram", external_id=str(user.id)))


async def test_a_double_tap_reaching_both_processes_takes_effect_once(
    servers: tuple[FakeTelegram, list[Server], httpx.AsyncClient], demo_app: App
) -> None:
    """Two different updates of one person (a button pressed twice) at once, one to each process:
    the second waits for the first, sees the dialog it left, and does nothing again."""
    tg, (a, b), http = servers
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    residents = {User(7100 + i, name, "zh-hans"): name for i, name in enumerate(RESIDENTS)}
    organizer = User(7200, ORGANIZER, "zh-hans")
    for user, name in [*residents.items(), (organizer, ORGANIZER)]:
        await _as_demo_person(demo_app, user, name)

    async def say(user: User, lines: list[str]) -> None:
        for turn, said in enumerate(lines):
            server = (a, b)[turn % 2]
            answer = await http.post(
                f"{server.url}/telegram", json=tg.text(user, said), headers=headers
            )
            assert answer.status_code == 200

    async def double_tap(user: User, label: str) -> None:
        message = tg.last_with_buttons(user.id)
        taps = [tg.press(user, label, message), tg.press(user, label, message)]
        answers = await asyncio.gather(
            *(
                http.post(f"{s.url}/telegram", json=u, headers=headers)
                for s, u in zip((a, b), taps, strict=True)
            )
        )
        assert [r.status_code for r in answers] == [200, 200]

    async def ask_and_submit_twice(user: User) -> None:
        await say(user, ["需求", "陪老人看病", "1", "2", "1", "需要轮椅"])
        await double_tap(user, "确认提交")

    await asyncio.gather(*(ask_and_submit_twice(user) for user in residents))
    await say(organizer, ["/broadcast", "1", "2", "1", "1", "周六上午九点扫雪。", "1"])
    await double_tap(organizer, "发送")

    async with demo_app.db.transaction() as session:
        broadcasts = list((await session.execute(select(Broadcast))).scalars())
        assert len(broadcasts) == 1
        queued = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcasts[0].id)
        )
        assert queued == broadcasts[0].recipients > 0
        needs = (
            await session.execute(
                select(Person.display_name, func.count(Need.id))
                .join(Need, Need.person_id == Person.id)
                .group_by(Person.display_name)
            )
        ).all()
        assert sorted(needs) == sorted((name, 1) for name in RESIDENTS)
    for user in residents:
        assert sum("已提交服务需求" in t for t in tg.texts(user.id)) == 1
