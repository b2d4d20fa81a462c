"""Failed password sign-ins are limited per client address as well as per login name, counted in
the database (two serve processes share the count), with a proxy's header believed only when
LINLI_OFFICE_CLIENT_IP_HEADER names it; a clear refusal in Chinese (and English), audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select

from bot.bootstrap import App, build
from bot.settings import Settings
from bot.web import create_web_app
from handlers.core.i18n import Translator
from handlers.office import throttle
from storage.models import AuditEntry, SigninThrottle
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.office import PRE, PUBLIC_URL, office_settings, sign_in

SECRET = "长城-2026-jinsong"
LOCKED_ZH = "这个网络地址登录失败次数太多，请 15 分钟后再试"


@pytest.fixture
def settings() -> Settings:
    return office_settings()


@asynccontextmanager
async def browser(app: App, address: str = "203.0.113.7") -> AsyncIterator[httpx.AsyncClient]:
    """A browser at `address` (the ASGI scope's client; nothing goes on the network)."""
    web = create_web_app(app, [], senders=False)
    transport = httpx.ASGITransport(app=web, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http


async def _try(
    http: httpx.AsyncClient, login: str, password: str, **headers: str
) -> httpx.Response:
    form = await http.get("/office/signin")
    pre = PRE.search(form.text)
    assert pre, form.text
    return await http.post(
        "/office/signin",
        data={"pre": pre.group(1), "login": login, "password": password},
        headers=headers,
    )


async def _count(chat: Chat, action: str) -> int:
    async with chat.app.db.transaction() as session:
        query = select(func.count()).where(AuditEntry.action == action)
        return int(await session.scalar(query) or 0)


async def _password(chat: Chat) -> None:
    async with browser(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        await http.post(
            "/office/password",
            data={
                "csrf": csrf,
                "action": "set",
                "login": "wanghy",
                "password": SECRET,
                "repeat": SECRET,
            },
        )


async def test_many_login_names_from_one_address_lock_that_address(
    chat: Chat, clock: FakeClock
) -> None:
    await _password(chat)
    async with browser(chat.app) as http:
        for n in range(throttle.MAX_FAILURES):
            answer = await _try(http, f"guess{n}", "not-the-password")
            assert answer.status_code == 403
        assert LOCKED_ZH in answer.text  # the try that reached the limit says so
        # Even the right password is refused now, without being checked.
        locked = await _try(http, "wanghy", SECRET)
        assert locked.status_code == 403 and LOCKED_ZH in locked.text
    assert await _count(chat, "office.address_limited") == 1
    assert await _count(chat, "office.address_locked") == 1
    async with chat.app.db.transaction() as session:
        [row] = (await session.execute(select(SigninThrottle))).scalars().all()
    assert row.address == throttle.digest("203.0.113.7") and "203.0" not in row.address
    async with browser(chat.app, "198.51.100.2") as other:  # another address is not held up
        assert (await _try(other, "wanghy", SECRET)).status_code == 303
    clock.advance(minutes=16)
    async with browser(chat.app) as http:
        assert (await _try(http, "wanghy", SECRET)).status_code == 303


async def test_the_count_is_shared_by_serve_processes(
    chat: Chat, db_url: str, clock: FakeClock, translator: Translator
) -> None:
    second = build(office_settings(), database_url=db_url, clock=clock, translator=translator)
    try:
        half = throttle.MAX_FAILURES // 2
        for app in (chat.app, second):  # two processes' apps on one database
            async with browser(app) as http:
                for n in range(half):
                    await _try(http, f"guess{n}", "wrong-password")
        async with browser(second) as http:
            assert LOCKED_ZH in (await _try(http, "anyone", "wrong-password")).text
    finally:
        await second.close()


async def test_a_forwarded_address_counts_only_where_configured(chat: Chat) -> None:
    # Not configured: the header is not believed, so changing it does not escape the limit.
    async with browser(chat.app, "127.0.0.1") as http:
        for n in range(throttle.MAX_FAILURES):
            await _try(http, "x", "wrong-password", **{"X-Forwarded-For": f"192.0.2.{n}"})
        answer = await _try(http, "x", "wrong-password", **{"X-Forwarded-For": "192.0.2.200"})
        assert LOCKED_ZH in answer.text
    async with chat.app.db.transaction() as session:
        keys = set((await session.execute(select(SigninThrottle.address))).scalars())
    assert keys == {throttle.digest("127.0.0.1")}


def test_the_proxy_header_is_read_only_when_named() -> None:
    headers = {"x-forwarded-for": "198.51.100.9, 192.0.2.1"}
    assert throttle.client_address("127.0.0.1", headers, "") == "127.0.0.1"
    # The last address is the one our proxy added; earlier ones are whatever the client sent.
    assert throttle.client_address("127.0.0.1", headers, "X-Forwarded-For") == "192.0.2.1"
    assert throttle.client_address("127.0.0.1", {}, "X-Real-IP") == "127.0.0.1"


def test_the_refusal_in_english(translator: Translator) -> None:
    text = translator.translate("en", "office.signin.address_locked", minutes=15)
    assert "Too many failed sign-ins from this network address" in text and "15" in text
    assert "15 分钟后再试" in translator.translate(
        "zh_CN", "office.signin.address_locked", minutes=15
    )
