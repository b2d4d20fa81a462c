"""Helpers for the office console tests: the web app, signing in through the link sent in chat."""

from __future__ import annotations

import re

import httpx

from bot.bootstrap import App
from bot.settings import Settings
from bot.web import create_web_app
from tests.support.chat import Chat

PUBLIC_URL = "http://testserver"
LINK = re.compile(r"https?://\S+/office/login/[A-Za-z0-9_-]+")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PRE = re.compile(r'name="pre" value="([^"]+)"')


async def pending_correction(app: App, grid_code: str) -> int:
    """A service record in a grid whose volunteer asks for a correction (3 h → 4 h)."""
    from decimal import Decimal

    from sqlalchemy import select

    from storage.models import Region, ServiceRecord, VolunteerProfile

    async with app.db.transaction() as session:
        grid = (await session.execute(select(Region).where(Region.code == grid_code))).scalar_one()
        person = (
            (
                await session.execute(
                    select(VolunteerProfile.person_id).where(
                        VolunteerProfile.home_grid_id == grid.id
                    )
                )
            )
            .scalars()
            .first()
        )
        record = ServiceRecord(
            person_id=person,
            content="陪诊",
            served_at=app.deps.clock(),
            hours=Decimal(3),
            region_id=grid.id,
            correction_requested=Decimal(4),
            correction_reason="少记了一小时",
        )
        session.add(record)
        await session.flush()
        return record.id


def office_settings() -> Settings:
    """Settings with a public address, so /office can hand out links; figures never reused
    (a test changes items in chat and looks again at once; tests of the reuse set their own)."""
    return Settings(LINLI_LANG="zh_CN", LINLI_PUBLIC_URL=PUBLIC_URL, LINLI_OFFICE_FIGURES_SECONDS=0)


def client(app: App) -> httpx.AsyncClient:
    """An HTTP client on the real ASGI app (no channels, no senders)."""
    web = create_web_app(app, [], senders=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url=PUBLIC_URL)


async def link_for(chat: Chat, name: str) -> str:
    """Ask for a sign-in link in chat as `name`; the link the bot answered with."""
    text = await chat.text(name, "/office")
    found = LINK.search(text)
    assert found, text
    return found.group(0)


async def use_link(http: httpx.AsyncClient, link: str) -> httpx.Response:
    """Open a sign-in link and press the button, as a browser does."""
    page = await http.get(link)
    pre = PRE.search(page.text)
    assert pre, page.text
    return await http.post(link, data={"pre": pre.group(1)})


async def sign_in(chat: Chat, http: httpx.AsyncClient, name: str) -> str:
    """Sign `name` in; returns the CSRF token of their session."""
    response = await use_link(http, await link_for(chat, name))
    assert response.status_code == 303, response.text
    home = await http.get("/office/", follow_redirects=True)
    assert home.status_code == 200, home.text
    token = CSRF.search(home.text)
    assert token
    return token.group(1)
