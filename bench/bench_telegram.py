"""Benchmark of the Telegram channel: inbound updates/s through the full stack, outbound send rate.

Run ``python bench/bench_telegram.py [--quick] [--results PATH] [--pg URL] [--profile]``.

Inbound: the same update JSON goes (a) through Linli — ``json.loads`` → PTB ``Update.de_json`` →
``Application.process_update`` → our TypeHandler → adapter (mapping) → dispatcher and handlers →
database commit → replies rendered to Bot API calls, which are *recorded* instead of sent (so the
figure is ours, not localhost HTTP) — and (b) through a bare PTB Application whose one handler
only echoes into a list. Both are measured in this run on the same machine; ratio = (a) ÷ (b).
The workload: registered demo-district users (registered first through the real /start dialog,
not timed) sending /me, /help, free text, and pressing a button. The flood guard is raised so it
does not drop the benchmark's traffic.

Two ways of feeding both, each reported:
- *queued* (the headline): a backlog of updates drained the way long polling drains what
  getUpdates returns — Linli's through its poller's handling (bot/channels/telegram/polling.py:
  chats side by side, one chat's in order), the bare echo through PTB's update queue and
  processor. The baseline is the bare echo's best rate in any mode (sequential, queued one at a
  time, queued 100 at once). This is the capacity figure: how many updates per second the bot
  gets through when they arrive faster than it answers; updates that wait together share a
  database transaction (handlers/core/batching.py).
- *sequential*: one ``process_update`` after another, each finished before the next starts —
  one user's latency rather than the bot's capacity; no two updates can share a transaction.

The benchmark's process settles its heap once set up (`bot.bootstrap.settle_heap`, gc.freeze),
as `linli serve`, `linli run` and `linli worker` do once started; it applies to both sides.

Also shown: (c) the channel alone: the queued path with the dispatcher stubbed to canned replies
— the ceiling the Telegram layer itself allows.

Outbound: N notices in the outbox to N chats, drained by OutboxSender + TelegramTransport through
PTB's HTTP stack into the fake Bot API server (tests/support/fake_telegram.py), which enforces the
configured limit itself (a token bucket holding one second's worth) and answers 429 beyond it.
Reported: the steady send rate — messages sent after the first second (which may carry the
buckets' initial burst) ÷ the time from then to the last send — against the limit, and the 429s
the sender met (each retried; none lost or sent twice: checked).

Prints one table and merges its figures into bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import Application, TypeHandler  # noqa: E402

from bench.results import merge  # noqa: E402
from bench.scratch import pg_database  # noqa: E402
from bot.bootstrap import App, build, settle_heap  # noqa: E402
from bot.channels.telegram import (  # noqa: E402
    CHANNEL,
    LIMITS,
    Outgoing,
    TelegramAdapter,
    TelegramTransport,
    build_application,
)
from bot.channels.telegram.polling import UpdatePoller  # noqa: E402
from bot.sender import OutboxSender  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.admin.seed import seed_demo  # noqa: E402
from handlers.core.messages import Choice, Outcome, Reply  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import create_engine  # noqa: E402
from storage.models import Person, utcnow  # noqa: E402
from storage.repos import outbox  # noqa: E402
from tests.support.fake_telegram import TOKEN, FakeTelegram, User  # noqa: E402

DEFAULT_RESULTS = ROOT / "bench" / "results.json"
SEND_LIMIT = 30.0  # Telegram's overall limit, messages per second
REGISTER = ["/start", "1", "1", "1", "1", "1", "1"]  # 中文, resident, community, grid, name, agree
MIX = ("/me", "/help", "你好", "press:/help")


class RecordingApi:
    """Records the Bot API calls the adapter renders, instead of sending them."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, call: Outgoing, **extra: Any) -> Any:
        self.calls += 1
        return None


def _settings(tg: FakeTelegram) -> Settings:
    return Settings(
        LINLI_LANG="zh_CN",
        LINLI_LOG_LEVEL="WARNING",
        LINLI_FLOOD_MESSAGES=1_000_000,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_URL=tg.base_url,
        TELEGRAM_WEBHOOK_SECRET="bench",
    )


async def _prepare(url: str) -> None:
    """Migrate and load the demo district."""
    engine = create_engine(url)
    await migrate.upgrade(engine)
    from sqlalchemy.ext.asyncio import async_sessionmaker

    async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        await seed_demo(session, utcnow(), Settings().policy_version)
    await engine.dispose()


