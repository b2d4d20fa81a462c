"""Fuzzing: the dispatcher and both webhooks take anything without crashing or half-writing.

- The dispatcher (hypothesis, SQLite, a fresh demo district per example): random texts (Chinese,
  emoji, control characters, very long), odd numbers (full-width, superscript and other-script
  digits, 20 digits and more, control characters inside) as answers, command arguments and
  payload ids, commands from the route table with random arguments,
  keywords, button payloads with the table's prefixes and random ids, numbered answers and
  locations, from several kinds of people, flows started along the way. Never the "unhandled
  error" log line, always a non-empty reply in the person's language.
- The webhooks: mutated and random bodies, correctly authenticated. Never a 500, and a refused
  request writes nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.bootstrap import App, build
from bot.channels.telegram import TelegramChannel
from bot.channels.wechat import WeChatChannel, WeChatConfig
from bot.settings import Settings
from bot.web import create_web_app
from handlers.core.i18n import Translator
from handlers.core.messages import Location, Message, Reply
from handlers.routes import COMMANDS, KEYWORDS, PAYLOADS
from storage.models import Base, Identity
from tests.e2e.wechat.wx import WeChatServer, envelope
from tests.support.clock import FakeClock
from tests.support.errors import DispatcherErrors, dispatcher_errors
from tests.support.fake_telegram import TOKEN, FakeTelegram, User

SECRET = "fuzz-secret"
WX = WeChatConfig(
    token="fuzzToken",
    appid="wx00000000000000ff",
    secret="fuzz",
    aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    api_url="http://127.0.0.1:9",  # never reached: replies are passive within the test
)
# Who talks: (chat user id, language hint). The demo people are registered console users.
USERS = {
    "newcomer_zh": "zh-hans",
    "newcomer_en": "en",
    "赵淑兰": None,  # a resident
    "王海燕": None,  # an organizer
    "张磊": None,  # a grid worker
    "张淑珍": None,  # a volunteer who reads English (set below)
}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


# -- the dispatcher ------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# Numbers as people (and attackers) type them: full-width, superscript and other-script digits,
# past the database's integer, with control characters inside, very long.
odd_numbers = st.one_of(
    st.integers(0, 10**25).map(lambda n: str(n).translate(FULL_WIDTH)),
    st.integers(10**18, 10**22).map(str),
    st.sampled_from(["2147483647", "2147483648", "-2147483649", "0" * 30 + "1", "#" + "9" * 12]),
    st.text(alphabet="0123456789²³¹⁰①٣৭〇", min_size=1, max_size=6),
    st.builds(
        lambda n, c: f"{n}{c}{n}",
        st.integers(0, 99),
        st.sampled_from(["\x00", "\x1b", "\u200b", "\u202e", "\r\n", "\x7f", "\u0085"]),
    ),
    st.builds(lambda d, n: d * n, st.sampled_from(["9", "９", "²"]), st.integers(30, 3000)),
)
texts = st.one_of(
    st.text(max_size=40),
    odd_numbers,
    st.sampled_from(
        ["你好", "我要提案", "加装电梯", "明天下午", "跳过", "返回", "取消", "1", "2", "9", "0", ""]
    ),
    st.text(alphabet="😀🏠\u200b\u202e\x00\x07\r\n\t ]]><&'\"%{}", max_size=20),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(400, 700)),
)
commands = st.builds(
    lambda name, args: f"/{name} {args}".strip(),
    st.sampled_from(sorted(COMMANDS)),
    st.one_of(st.just(""), st.integers(-3, 40).map(str), odd_numbers, texts),
)
payloads = st.one_of(
    st.builds(
        lambda prefix, parts: ":".join([prefix, *parts]),
        st.sampled_from(sorted(PAYLOADS)),
        st.lists(
            st.one_of(
                st.integers(-1, 30).map(str),
                odd_numbers,
                st.sampled_from(["yes", "accept", "x", ""]),
            ),
            max_size=3,
        ),
    ),
    st.sampled_from(["agree", "disagree", "resident", "invite", "skip", "done", "keep", "erase"]),
    st.builds(lambda n: f"r{n}", st.one_of(st.integers(0, 60).map(str), odd_numbers)),
    st.builds(lambda n: f"n{n}", odd_numbers),  # "n12": the count choices of organizations
    st.sampled_from(["/back", "/cancel", "t_disabled", "zh_CN", "en", "adult", "minor"]),
)
actions = st.one_of(
    st.builds(lambda t: {"text": t}, texts),
    st.builds(lambda t: {"text": t}, commands),
    st.builds(lambda t: {"text": t}, st.sampled_from(sorted(KEYWORDS))),
    st.builds(lambda p: {"payload": p}, payloads),
    st.builds(
        lambda lat, lon: {"location": Location(lat, lon)},
        st.floats(-90, 90, allow_nan=False),
        st.floats(-180, 180, allow_nan=False),
    ),
)
scripts = st.lists(st.tuples(st.sampled_from(sorted(USERS)), actions), min_size=1, max_size=10)


@pytest.fixture
def errors() -> Iterator[DispatcherErrors]:
    """The "unhandled error" lines the dispatcher logs, caught."""
    with dispatcher_errors() as handler:
        yield handler


async def _lang(app: App, user: str) -> str | None:
    async with app.db.transaction() as session:
        ident = await session.scalar(
            select(Identity).where(Identity.channel == "console", Identity.external_id == user)
        )
        return ident.person.lang if ident is not None else None


def _in_language(replies: list[Reply], langs: set[str]) -> bool:
    text = "\n".join(r.text for r in replies)
    cjk, latin = len(CJK.findall(text)), len(re.findall(r"[A-Za-z]", text))
    zh = cjk > 0
    en = bool(LATIN_WORD.search(text)) and cjk <= latin
    return any(zh if lang.startswith("zh") else en for lang in langs)


async def _play(
    script: list[tuple[str, dict[str, Any]]], base: Path, translator: Translator
) -> None:
    target = base.with_name("example.db")
    shutil.copy(base, target)
    clock = FakeClock()
    app = build(
        Settings(LINLI_LANG="zh_CN"),
        database_url=f"sqlite+aiosqlite:///{target}",
        clock=clock,
        translator=translator,
    )
    try:
        for number, (user, action) in enumerate(script):
            clock.advance(seconds=3)  # a human pace: the flood guard stays out of it
            before = await _lang(app, user)
            message = Message(
                channel="console",
                user_id=user,
                display_name=user,
                lang_hint=USERS[user],
                update_key=f"fuzz{number}",
                text=action.get("text", ""),
                payload=action.get("payload"),
                location=action.get("location"),
            )
            outcome = await app.dispatcher.handle(message)
            assert outcome.replies, f"no reply to {action}"
            for reply in outcome.replies:
                assert reply.text.strip() or reply.document or reply.photo, outcome.replies
            langs = {lang for lang in (before, await _lang(app, user)) if lang}
            langs = langs or {"zh_CN" if USERS[user] != "en" else "en"}
            assert _in_language(outcome.replies, langs), (user, langs, action, outcome.replies)
    finally:
        await app.close()


@pytest.mark.slow
def test_the_dispatcher_answers_anything_without_crashing(
    sqlite_seeded_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    translator: Translator,
    errors: DispatcherErrors,
) -> None:
    base = tmp_path_factory.mktemp("fuzz") / "base.db"
    shutil.copy(sqlite_seeded_template, base)
    with sqlite3.connect(base) as conn:
        conn.execute("UPDATE persons SET lang = 'en' WHERE display_name = '张淑珍'")

    played: list[int] = []
    with asyncio.Runner() as runner:

        @settings(
            max_examples=200,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(script=scripts)
        def play(script: list[tuple[str, dict[str, Any]]]) -> None:
            runner.run(_play(script, base, translator))
            assert not errors.records, errors.records[0].getMessage()
            played.append(len(script))

        play()
    assert len(played) >= 150 and sum(played) >= 600  # hypothesis really explored


# -- the webhooks --------------------------------------------------------------------------------


async def _rows(app: App) -> dict[str, int]:
    async with app.db.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def _junk(rng: random.Random) -> Any:
    """A random JSON value, sometimes deep, sometimes odd."""
    pick = rng.randrange(9)
    if pick == 0:
        return rng.randint(-(2**70), 2**70)
    if pick == 1:
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(0, 30)))
    if pick == 2:
        return [_junk(rng) for _ in range(rng.randrange(0, 3))]
    if pick == 3:
        return {rng.choice(["text", "id", "from", "chat", "data"]): _junk(rng)}
    if pick == 4:
        return None
    if pick == 5:
        return rng.random() * 1e12
    if pick == 6:
        return rng.choice([True, False])
    if pick == 7:
        return "/start " * rng.randrange(1, 4)
    return ""


def _mutate(value: Any, rng: random.Random) -> Any:
    """A copy of a JSON document with a few fields dropped, replaced or added."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.1:
                continue
            out[key] = _junk(rng) if roll < 0.25 else _mutate(item, rng)
        if rng.random() < 0.2:
            out[rng.choice(["message", "callback_query", "edited_message", "x"])] = _junk(rng)
        return out
    if isinstance(value, list):
        return [_mutate(v, rng) for v in value]
    return _junk(rng) if rng.random() < 0.15 else value


