"""Hypothesis against both webhooks: forged and replayed signatures, wrong JSON types, odd digits,
control characters and long fields.

Derandomized and bounded (a fixed set of examples, a few seconds each run), on SQLite, through
the real ASGI app of `linli serve`. Never a 5xx (the database is up); a forged, stale, downgraded
or replayed request, and a malformed Telegram update, change no row.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmltodict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from bot.bootstrap import App, build
from bot.channels.telegram import TelegramChannel
from bot.channels.wechat import WeChatChannel, WeChatConfig
from bot.channels.wechat.protocol import sign
from bot.settings import Settings
from bot.web import create_web_app
from handlers.core.i18n import Translator
from storage.models import Base
from tests.e2e.wechat.wx import cdata
from tests.support.clock import FakeClock
from tests.support.fake_telegram import TOKEN, FakeTelegram, User

SECRET = "fuzz-webhooks-secret"
WX = WeChatConfig(
    token="fuzzHooksToken",
    appid="wx00000000000000fe",
    aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
)
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- what an attacker (or a broken client) sends ---------------------------------------------------

ODD_DIGITS = ["²", "１２", "٣", "۴۵", "〇", "Ⅻ", "1" * 20, "9" * 40, "-0", "1e9", "0x1f", " 7 ", ""]
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u200b\u202e\ufeff\r\n\t"
texts = st.one_of(
    st.sampled_from(["/start", "/me", "帮助", "提案", "1", "2", *ODD_DIGITS]),
    st.text(max_size=30),
    st.text(alphabet=CONTROL + "]]><&'\"%{}/1²", max_size=30),
    st.builds(
        lambda s, n: s * n, st.sampled_from(["长", "a", "²", "\x07"]), st.integers(200, 3000)
    ),
)
junk = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        texts,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["id", "text"]), inner)
    ),
    max_leaves=5,
)
_nonces = itertools.count(5_000_001)
_msg_ids = itertools.count(9_100_000_000_000_000_001)
_update_ids = itertools.count(900_000_001)


def _rows_query() -> Any:
    return [select(func.count()).select_from(t) for t in Base.metadata.sorted_tables]


class Rig:
    """One demo district served through the real ASGI app: WeChat plain, WeChat safe mode, and
    Telegram against a fake Bot API; all on one event loop (the runner's)."""

    def __init__(self, app: App, clock: FakeClock) -> None:
        self.app, self.clock = app, clock
        self.stack = contextlib.AsyncExitStack()
        self.malformed = 0

    async def start(self) -> None:
        """Start the fake Bot API, the channels and their HTTP clients."""
        tg = await self.stack.enter_async_context(FakeTelegram())
        self.tg = tg
        self.app.settings = Settings(
            LINLI_LANG="zh_CN",
            LINLI_FLOOD_MESSAGES=10**6,
            TELEGRAM_TOKEN=TOKEN,
            TELEGRAM_API_URL=tg.base_url,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
        )
        plain = WeChatChannel(self.app, dataclasses.replace(WX, aes_key=None))
        safe = WeChatChannel(self.app, WX)
        telegram = TelegramChannel.from_app(self.app)
        self.plain = await self._client(plain)
        self.safe = await self._client(safe)
        web = create_web_app(self.app, [telegram], senders=False)
        await self.stack.enter_async_context(web.router.lifespan_context(web))
        self.telegram = await self._client(web)

    async def _client(self, channel: Any) -> httpx.AsyncClient:
        if isinstance(channel, WeChatChannel):
            self.stack.push_async_callback(channel.stop)
            channel = create_web_app(self.app, [channel], senders=False)
        transport = httpx.ASGITransport(app=channel)
        return await self.stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://fuzz")
        )

    async def rows(self) -> list[int]:
        """Rows in every table."""
        async with self.app.db.transaction() as session:
            return [int(await session.scalar(q) or 0) for q in _rows_query()]

    # -- WeChat ---------------------------------------------------------------------------------

    def query(self, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        """A correctly signed query string (fresh nonce)."""
        ts = timestamp if timestamp is not None else str(int(self.clock().timestamp()))
        n = nonce if nonce is not None else str(next(_nonces))
        return {"timestamp": ts, "nonce": n, "signature": sign(WX.token, ts, n)}

    def seal(self, xml: str, query: dict[str, str]) -> tuple[dict[str, str], str]:
        """The safe-mode form of a callback: (query with msg_signature, encrypted body)."""
        assert WX.aes_key
        crypto = WeChatCrypto(WX.token, WX.aes_key, WX.appid)
        sealed = crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        encrypted = xmltodict.parse(sealed)["xml"]["Encrypt"]
        signature = sign(WX.token, query["timestamp"], query["nonce"], encrypted)
        body = f"<xml><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return query | {"encrypt_type": "aes", "msg_signature": signature}, body

    async def wechat(
        self, client: httpx.AsyncClient, query: dict[str, str], body: str | bytes
    ) -> int:
        """POST one callback; its status."""
        content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        return (await client.post("/wechat", params=query, content=content)).status_code


def _wechat_body(user: str, kind: str, field: str, value: Any, msg_id: Any, created: int) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    fields = {
        "text": f"<Content>{cdata(shown)}</Content>",
        "event": f"<Event>{cdata(shown)}</Event><EventKey>{cdata('cmd:' + shown)}</EventKey>",
        "location": f"<Location_X>{shown}</Location_X><Location_Y>{shown}</Location_Y>",
        "image": f"<MediaId>{cdata(shown)}</MediaId>",
    }.get(kind, f"<{field}>{cdata(shown)}</{field}>")
    return (
        f"<xml><ToUserName>{cdata('gh_fuzz')}</ToUserName><FromUserName>{cdata(user)}"
        f"</FromUserName><CreateTime>{created}</CreateTime><MsgType>{cdata(kind)}</MsgType>"
        f"{fields}<MsgId>{msg_id}</MsgId></xml>"
    )


wechat_users = st.one_of(
    st.sampled_from(["oFuzzUser0001", "oFuzzUser0002", "赵淑兰"]),
    st.text(alphabet=CONTROL + "o1²", min_size=1, max_size=12),
    st.text(min_size=120, max_size=200),
)
wechat_messages = st.tuples(
    wechat_users,
    st.sampled_from(["text", "text", "event", "location", "image", "voice", "?"]),
    st.sampled_from(["Content", "Recognition", "Label"]),
    junk,
    st.one_of(st.integers(-(2**70), 2**70), st.sampled_from(ODD_DIGITS)),
)
ATTACKS = ["genuine", "retry", "replay", "forged", "stale", "odd timestamp", "downgrade"]


async def _wechat_example(rig: Rig, safe: bool, attack: str, message: tuple[Any, ...]) -> str:
    """Play one attack; returns what was tried ("replay:200": a replay of an accepted query)."""
    rig.clock.advance(seconds=2)
    user, kind, field, value, msg_id = message
    now = int(rig.clock().timestamp())
    body = _wechat_body(user, kind, field, value, next(_msg_ids) if kind == "text" else msg_id, now)
    client = rig.safe if safe else rig.plain

    async def post(query: dict[str, str], xml: str, *, plain: bool = False) -> int:
        if safe and not plain:
            query, xml = rig.seal(xml, query)
        status = await rig.wechat(client, query, xml)
        assert status < 500, (attack, safe, status, xml[:200])
        return status

    query = rig.query()
    if attack in ("genuine", "retry", "replay"):
        first = await post(query, body)
        before = await rig.rows()
        if attack == "retry" and first == 200:
            assert await post(query, body) == 200  # WeChat's own retry is answered …
            assert await rig.rows() == before  # … and takes no effect twice
        elif attack == "replay" and first == 200:  # a refused body claims no nonce
            other = _wechat_body("oIntruder0001", "text", "Content", "/start", next(_msg_ids), now)
            assert await post(query, other) == 403
            assert await rig.rows() == before
        return f"{attack}:{first}"
    before = await rig.rows()
    if attack == "forged":
        forged = query | {"signature": rig.query()["signature"]}  # another request's signature
        status = await post(forged, body)
    elif attack == "stale":
        status = await post(rig.query(timestamp=str(now - 301)), body)
    elif attack == "odd timestamp":
        odd = ODD_DIGITS[now % len(ODD_DIGITS)]
        status = await post(rig.query(timestamp=odd), body)
    else:  # a plain body (no encrypt_type): a downgrade where the key is set
        status = await post(query, body, plain=True)
        if not safe:
            return attack  # plain mode: this is the genuine case
    assert status in (400, 403), (attack, status)
    assert await rig.rows() == before
    return attack


# -- Telegram -------------------------------------------------------------------------------------

PATHS = [
    ("update_id",),
    ("message",),
    ("message", "text"),
    ("message", "date"),
    ("message", "chat"),
    ("message", "chat", "id"),
    ("message", "chat", "type"),
    ("message", "from"),
    ("message", "from", "id"),
    ("message", "from", "first_name"),
    ("message", "from", "language_code"),
    ("message", "from", "is_bot"),
    ("message", "entities"),
    ("message", "location"),
    ("message", "photo"),
    ("message", "caption"),
]


def _set(update: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target: Any = update
    for key in path[:-1]:
        if not isinstance(target, dict) or not isinstance(target.get(key), dict):
            return
        target = target[key]
    target[path[-1]] = value


telegram_edits = st.lists(st.tuples(st.sampled_from(PATHS), junk), max_size=3)


async def _telegram_example(
    rig: Rig, text: str, edits: list[tuple[tuple[str, ...], Any]], secret: str | None
) -> None:
    rig.clock.advance(seconds=2)
    user = User(8802, "模糊", "zh-hans")
    update = rig.tg.text(user, text)
    update["update_id"] = next(_update_ids)
    for path, value in edits:
        _set(update, path, value)
    before, malformed = await rig.rows(), rig.malformed
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    body = json.dumps(update, ensure_ascii=False).encode("utf-8", "surrogatepass")
    response = await rig.telegram.post("/telegram", content=body, headers=headers)
    assert response.status_code in (200, 403, 413), (response.status_code, update)
    if response.status_code == 403 or rig.malformed > malformed:
        assert await rig.rows() == before, update
    assert rig.malformed - malformed <= 1  # logged once
    if response.status_code == 200 and rig.malformed == malformed:
        # Telegram redelivers the same update: nothing changes again.
        before = await rig.rows()
        again = await rig.telegram.post("/telegram", content=body, headers=headers)
        assert again.status_code == 200 and await rig.rows() == before


# -- the tests ------------------------------------------------------------------------------


class _Counter(logging.Handler):
    def __init__(self, rig: Rig) -> None:
        super().__init__(logging.WARNING)
        self.rig = rig

    def emit(self, record: logging.LogRecord) -> None:
        if "malformed" in record.getMessage():
            self.rig.malformed += 1


@pytest.fixture
def rig(
    sqlite_seeded_template: Path, tmp_path: Path, translator: Translator, engine_name: str
) -> Iterator[Callable[[Callable[..., Any]], Any]]:
    """Runs a coroutine function against one started rig, on one event loop."""
    if engine_name != "sqlite":
        pytest.skip("fuzzing runs on SQLite")
    shutil.copy(sqlite_seeded_template, tmp_path / "fuzz.db")
    clock = FakeClock()
    app = build(
        Settings(LINLI_LANG="zh_CN"),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}",
        clock=clock,
        translator=translator,
    )
    the_rig = Rig(app, clock)
    counter = _Counter(the_rig)
    logger = logging.getLogger("bot.channels.telegram")
    logger.addHandler(counter)
    with asyncio.Runner() as runner:
        runner.run(the_rig.start())
        try:
            yield lambda work: runner.run(work(the_rig))
        finally:
            runner.run(the_rig.stack.aclose())
            runner.run(app.close())
            logger.removeHandler(counter)


def test_wechat_webhook_refuses_forged_and_replayed_callbacks(rig: Any) -> None:
    seen: list[str] = []

    @EXAMPLES
    @given(safe=st.booleans(), attack=st.sampled_from(ATTACKS), message=wechat_messages)
    def example(safe: bool, attack: str, message: tuple[Any, ...]) -> None:
        seen.append(rig(lambda r: _wechat_example(r, safe, attack, message)))

    example()
    tried = {tag.split(":")[0] for tag in seen}
    assert tried == set(ATTACKS) and {"retry:200", "replay:200"} <= set(seen), seen


def test_telegram_webhook_takes_wrong_types_and_odd_text(rig: Any) -> None:
    secrets: list[str | None] = []

    @EXAMPLES
    @given(
        text=texts,
        edits=telegram_edits,
        secret=st.sampled_from([SECRET, SECRET, SECRET, None, "wrong", SECRET + "x"]),
    )
    def example(text: str, edits: list[tuple[tuple[str, ...], Any]], secret: str | None) -> None:
        rig(lambda r: _telegram_example(r, text, edits, secret))
        secrets.append(secret)

    example()
    assert SECRET in secrets and None in secrets
