"""Soak: two `linli serve` processes and a `linli worker` on PostgreSQL under simulated users.

Runs on one machine against the fake Bot API (tests/support/fake_telegram): a fresh database with
the demo district and `--open-needs` open needs (and one volunteer per two needs), then `--users`
Telegram users at about `--rate` updates per second for `--duration` seconds through the real
`/telegram` webhook: registration by buttons, /help, /me, and proposals (title, text, scope,
category). 5 % of updates are delivered a second time (to either process); a tenth of the
proposals' last button is pressed twice at once, two different updates sent to both processes
(a double tap). Two notices go to the community during the run; during the first the worker is
killed with SIGKILL, during the second one serve process (each restarted after 3 s). An update a
process could not take (connection refused, 5xx) is sent again to the other, as Telegram does.

At the end it waits for the outbox to drain and checks the database and the fake server:
soak_updates (distinct updates answered 200), soak_lost (answered but never processed),
soak_duplicate_effects (extra proposals or consents, double taps included), soak_5xx,
soak_broadcast_missing / soak_broadcast_duplicates (per recipient chat), soak_p99_ms (whole run)
and soak_p99_ms_sweeps (requests sent while a dispatch sweep was running), and
soak_rss_growth_mb_per_min (serve processes, slope over the second half). Merged into
bench/results.json. `--short`: 30 s, 40 users, 20 updates/s, 100 open needs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import os
import random
import socket
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.bench_sweep import seed  # noqa: E402
from bench.results import merge  # noqa: E402
from bot.bootstrap import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.broadcasts import queue_broadcast  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import (  # noqa: E402
    AuditEntry,
    Broadcast,
    DueJob,
    OutboxMessage,
    ProcessedUpdate,
    Proposal,
    Region,
)
from tests.support.fake_telegram import TOKEN, FakeTelegram, User  # noqa: E402
from tests.support.fake_telegram.protocol import callback_buttons  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/linli_soak"
LINLI = str(Path(sys.executable).with_name("linli"))
SECRET = "soak-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@dataclass
class Proc:
    """One `linli serve` or `linli worker` process."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    url: str = ""
    process: asyncio.subprocess.Process | None = None
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)

    async def start(self) -> None:
        """Start (or restart) the process."""
        with self.log.open("a") as sink:
            self.process = await asyncio.create_subprocess_exec(
                LINLI, *self.args, env=self.env, cwd=ROOT, stdout=sink, stderr=sink
            )

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


@dataclass
class Tally:
    """What the users saw."""

    latencies: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds)
    answered: set[int] = field(default_factory=set)
    status_5xx: int = 0
    refused: int = 0
    titles: list[str] = field(default_factory=list)
    double_taps: int = 0
    stuck: int = 0
    sweeps: list[tuple[float, float]] = field(default_factory=list)  # dispatch sweep windows


def _free_port() -> int:
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