def _telegram_bodies(tg: FakeTelegram, rng: random.Random, count: int) -> Iterator[bytes]:
    user = User(8801, "模糊", "zh-hans")
    samples = [
        tg.text(user, "/start"),
        tg.text(user, "你好"),
        tg.location(user, 39.9, 116.4),
        tg.photo(user, "AgAD", "报事"),
        tg.press_data(user, "cosign:1", {"message_id": 1, "date": 0, "chat": user.chat()}),
    ]
    for number in range(count):
        kind = number % 4
        if kind == 0:
            yield json.dumps(_mutate(rng.choice(samples), rng)).encode()
        elif kind == 1:
            yield json.dumps(_junk(rng)).encode()
        elif kind == 2:
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        else:
            doc = _mutate(rng.choice(samples), rng)
            text = json.dumps(doc)
            yield text[: rng.randrange(0, len(text) + 1)].encode()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API (replies to valid updates are sent there)."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def settings_with_channels(tg: FakeTelegram) -> Settings:
    """The deployment's settings with the Telegram channel pointed at the fake server."""
    return Settings(
        LINLI_LANG="zh_CN",
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_URL=tg.base_url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )


async def test_telegram_webhook_takes_random_bodies(
    demo_app: App,
    tg: FakeTelegram,
    settings_with_channels: Settings,
    engine_name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if engine_name != "sqlite":
        pytest.skip("fuzzing runs on SQLite")
    demo_app.settings = settings_with_channels
    channel = TelegramChannel.from_app(demo_app)
    web = create_web_app(demo_app, [channel], senders=False)
    rng = random.Random(20261130)
    statuses: dict[int | str, int] = {}
    failures: list[str] = []
    async with (
        web.router.lifespan_context(web),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://x") as http,
    ):
        for body in _telegram_bodies(tg, rng, 160):
            before = await _rows(demo_app)
            response = await http.post(
                "/telegram",
                content=body,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            # Malformed updates are acknowledged (200: Telegram resends anything else) and
            # logged once; they write nothing.
            dropped = _malformed(caplog)
            status = "malformed" if dropped else response.status_code
            statuses[status] = statuses.get(status, 0) + 1
            if response.status_code not in (200, 413) or dropped > 1:
                failures.append(f"{response.status_code}, {dropped} logs: {body[:300]!r}")
            elif (dropped or response.status_code != 200) and await _rows(demo_app) != before:
                failures.append(f"refused but written: {body[:300]!r}")
            caplog.clear()
    assert not failures, "\n".join(failures)
    assert statuses.get("malformed") and statuses.get(200), statuses  # both kinds exercised


def _malformed(caplog: pytest.LogCaptureFixture) -> int:
    return sum("malformed" in r.getMessage() for r in caplog.records)


def _wechat_bodies(rng: random.Random, now: int, count: int) -> Iterator[str]:
    types = ["text", "image", "voice", "video", "location", "link", "event", "shortvideo", "?"]
    events = ["subscribe", "unsubscribe", "CLICK", "LOCATION", "VIEW", "SCAN", ""]
    for number in range(count):
        kind = number % 5
        fields: dict[str, Any] = {}
        for name in rng.sample(
            [
                "Content",
                "MsgId",
                "Event",
                "EventKey",
                "Location_X",
                "Location_Y",
                "MediaId",
                "Recognition",
                "Latitude",
                "Longitude",
                "PicUrl",
                "Label",
                "Scale",
            ],
            rng.randrange(0, 6),
        ):
            value = _junk(rng)
            if name == "Event":
                value = rng.choice(events)
            fields[name] = value if isinstance(value, str | int) else json.dumps(value)
        user = rng.choice(["oFuzz1", "oFuzz2", "", "o" + "x" * 200, "赵淑兰"])
        body = envelope(user, now + rng.randrange(-10, 10), rng.choice(types), fields)
        if kind == 1:
            body = body[: rng.randrange(0, len(body) + 1)]  # cut short
        elif kind == 2:
            body = body.replace("<xml>", "<xml>" + "<a>" * rng.randrange(1, 60), 1)
        elif kind == 3:
            body = "".join(chr(rng.randrange(1, 0x2FF)) for _ in range(rng.randrange(0, 300)))
        yield body


async def test_wechat_webhook_takes_random_signed_bodies(
    demo_app: App, clock: FakeClock, engine_name: str
) -> None:
    if engine_name != "sqlite":
        pytest.skip("fuzzing runs on SQLite")
    rng = random.Random(20261201)
    statuses: dict[int, int] = {}
    failures: list[str] = []
    for aes in (False, True):  # plain mode has no key; with a key only AES is taken
        channel = WeChatChannel(demo_app, WX if aes else dataclasses.replace(WX, aes_key=None))
        web = create_web_app(demo_app, [channel], senders=False)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=web), base_url="http://x"
            ) as http:
                wx = WeChatServer(http, WX, clock, aes=aes)
                for body in _wechat_bodies(rng, wx.now, 80):
                    before = await _rows(demo_app)
                    answer = await wx.post(body.encode("utf-8", "replace"))
                    statuses[answer.status] = statuses.get(answer.status, 0) + 1
                    if answer.status not in (200, 400, 403, 413):
                        failures.append(f"{answer.status}: {body[:300]!r}")
                    elif answer.status != 200 and await _rows(demo_app) != before:
                        failures.append(f"refused but written: {body[:300]!r}")
                    clock.advance(seconds=3)
                await channel.settle()
        finally:
            await channel.stop()
    assert not failures, "\n".join(failures)
    assert statuses.get(400) and statuses.get(200), statuses