class Updates:
    """Update JSON as Telegram would post it, with fresh update ids."""

    def __init__(self, tg: FakeTelegram) -> None:
        self.tg = tg
        self.keyboard = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {},
            "text": "请选择：",
            "reply_markup": {"inline_keyboard": [[{"text": "帮助", "callback_data": "/help"}]]},
        }

    def make(self, user: User, said: str) -> bytes:
        """One update's JSON: a text from `user`, or a press ("press:<data>")."""
        if said.startswith("press:"):
            message = {**self.keyboard, "chat": user.chat()}
            update = self.tg.press_data(user, said[len("press:") :], message)
        else:
            update = self.tg.text(user, said)
        return json.dumps(update, ensure_ascii=False).encode()


async def _feed(app: Any, raws: list[bytes]) -> float:
    """Push raw update JSON through an Application one after another; updates per second."""
    start = time.perf_counter()
    for raw in raws:
        await app.process_update(Update.de_json(json.loads(raw), app.bot))
    return len(raws) / (time.perf_counter() - start)


async def _drain(app: Any, raws: list[bytes]) -> float:
    """A backlog through the started Application's update queue, as polling feeds it; per second.

    Parsing is inside the timing, as in `_feed`; the queue is joined when every update has been
    processed (PTB marks each done after its handlers return).
    """
    start = time.perf_counter()
    for raw in raws:
        app.update_queue.put_nowait(Update.de_json(json.loads(raw), app.bot))
    await app.update_queue.join()
    return len(raws) / (time.perf_counter() - start)


async def _drain_polling(app: Any, raws: list[bytes]) -> float:
    """A backlog through Linli's long-polling handling (bot/channels/telegram/polling.py), as
    getUpdates feeds it: chats side by side, one chat's in order; per second."""
    poller = UpdatePoller(app.bot, lambda update: app.process_update(update))
    start = time.perf_counter()
    await poller.handle_all([Update.de_json(json.loads(raw), app.bot) for raw in raws])
    return len(raws) / (time.perf_counter() - start)


async def _linli_app(linli: App) -> tuple[Any, RecordingApi]:
    application = build_application(linli.settings)
    api = RecordingApi()
    adapter = TelegramAdapter(linli, api)
    application.add_handler(TypeHandler(Update, adapter.on_update))
    await application.initialize()
    return application, api


async def bench_inbound(
    tg: FakeTelegram, url: str, n_users: int, n_updates: int, profile: bool
) -> dict[str, float]:
    """Full stack, sequential and queued, on one database; also checks it really worked."""
    linli = build(_settings(tg), database_url=url)
    application, api = await _linli_app(linli)
    updates = Updates(tg)
    users = [User(900_000 + i, f"用户{i}") for i in range(n_users)]
    warm = [updates.make(u, said) for said in REGISTER for u in users]
    await _feed(application, warm)
    async with linli.db.transaction() as session:
        from sqlalchemy import func, select

        registered = await session.scalar(
            select(func.count()).select_from(Person).where(Person.display_name.like("用户%"))
        )
    assert registered == n_users, f"only {registered} of {n_users} registered"

    def workload() -> list[bytes]:
        return [updates.make(users[i % n_users], MIX[i % len(MIX)]) for i in range(n_updates)]

    api.calls = 0
    sequential = await _feed(application, workload())
    assert api.calls >= n_updates, "replies were not rendered"
    api.calls = 0
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    queued = await _drain_polling(application, workload())
    if profiler:
        profiler.disable()
        _print_profile(profiler)
    assert api.calls >= n_updates, "replies were not rendered"
    await application.shutdown()
    batches, batched = linli.dispatcher.batcher.batches, linli.dispatcher.batcher.batched
    await linli.close()
    return {"seq": sequential, "queued": queued, "per_batch": batched / batches if batches else 1}


