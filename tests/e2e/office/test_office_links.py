"""Sign-in links sent to a staff member's chats by the office (`linli admin office-link`)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.settings import Settings
from handlers.core.errors import NotAllowed
from handlers.core.notify import Sink
from handlers.office import send_link
from storage.models import Person
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import inbox
from tests.support.office import LINK, client, office_settings, use_link


@pytest.fixture
def settings() -> Settings:
    return office_settings()


async def _send(chat: Chat, name: str) -> int:
    app = chat.app
    async with app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == name))
        ).scalar_one()
        sink = Sink.bare(session, app.deps, app.deps.clock())
        return await send_link(sink, person)


async def test_the_link_reaches_the_staff_members_chat_and_signs_in(chat: Chat) -> None:
    assert await _send(chat, "张磊") == 1
    sent = [LINK.search(text) for text in await inbox(chat.app, "张磊")]
    link = next(m.group(0) for m in sent if m)
    async with client(chat.app) as http:
        assert (await use_link(http, link)).status_code == 303
        home = await http.get("/office/", follow_redirects=True)
        assert "第一网格" in home.text


async def test_a_resident_is_sent_nothing(chat: Chat) -> None:
    with pytest.raises(NotAllowed):
        await _send(chat, "王凤兰")
    assert not any("/office/login/" in text for text in await inbox(chat.app, "王凤兰"))


async def test_the_daily_purge_drops_spent_links_and_old_sessions(
    chat: Chat, clock: FakeClock
) -> None:
    from sqlalchemy import func

    from handlers.sweeps import PERIODIC, Sweeper, build_registry
    from storage.models import OfficeLink, OfficeSession

    link = LINK.search(await chat.text("王海燕", "/office"))
    waiting = LINK.search(await chat.text("张磊", "/office"))
    assert link and waiting
    async with client(chat.app) as http:
        assert (await use_link(http, link.group(0))).status_code == 303
    registry = build_registry()
    sweeper = Sweeper(
        chat.app.deps,
        {"purge": registry["purge"]},
        periodic=tuple(p for p in PERIODIC if p.kind == "purge"),
    )
    clock.advance(days=1)  # past the next purge (daily)
    assert LINK.search(await chat.text("张磊", "/office"))  # fresh: must stay
    await sweeper.tick()
    async with chat.app.db.transaction() as session:
        links = await session.scalar(select(func.count()).select_from(OfficeLink))
        sessions = await session.scalar(select(func.count()).select_from(OfficeSession))
    assert (links, sessions) == (1, 0)
