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

The open needs are seeded as ranked already; at `--needs-at` of the run they become due and a
dispatch sweep is due at once, so their sweep runs under load.

At the end it waits for the outbox to drain and checks the database and the fake server:
soak_updates (distinct updates answered 200), soak_lost (answered but never processed),
soak_duplicate_effects (extra proposals or consents, double taps included), soak_5xx,
soak_broadcast_missing / soak_broadcast_duplicates (per recipient chat), the latency figures of
bench/soak_figures.py (soak_p99_ms: what a live process took; the retry after a kill apart; the
phases warm-up, steady, sweep, after kill; sweeps timed from the processes' logs), CPU per
delivery and soak_rss_growth_mb_per_min (serve processes, slope over the second half). Merged
into bench/results.json; every delivery goes to requests.json in the work directory.

The same-run baseline (bench/soak_baseline.py), before the load: a bare uvicorn app answering
the same kind of updates at the same rate; `soak_serve_cpu_ratio` and `soak_p99_ratio` compare.
`--short`: 30 s, 40 users, 20 updates/s, 100 open needs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import text, update  # noqa: E402

from bench.bench_sweep import seed  # noqa: E402
from bench.results import merge  # noqa: E402
from bench.soak_baseline import echo_baseline, ratios  # noqa: E402
from bench.soak_figures import Attempt, Delivery, Interval, Kill, dump, print_table  # noqa: E402
from bench.soak_support import (  # noqa: E402
    Proc,
    Tally,
    check,
    drained,
    free_port,
    needs_due,
    queue_notice,
    recreate,
)
from bot import loop  # noqa: E402
from bot.bootstrap import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import Need  # noqa: E402
from tests.support.fake_telegram import TOKEN, FakeTelegram, User  # noqa: E402
from tests.support.fake_telegram.protocol import callback_buttons  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/linli_soak"
SECRET = "soak-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
WEBHOOK_CONNECTIONS = 100
WORKER_RUNNING = "worker running"  # what `linli worker` logs once it runs (bot/scheduler.py)


class Soak:
    """The processes, the fake Bot API and the simulated users."""

    def __init__(self, opts: argparse.Namespace, tg: FakeTelegram, workdir: Path) -> None:
        self.opts, self.tg = opts, tg
        self.tally = Tally()
        self.rnd = random.Random(7)
        self._keys: dict[int, list[tuple[int, int]]] = {}  # chat → its messages, oldest first
        self._indexed = 0
        self.t0 = time.monotonic()
        self.wall0 = time.time()  # the same instant on the wall clock (the processes' logs)
        env = {k: v for k, v in os.environ.items() if k != "LINLI_LOG_FORMAT"}
        env |= {
            "DATABASE_URL": opts.database_url,
            "LINLI_LOG_LEVEL": "INFO",  # the sweeps' "job … done" lines time them
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
        self.table: list[tuple[str, int, float, float, float]] = []  # phases, set by check()
        self.sweeps: list[Interval] = []  # set by check()
        for name in ("a", "b", "w"):  # each run's own logs: the sweeps are read from them
            (workdir / f"{name}.log").unlink(missing_ok=True)
        self.serves = []
        for name in ("a", "b"):
            port = free_port()
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

    async def start(self, http: aiohttp.ClientSession) -> None:
        """Start every process at once; wait until the serve processes answer /healthz."""
        await asyncio.gather(*(self.restart(http, proc) for proc in (*self.serves, self.worker)))

    async def healthy(self, http: aiohttp.ClientSession, proc: Proc) -> bool:
        """Wait for /healthz of a serve process; False if it exited (e.g. its start timed out)."""
        for _ in range(1200):
            if not proc.alive:
                return False
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{proc.url}/healthz") as answer:
                    if answer.status == 200:
                        return True
            await asyncio.sleep(0.1)
        return False

    async def says(self, proc: Proc, line: str, times: int) -> bool:
        """Wait until `line` is in the process's log `times` times; False if it exited first."""
        for _ in range(600):
            if not proc.alive:
                return False
            if proc.log_count(line) >= times:
                return True
            await asyncio.sleep(0.1)
        return False

    async def restart(self, http: aiohttp.ClientSession, proc: Proc) -> None:
        """Start a process again until it runs (a start under load may time out, as in life)."""
        for _ in range(5):
            # (read for the worker only: a serve process's log holds a line per request)
            runs = proc.log_count(WORKER_RUNNING) if proc is self.worker else 0
            await proc.start()
            if proc is self.worker:
                # It says so once running (a worker that could not reach the Bot API exits).
                if await self.says(proc, WORKER_RUNNING, runs + 1):
                    return
                continue
            if await self.healthy(http, proc):
                proc.ready()
                return
        raise RuntimeError(f"{proc.name} did not start: see {proc.log}")

    async def post(
        self, http: aiohttp.ClientSession, update: dict[str, Any], first: int, step: str = ""
    ) -> None:
        """Deliver an update like Telegram: to one process, again to the other if it fails.
        Every attempt is kept (process, start, end, status): see bench/soak_figures.py."""
        delivery = Delivery(update["update_id"], step, self.now())
        self.tally.deliveries.append(delivery)
        for attempt in range(20):
            proc = self.serves[(first + attempt) % 2]
            start = self.now()
            try:
                async with http.post(
                    f"{proc.url}/telegram", json=update, headers=HEADERS
                ) as answer:
                    status, body = answer.status, await answer.read()
            except (aiohttp.ClientError, TimeoutError):
                delivery.attempts.append(Attempt(proc.name, start, self.now(), None))
                self.tally.refused += 1
                await asyncio.sleep(0.2)
                continue
            delivery.attempts.append(Attempt(proc.name, start, self.now(), status))
            self.tg.webhook_answered(status, body)
            if status >= 500:
                self.tally.status_5xx += 1
                await asyncio.sleep(0.2)
                continue
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

    async def say(self, http: aiohttp.ClientSession, user: User, said: str) -> bool:
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
        step = said if said.startswith(("/", "[")) else "text"
        if self.rnd.random() < 0.05:
            second = self.rnd.randrange(2)
            await asyncio.gather(
                self.post(http, update, first, step),
                self.post(http, dict(update), second, step + " again"),
            )
        else:
            await self.post(http, update, first, step)
        return True

    async def double_tap(self, http: aiohttp.ClientSession, user: User, label: str) -> bool:
        """Two presses of one button (two different updates), at once, to both processes."""
        try:
            one = self.press(user, label)
            two = self.press(user, label)
        except AssertionError:
            return False
        self.tally.double_taps += 1
        tap = f"[{label}] double tap"
        await asyncio.gather(self.post(http, one, 0, tap), self.post(http, two, 1, tap))
        return True

    def buttons(self, user: User) -> list[str]:
        """Labels of the user's latest message with buttons."""
        with contextlib.suppress(AssertionError, KeyError, ValueError):
            message = self.last_with_buttons(user.id)
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            return [b["text"] for row in rows for b in row]
        return []

    async def user(
        self, http: aiohttp.ClientSession, index: int, until: float, pace: float
    ) -> None:
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
            steps = await self.propose_steps(http, user, index, n, pace, until)

    async def propose_steps(
        self, http: aiohttp.ClientSession, user: User, index: int, n: int, pace: float, until: float
    ) -> list[str]:
        """Send /help, /me and a proposal up to its last button; return the steps of next round
        (none once the run is over: a proposal left half-way is a dialog like any other)."""
        title = f"第{index}号楼第{n}次提议{self.rnd.randrange(10**6)}"
        body = f"建议{title}：楼道灯坏了很久，晚上老人上下楼不方便，希望尽快修好并定期检查。"
        for said in ("/help", "/me", "/propose", title, body):
            if self.now() >= until:
                return []
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

    async def watch(self, until: float) -> None:
        """RSS and CPU seconds of the processes (the driver's own too), and the driver's loop lag:
        a late wake-up here is time the driver, not a server, added to what it measured."""
        me = Proc("driver", [], {}, Path())
        while self.now() < until:
            for proc in (*self.serves, self.worker):
                rss = proc.rss_mb()
                if rss is not None and proc is not self.worker:
                    proc.rss.append((self.now(), rss))
                proc.sample_cpu()
            me.sample_cpu(os.getpid())
            me.ready_cpu.setdefault(os.getpid(), me.cpu[os.getpid()])  # its set-up not counted
            asked = self.now()
            await asyncio.sleep(0.5)
            self.tally.lag.append(self.now() - asked - 0.5)
        self.tally.cpu = {p.name: p.cpu_s for p in (*self.serves, self.worker, me)}
        self.tally.driver_cpu_s = me.cpu_load_s

    async def needs_arrive(self, app: Any) -> None:
        """The open needs become due for ranking now (bench/soak_support.py `needs_due`)."""
        await needs_due(app)
        self.tally.needs_at = self.now()

    async def kill_during(
        self, app: Any, http: aiohttp.ClientSession, proc: Proc, label: str
    ) -> int:
        """Queue a notice, SIGKILL `proc` while it goes out, restart it 3 s later."""
        broadcast = await queue_notice(app, label)
        await asyncio.sleep(0.3)
        killed = self.now()
        if proc.process is not None and proc.alive:
            proc.sample_cpu()
            proc.process.kill()
            await proc.process.wait()
        await asyncio.sleep(3)
        await self.restart(http, proc)
        self.tally.kills.append(Kill(proc.name, killed, self.now()))
        return broadcast


async def run(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Set up, drive the users, break things, check."""
    await recreate(opts.database_url)
    quiet = {"LINLI_QUIET_START": "00:00", "LINLI_QUIET_END": "00:00"}  # any time of day
    app = build(Settings(LINLI_LOG_LEVEL="WARNING", **quiet), database_url=opts.database_url)
    await migrate.upgrade(app.db.engine)
    await seed(app, opts.open_needs, max(opts.open_needs // 2, 50), lambda: datetime.now(UTC))
    async with app.db.transaction() as session:  # ranked already: they arrive under load
        await session.execute(update(Need).values(considered_at=datetime.now(UTC)))
    async with app.db.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
    # At most 100 updates in flight, as Telegram sends a webhook (setWebhook max_connections is
    # 40 by default, 100 at most); more wait, and their wait counts in their latency. aiohttp:
    # httpx scans every pooled connection on each request, which cost this driver 40-60 % of
    # its CPU, taken from the processes it measures.
    connector = aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS)
    timeout = aiohttp.ClientTimeout(total=60)
    async with (
        FakeTelegram() as tg,
        aiohttp.ClientSession(connector=connector, timeout=timeout) as http,
    ):
        # The same-run baseline first, while nothing else runs: a bare server, the same load.
        baseline = await echo_baseline(
            http,
            tg,
            HEADERS,
            users=opts.users,
            rate=opts.rate,
            seconds=opts.baseline_seconds or min(20.0, opts.duration / 10),
            workdir=workdir,
        )
        soak = Soak(opts, tg, workdir)
        try:
            await soak.start(http)
            soak.t0, soak.wall0 = time.monotonic(), time.time()
            until = opts.duration
            pace = opts.users / opts.rate  # seconds between one user's updates, on average
            watcher = asyncio.create_task(soak.watch(until))
            users = [
                asyncio.create_task(soak.user(http, i, until, pace)) for i in range(opts.users)
            ]
            await asyncio.sleep(until * opts.needs_at)
            await soak.needs_arrive(app)
            await asyncio.sleep(max(until * 0.4 - soak.now(), 0))
            first = await soak.kill_during(app, http, soak.worker, "一")
            await asyncio.sleep(max(until * 0.7 - soak.now(), 0))
            second = await soak.kill_during(app, http, soak.serves[0], "二")
            await asyncio.gather(*users)
            await watcher
            await drained(app, timeout=120)
            await asyncio.sleep(2)
            figures = await check(app, soak, [first, second]) | baseline
            figures |= ratios(figures)
            print_table(soak.table)
            extra = {"needs_at": soak.tally.needs_at, "wall0": soak.wall0, "figures": figures}
            dump(
                workdir / "requests.json",
                soak.tally.deliveries,
                soak.tally.kills,
                soak.sweeps,
                extra,
            )
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
        "--needs-at",
        type=float,
        default=0.2,
        help="when the open needs become due for ranking, as a fraction of the run (0.2)",
    )
    parser.add_argument(
        "--worker-sweeps-only", action="store_true", help="serve processes do not sweep"
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=None,
        help="seconds of the bare-server baseline before the soak (a tenth of --duration, ≤ 20)",
    )
    parser.add_argument("--short", action="store_true", help="30 s, 40 users, 20/s, 100 needs")
    parser.add_argument("--database-url", default=DEFAULT_DB, help="dropped and created again")
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "soak")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    if parser.parse_args(argv).short:  # smaller defaults; options given still count
        parser.set_defaults(duration=30.0, users=40, rate=20.0, open_needs=100)
    opts = parser.parse_args(argv)
    opts.workdir.mkdir(parents=True, exist_ok=True)
    figures = loop.run(run(opts, opts.workdir))  # the driver shares the CPU: uvloop
    for key in sorted(figures):
        print(f"{key:<32}{figures[key]:>12}")
    merge(opts.results, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
