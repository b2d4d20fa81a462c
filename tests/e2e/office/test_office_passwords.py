"""The optional console password: set on the console (or by `linli admin office-password`),
signed in with, failures counted and locked, every step audited; the chat's link stays."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from storage.models import AuditEntry, OfficePassword, OfficeSession
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.office import PRE, client, office_settings, sign_in

SECRET = "长城-2026-jinsong"


@pytest.fixture
def settings() -> Settings:
    return office_settings()


async def _set(http: httpx.AsyncClient, csrf: str, login: str, password: str) -> httpx.Response:
    return await http.post(
        "/office/password",
        data={
            "csrf": csrf,
            "action": "set",
            "login": login,
            "password": password,
            "repeat": password,
        },
    )


async def _try(http: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    form = await http.get("/office/signin")
    pre = PRE.search(form.text)
    assert pre, form.text
    return await http.post(
        "/office/signin", data={"pre": pre.group(1), "login": login, "password": password}
    )


async def _audit(chat: Chat, action: str) -> list[AuditEntry]:
    async with chat.app.db.transaction() as session:
        rows = await session.execute(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.scalars())


async def _sessions(chat: Chat) -> int:
    async with chat.app.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OfficeSession)) or 0)


async def test_a_staff_member_sets_a_password_and_signs_in_with_it(chat: Chat) -> None:
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        saved = await _set(http, csrf, "wanghy", SECRET)
        assert saved.status_code == 200 and "密码已设置，登录名：wanghy。" in saved.text
    async with chat.app.db.transaction() as session:
        row = (await session.execute(select(OfficePassword))).scalar_one()
    assert row.login == "wanghy" and row.hash.startswith("$argon2id$") and SECRET not in row.hash
    async with client(chat.app) as http:
        signed = await _try(http, "wanghy", SECRET)
        assert signed.status_code == 303
        home = await http.get("/office/", follow_redirects=True)
        assert "劲松北社区" in home.text
    entries = await _audit(chat, "office.sign_in")
    assert [e.details.get("method") for e in entries] == [None, "password"]
    assert len(await _audit(chat, "office.password_set")) == 1


async def test_wrong_passwords_lock_the_login_for_a_while(chat: Chat, clock: FakeClock) -> None:
    async with client(chat.app) as http:
        await _set(http, await sign_in(chat, http, "王海燕"), "wanghy", SECRET)
    before = await _sessions(chat)
    async with client(chat.app) as http:
        for _ in range(5):
            wrong = await _try(http, "wanghy", "not-the-password")
            assert wrong.status_code == 403 and "登录名或密码不对" in wrong.text
        locked = await _try(http, "wanghy", SECRET)  # right, but locked: not even checked
        assert locked.status_code == 403 and "锁定 15 分钟" in locked.text
        assert await _sessions(chat) == before
        assert len(await _audit(chat, "office.password_failed")) == 5
        assert len(await _audit(chat, "office.password_locked")) == 1
        clock.advance(minutes=16)
        assert (await _try(http, "wanghy", SECRET)).status_code == 303


async def test_an_unknown_login_or_a_form_from_elsewhere_opens_nothing(chat: Chat) -> None:
    async with client(chat.app) as http:
        unknown = await _try(http, "nobody", SECRET)
        assert unknown.status_code == 403 and "登录名或密码不对" in unknown.text
        forged = await http.post(
            "/office/signin", data={"pre": "guess", "login": "nobody", "password": SECRET}
        )
        assert forged.status_code == 403
    assert await _sessions(chat) == 0
    assert [e.target for e in await _audit(chat, "office.password_failed")] == ["login:unknown"]


async def test_a_login_name_is_one_persons_and_a_password_can_be_removed(chat: Chat) -> None:
    async with client(chat.app) as http:
        await _set(http, await sign_in(chat, http, "王海燕"), "jinsong", SECRET)
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "张磊")
        taken = await _set(http, csrf, "jinsong", SECRET)
        assert taken.status_code == 409 and "已经有人用了" in taken.text
        short = await _set(http, csrf, "zhanglei", "short")
        assert short.status_code == 400
        assert (await _set(http, csrf, "zhanglei", SECRET)).status_code == 200
        removed = await http.post("/office/password", data={"csrf": csrf, "action": "remove"})
        assert "密码已删除" in removed.text
        assert (await _try(http, "zhanglei", SECRET)).status_code == 403
    async with chat.app.db.transaction() as session:
        logins = (await session.execute(select(OfficePassword.login))).scalars().all()
    assert logins == ["jinsong"]
    assert len(await _audit(chat, "office.password_removed")) == 1


async def test_the_password_page_never_shows_a_hash(chat: Chat) -> None:
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        await _set(http, csrf, "wanghy", SECRET)
        page = await http.get("/office/password")
        assert "当前登录名：wanghy" in page.text
        assert not re.search(r"\$argon2", page.text) and SECRET not in page.text


async def test_erasing_a_staff_member_drops_their_login_and_hash(chat: Chat) -> None:
    from storage.models import Person
    from storage.repos import privacy

    async with client(chat.app) as http:
        await _set(http, await sign_in(chat, http, "王海燕"), "wanghy", SECRET)
    async with chat.app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == "王海燕"))
        ).scalar_one()
        await privacy.erase(session, person, chat.app.deps.clock(), "已删除")
    async with chat.app.db.transaction() as session:
        assert (await session.execute(select(OfficePassword))).first() is None
    async with client(chat.app) as http:
        assert (await _try(http, "wanghy", SECRET)).status_code == 403