async def bench_bare(tg: FakeTelegram, n_updates: int) -> dict[str, float]:
    """A bare PTB Application with one handler that only echoes (into a list): sequential, and
    queued with PTB's processor one at a time and 100 at once."""
    echoed: list[tuple[int, str]] = []

    async def echo(update: Update, _: Any) -> None:
        """Record the update's text or button data."""
        chat = update.effective_chat
        said = update.message.text if update.message else update.callback_query.data  # type: ignore[union-attr]
        echoed.append((chat.id if chat else 0, said or ""))

    updates = Updates(tg)
    users = [User(800_000 + i, f"u{i}") for i in range(200)]
    raws = [updates.make(users[i % 200], MIX[i % len(MIX)]) for i in range(n_updates)]
    rates: dict[str, float] = {}
    for mode, in_flight in (("seq", 1), ("queued_1", 1), ("queued_100", 100)):
        application = (
            Application.builder()
            .token(TOKEN)
            .base_url(tg.base_url)
            .updater(None)
            .concurrent_updates(in_flight)
            .build()
        )
        application.add_handler(TypeHandler(Update, echo))
        await application.initialize()
        await _feed(application, raws[: n_updates // 10])  # warm-up
        echoed.clear()
        if mode == "seq":
            rates[mode] = await _feed(application, raws)
        else:
            await application.start()
            rates[mode] = await _drain(application, raws)
            await application.stop()
        assert len(echoed) == n_updates
        await application.shutdown()
    return rates


async def bench_layer(tg: FakeTelegram, n_updates: int) -> float:
    """The channel alone: the same path with the dispatcher answering canned replies (no database).

    This is the ceiling the Telegram layer (PTB + mapping + rendering) allows on its own.
    """
    linli = build(_settings(tg), database_url="sqlite+aiosqlite:///:memory:")
    canned = Outcome(
        [Reply("可以使用的功能：\n" * 12, (Choice("中文", "zh_CN"), Choice("English", "en")))]
    )

    class Canned:
        async def handle(self, _message: Any) -> Outcome:
            """The same replies for everything."""
            return canned

    linli.dispatcher = Canned()  # type: ignore[assignment]
    application, _ = await _linli_app(linli)
    updates = Updates(tg)
    users = [User(600_000 + i, f"u{i}") for i in range(200)]
    raws = [updates.make(users[i % 200], MIX[i % len(MIX)]) for i in range(n_updates)]
    await _feed(application, raws[: n_updates // 10])  # warm-up
    rate = await _drain_polling(application, raws)
    await application.shutdown()
    await linli.close()
    return rate


async def bench_outbound(url: str, n_messages: int) -> dict[str, float]:
    """OutboxSender + TelegramTransport → PTB → the fake server enforcing SEND_LIMIT."""
    async with FakeTelegram(rate_limit=SEND_LIMIT) as tg:
        linli = build(_settings(tg), database_url=url)
        now = utcnow()
        async with linli.db.transaction() as session:
            for i in range(n_messages):
                outbox.enqueue(
                    session,
                    person_id=None,
                    channel=CHANNEL,
                    external_id=str(700_000 + i),
                    payload={"text": f"社区通知 {i}：本周六上午九点清扫楼道。"},
                    now=now,
                )
        application = build_application(linli.settings)
        await application.initialize()
        sender = OutboxSender(
            linli.db,
            TelegramTransport.for_bot(application.bot),
            utcnow,
            replace(LIMITS, per_second=SEND_LIMIT),
        )
        sent = 0
        while sent < n_messages:
            stats = await sender.drain()
            sent += stats.sent
            if not stats.sent:
                await asyncio.sleep(0.05)
        await application.shutdown()
        await linli.close()
        times = sorted(c.at for c in tg.sent())
        per_chat = {c.chat_id for c in tg.sent()}
        assert len(times) == n_messages and len(per_chat) == n_messages, "lost or duplicated"
        # Buckets start full, so the first second may carry a burst: measure after it.
        start = times[0] + 1.0
        steady = [t for t in times if t > start]
        rate = len(steady) / (times[-1] - start) if len(steady) > 1 else 0.0
        return {
            "steady": rate,
            "429s": float(tg.rate_limited),
            "rate_limited_handled": float(sender.stats.rate_limited),
        }


def _print_profile(profiler: cProfile.Profile) -> None:
    """Where the full stack's time goes: own time by package, then the top functions."""
    stats = pstats.Stats(profiler)
    by_area: dict[str, float] = {}
    total = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        area = _area(filename)
        by_area[area] = by_area.get(area, 0.0) + tottime
        total += tottime
    print("own time by area (cProfile, sequential full-stack run):")
    for area, seconds in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"  {area:<28} {100 * seconds / total:5.1f} %")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


def _area(filename: str) -> str:
    for marker, name in (
        ("sqlalchemy", "sqlalchemy"),
        ("aiosqlite", "aiosqlite"),
        ("asyncpg", "asyncpg"),
        ("/telegram/", "python-telegram-bot"),
        ("asyncio", "asyncio (event loop, waits)"),
        ("babel", "babel (i18n)"),
        (str(ROOT / "handlers"), "handlers/"),
        (str(ROOT / "bot"), "bot/"),
        (str(ROOT / "storage"), "storage/"),
        ("~", "builtins (sqlite3, json …)"),
    ):
        if marker in filename:
            return name
    return "other"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement; PostgreSQL when a URL is given."""
    # quick: a smoke run (tests/e2e/telegram/test_bench_smoke.py), every figure but tiny samples
    n_users, n_updates, n_send = (10, 60, 60) if args.quick else (200, 3_000, 450)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await _prepare(sqlite_url)
        settle_heap()  # as `linli serve` and `linli run` do once started; the bare echo too
        async with FakeTelegram() as tg:
            bare = await bench_bare(tg, n_updates * 2)
            baseline = max(bare.values())  # the bare echo at its best, however it is fed
            layer = await bench_layer(tg, n_updates * 2)
            full = await bench_inbound(tg, sqlite_url, n_users, n_updates, args.profile)
            figures["tg_bare_echo_per_s"] = round(baseline)
            figures["tg_bare_echo_per_s_seq"] = round(bare["seq"])
            figures["tg_layer_only_per_s"] = round(layer)
            figures["tg_layer_only_ratio"] = round(layer / baseline, 4)
            figures["tg_inbound_per_s_sqlite"] = round(full["queued"])
            figures["tg_inbound_ratio_sqlite"] = round(full["queued"] / baseline, 4)
            figures["tg_inbound_per_s_sqlite_seq"] = round(full["seq"])
            figures["tg_inbound_ratio_sqlite_seq"] = round(full["seq"] / bare["seq"], 4)
            figures["tg_updates_per_transaction_sqlite"] = round(full["per_batch"], 1)
            if args.pg:
                async with pg_database(args.pg, "bench_tg") as pg_url:
                    await _prepare(pg_url)
                    pg = await bench_inbound(tg, pg_url, n_users, n_updates, False)
                    figures["tg_inbound_per_s_pg"] = round(pg["queued"])
                    figures["tg_inbound_ratio_pg"] = round(pg["queued"] / baseline, 4)
                    figures["tg_inbound_per_s_pg_seq"] = round(pg["seq"])
        send_url = f"sqlite+aiosqlite:///{tmp}/send.db"
        await _prepare(send_url)
        sent = await bench_outbound(send_url, n_send)
        figures["tg_send_per_s"] = round(sent["steady"], 2)
        figures["tg_send_limit_per_s"] = SEND_LIMIT
        figures["tg_send_pct_of_limit"] = round(100 * sent["steady"] / SEND_LIMIT, 1)
        figures["tg_send_429s"] = int(sent["429s"])
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, merge the figures into the results file."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="PostgreSQL URL")
    parser.add_argument("--profile", action="store_true", help="cProfile the full-stack run")
    args, _ = parser.parse_known_args(argv)  # bench/run.py passes every script the same flags
    logging.getLogger("bot").setLevel(logging.WARNING)
    figures = asyncio.run(run(args))
    _print_table(figures, args.quick)
    merge(args.results, figures)
    return 0


def _print_table(figures: dict[str, Any], quick: bool) -> None:
    ratio = figures["tg_inbound_ratio_sqlite"]
    pct = figures["tg_send_pct_of_limit"]
    seq_ratio = figures["tg_inbound_ratio_sqlite_seq"]
    rows: list[tuple[str, Any, str, str]] = [
        ("tg_bare_echo_per_s", figures["tg_bare_echo_per_s"], "baseline", ""),
        ("tg_layer_only_per_s", figures["tg_layer_only_per_s"], "no database", ""),
        ("tg_layer_only_ratio", f"{100 * figures['tg_layer_only_ratio']:.1f} %", "-", ""),
        ("tg_inbound_per_s_sqlite", figures["tg_inbound_per_s_sqlite"], "queued", ""),
        ("tg_inbound_ratio_sqlite", f"{100 * ratio:.1f} %", "≥ 25 %", _ok(ratio >= 0.25)),
        ("tg_updates_per_transaction", figures["tg_updates_per_transaction_sqlite"], "-", ""),
        ("tg_inbound_per_s_pg", figures.get("tg_inbound_per_s_pg", "not run"), "queued", ""),
        ("tg_bare_echo_per_s_seq", figures["tg_bare_echo_per_s_seq"], "sequential", ""),
        ("tg_inbound_per_s_sqlite_seq", figures["tg_inbound_per_s_sqlite_seq"], "sequential", ""),
        ("tg_inbound_ratio_sqlite_seq", f"{100 * seq_ratio:.1f} %", "sequential", ""),
        (
            "tg_inbound_per_s_pg_seq",
            figures.get("tg_inbound_per_s_pg_seq", "not run"),
            "sequential",
            "",
        ),
        ("tg_send_per_s", figures["tg_send_per_s"], f"limit {SEND_LIMIT:g}", ""),
        ("tg_send_pct_of_limit", f"{pct} %", "≥ 95 %", _ok(pct >= 95)),
        ("tg_send_429s", figures["tg_send_429s"], "all retried", ""),
    ]
    print(f"Telegram channel benchmark ({'quick' if quick else 'full'})")
    print(f"{'figure':<28} {'value':>12}  {'target':<12} ok")
    for name, value, target, ok in rows:
        print(f"{name:<28} {value!s:>12}  {target:<12} {ok}")


def _ok(flag: bool) -> str:
    return "yes" if flag else "NO"


if __name__ == "__main__":
    sys.exit(main())