class Soak:
    """The processes, the fake Bot API and the simulated users."""

    def __init__(self, opts: argparse.Namespace, tg: FakeTelegram, workdir: Path) -> None:
        self.opts, self.tg = opts, tg
        self.tally = Tally()
        self.rnd = random.Random(7)
        self._keys: dict[int, list[tuple[int, int]]] = {}  # chat → its messages, oldest first
        self._indexed = 0
        self.t0 = time.monotonic()
        env = {k: v for k, v in os.environ.items() if k != "LINLI_LOG_FORMAT"}
        env |= {
            "DATABASE_URL": opts.database_url,
            "LINLI_LOG_LEVEL": "WARNING",
            "LINLI_SENDER_LOCK_RETRY_SECONDS": "0.5",
            "LINLI_SWEEP_SECONDS": "5",
            "LINLI_QUIET_START": "00:00",
            "LINLI_QUIET_END": "00:00",
            "LINLI_FLOOD_MESSAGES": "1000",
            "LINLI_SERVE_SWEEPS": "false" if opts.worker_sweeps_only else "true",
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_URL": tg.base_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WECHAT_TOKEN": "",
        }
        self.serves = []
        for name in ("a", "b"):
            port = _free_port()
            proc = Proc(
                name,
                ["serve", "--port", str(port)],
                env | {"LINLI_DATA_DIR": str(workdir / name)},
                workdir / f"{name}.log",
                url=f"http://127.0.0.1:{port}",
            )
            self.serves.append(proc)
        self.worker = Proc(
            "w", ["worker"], env | {"LINLI_DATA_DIR": str(workdir / "w")}, workdir / "w.log"
        )

    def now(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.t0

    async def start(self, http: httpx.AsyncClient) -> None:
        """Start every process; wait until the serve processes answer /healthz."""
        for proc in (*self.serves, self.worker):
            await self.restart(http, proc)

    async def healthy(self, http: httpx.AsyncClient, proc: Proc) -> bool:
        """Wait for /healthz of a serve process; False if it exited (e.g. its start timed out)."""
        for _ in range(1200):
            if not proc.alive:
                return False
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{proc.url}/healthz")).status_code == 200:
                    return True
            await asyncio.sleep(0.1)
        return False

    async def restart(self, http: httpx.AsyncClient, proc: Proc) -> None:
        """Start a process again until it runs (a start under load may time out, as in life)."""
        for _ in range(5):
            await proc.start()
            if proc is self.worker:
                return
            if await self.healthy(http, proc):
                return
        raise RuntimeError(f"{proc.name} did not start: see {proc.log}")

    async def post(self, http: httpx.AsyncClient, update: dict[str, Any], first: int) -> None:
        """Deliver an update like Telegram: to one process, again to the other if it fails."""
        sent = self.now()
        for attempt in range(20):
            proc = self.serves[(first + attempt) % 2]
            try:
                answer = await http.post(f"{proc.url}/telegram", json=update, headers=HEADERS)
            except httpx.TransportError:
                self.tally.refused += 1
                await asyncio.sleep(0.2)
                continue
            if answer.status_code >= 500:
                self.tally.status_5xx += 1
                await asyncio.sleep(0.2)
                continue
            self.tally.latencies.append((sent, self.now() - sent))
            self.tally.answered.add(update["update_id"])
            return

    def last_with_buttons(self, chat: int) -> dict[str, Any]:
        """The chat's newest message showing buttons, as the fake server's own lookup finds it,
        without sorting every message of the run on each press (the driver shares the CPU)."""
        fresh = len(self.tg.messages) - self._indexed
        new = [key for _, key in zip(range(fresh), reversed(self.tg.messages), strict=False)]
        for key in reversed(new):
            self._keys.setdefault(key[0], []).append(key)
        self._indexed += fresh
        for key in reversed(self._keys.get(chat, [])):
            message = self.tg.messages[key]
            if callback_buttons(message):
                return copy.deepcopy(message)
        raise AssertionError(f"no message with buttons in chat {chat}")

    def press(self, user: User, label: str) -> dict[str, Any]:
        """A press of the button with this label (or containing it) on the newest keyboard."""
        return self.tg.press(user, label, self.last_with_buttons(user.id))

    async def say(self, http: httpx.AsyncClient, user: User, said: str) -> bool:
        """Send a text or press a button ("[label]"); 5 % delivered twice. False: no button."""
        if said.startswith("["):
            update = None
            for _ in range(20):  # the previous answer may still be on its way
                with contextlib.suppress(AssertionError, KeyError):
                    update = self.press(user, said[1:-1])
                    break
                await asyncio.sleep(0.1)
            if update is None:
                return False
        else:
            update = self.tg.text(user, said)
        first = self.rnd.randrange(2)
        if self.rnd.random() < 0.05:
            second = self.rnd.randrange(2)
            await asyncio.gather(
                self.post(http, update, first), self.post(http, dict(update), second)
            )
        else:
            await self.post(http, update, first)
        return True

    async def double_tap(self, http: httpx.AsyncClient, user: User, label: str) -> bool:
        """Two presses of one button (two different updates), at once, to both processes."""
        try:
            one = self.press(user, label)
            two = self.press(user, label)
        except AssertionError:
            return False
        self.tally.double_taps += 1
        await asyncio.gather(self.post(http, one, 0), self.post(http, two, 1))
        return True

    def buttons(self, user: User) -> list[str]:
        """Labels of the user's latest message with buttons."""
        with contextlib.suppress(AssertionError, KeyError, ValueError):
            message = self.last_with_buttons(user.id)
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            return [b["text"] for row in rows for b in row]
        return []

    async def user(self, http: httpx.AsyncClient, index: int, until: float, pace: float) -> None:
        """One simulated resident: registers, then asks for help, their data, and proposes."""
        user = User(800_000 + index, f"居民{index}", "zh-hans")
        steps = ["/start", "[中文]", "[社区居民]", "[劲松北社区]", "[第二网格]"]
        steps += [f"[就叫我「{user.first_name}」]", "[同意]"]
        await asyncio.sleep(self.rnd.random() * pace)
        n = 0
        while self.now() < until:
            for said in steps:
                if self.now() >= until:
                    return
                if not await self.say(http, user, said):
                    self.tally.stuck += 1
                    await self.say(http, user, "/cancel")
                    break
                await asyncio.sleep(pace * (0.5 + self.rnd.random()))
            n += 1
            steps = await self.propose_steps(http, user, index, n, pace)

    async def propose_steps(
        self, http: httpx.AsyncClient, user: User, index: int, n: int, pace: float
    ) -> list[str]:
        """Send /help, /me and a proposal up to its last button; return the steps of next round."""
        title = f"第{index}号楼第{n}次提议{self.rnd.randrange(10**6)}"
        body = f"建议{title}：楼道灯坏了很久，晚上老人上下楼不方便，希望尽快修好并定期检查。"
        for said in ("/help", "/me", "/propose", title, body):
            await self.say(http, user, said)
            await asyncio.sleep(pace * (0.5 + self.rnd.random()))
        if "仍然提出新提案" in self.buttons(user):
            await self.say(http, user, "[仍然提出新提案]")
            await asyncio.sleep(pace)
        if any(b.startswith("全社区") for b in self.buttons(user)):
            await self.say(http, user, "[全社区]")
            await asyncio.sleep(pace)
        self.tally.titles.append(title)
        if self.rnd.random() < 0.1:
            await self.double_tap(http, user, "设施")
        else:
            await self.say(http, user, "[设施]")
        return []  # next rounds: /help, /me and another proposal only

    async def watch(self, app: Any, until: float) -> None:
        """RSS of the serve processes and the windows when a dispatch sweep runs."""
        running_since: float | None = None
        while self.now() < until:
            for proc in self.serves:
                rss = proc.rss_mb()
                if rss is not None:
                    proc.rss.append((self.now(), rss))
            async with app.db.transaction() as session:
                busy = await session.scalar(
                    select(func.count())
                    .select_from(DueJob)
                    .where(DueJob.kind == "dispatch_needs", DueJob.status == "running")
                )
            if busy and running_since is None:
                running_since = self.now()
            elif not busy and running_since is not None:
                self.tally.sweeps.append((running_since, self.now()))
                running_since = None
            await asyncio.sleep(0.5)
        if running_since is not None:
            self.tally.sweeps.append((running_since, self.now()))

    async def broadcast(self, app: Any, label: str) -> int:
        """A notice to everyone in 劲松北社区; returns its id."""
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

    async def kill_during(self, app: Any, http: httpx.AsyncClient, proc: Proc, label: str) -> int:
        """Queue a notice, SIGKILL `proc` while it goes out, restart it 3 s later."""
        broadcast = await self.broadcast(app, label)
        await asyncio.sleep(0.3)
        if proc.process is not None and proc.alive:
            proc.process.kill()
            await proc.process.wait()
        await asyncio.sleep(3)
        await self.restart(http, proc)
        return broadcast


def _p99(values: list[float]) -> float:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else 0.0
    return round(statistics.quantiles(values, n=100)[98] * 1000, 1)


def _slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope over the second half of the run (after warm-up)."""
    half = [s for s in samples if s[0] >= samples[-1][0] / 2] if samples else []
    if len(half) < 3:
        return 0.0
    slope = statistics.linear_regression([t for t, _ in half], [m for _, m in half]).slope
    return round(slope * 60, 2)


async def check(app: Any, soak: Soak, broadcasts: list[int]) -> dict[str, Any]:
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
    lost = len(soak.tally.answered - processed)
    extra = sum(n - 1 for n in per_title.values() if n > 1) + sum(
        n - 1 for _, n in consents if n > 1
    )
    latencies = [s for _, s in soak.tally.latencies]
    during = [
        s for at, s in soak.tally.latencies if any(a <= at <= b for a, b in soak.tally.sweeps)
    ]
    rss = [_slope_mb_per_min(p.rss) for p in soak.serves]
    return {
        "soak_updates": len(soak.tally.answered),
        "soak_lost": lost,
        "soak_duplicate_effects": extra,
        "soak_double_taps": soak.tally.double_taps,
        "soak_5xx": soak.tally.status_5xx,
        "soak_refused": soak.tally.refused,
        "soak_broadcast_missing": missing,
        "soak_broadcast_duplicates": duplicates,
        "soak_p99_ms": _p99(latencies),
        "soak_p99_ms_sweeps": _p99(during),
        "soak_rss_growth_mb_per_min": max(rss) if rss else 0.0,
        "soak_stuck_dialogs": soak.tally.stuck,
    }


async def _drained(app: Any, timeout: float) -> None:
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


async def run(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Set up, drive the users, break things, check."""
    await recreate(opts.database_url)
    quiet = {"LINLI_QUIET_START": "00:00", "LINLI_QUIET_END": "00:00"}  # any time of day
    app = build(Settings(LINLI_LOG_LEVEL="WARNING", **quiet), database_url=opts.database_url)
    await migrate.upgrade(app.db.engine)
    await seed(app, opts.open_needs, max(opts.open_needs // 2, 50), lambda: datetime.now(UTC))
    async with app.db.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=opts.users)
    async with FakeTelegram() as tg, httpx.AsyncClient(timeout=60, limits=limits) as http:
        soak = Soak(opts, tg, workdir)
        try:
            await soak.start(http)
            soak.t0 = time.monotonic()
            until = opts.duration
            pace = opts.users / opts.rate  # seconds between one user's updates, on average
            watcher = asyncio.create_task(soak.watch(app, until))
            users = [
                asyncio.create_task(soak.user(http, i, until, pace)) for i in range(opts.users)
            ]
            await asyncio.sleep(until * 0.4)
            first = await soak.kill_during(app, http, soak.worker, "一")
            await asyncio.sleep(until * 0.3)
            second = await soak.kill_during(app, http, soak.serves[0], "二")
            await asyncio.gather(*users)
            await watcher
            await _drained(app, timeout=120)
            await asyncio.sleep(2)
            figures = await check(app, soak, [first, second])
        finally:
            for proc in (*soak.serves, soak.worker):
                if proc.process is not None and proc.alive:
                    proc.process.terminate()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(proc.process.wait(), 30)
                if proc.process is not None and proc.alive:
                    proc.process.kill()
    await app.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, print and merge the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second, about")
    parser.add_argument("--open-needs", type=int, default=1000)
    parser.add_argument(
        "--worker-sweeps-only", action="store_true", help="serve processes do not sweep"
    )
    parser.add_argument("--short", action="store_true", help="30 s, 40 users, 20/s, 100 needs")
    parser.add_argument("--database-url", default=DEFAULT_DB, help="dropped and created again")
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "soak")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    if parser.parse_args(argv).short:  # smaller defaults; options given still count
        parser.set_defaults(duration=30.0, users=40, rate=20.0, open_needs=100)
    opts = parser.parse_args(argv)
    opts.workdir.mkdir(parents=True, exist_ok=True)
    figures = asyncio.run(run(opts, opts.workdir))
    for key in sorted(figures):
        print(f"{key:<32}{figures[key]:>12}")
    merge(opts.results, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
