"""Organizers get one "nobody can take it" alert at once; the ones that follow become a digest."""

from __future__ import annotations

from sqlalchemy import update

from handlers.sweeps import Sweeper
from storage.models import Person
from tests.integration.test_dispatch_sweep import _needs, _pause_everyone
from tests.support.chat import Chat
from tests.support.volunteering import outbox_texts


def _alerts(texts: list[str]) -> tuple[list[str], list[str]]:
    single = [t for t in texts if "暂时没有合适的志愿者" in t]
    digests = [t for t in texts if "派单提醒" in t]
    return single, digests


async def test_alerts_to_one_organizer_are_gathered_into_a_digest(chat: Chat) -> None:
    app, clock = chat.app, chat.app.deps.clock
    await _pause_everyone(app)
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    ids = await _needs(app, 7)
    sweeper = Sweeper(app.deps)
    await sweeper.tick()
    single, digests = _alerts(await outbox_texts(chat, "王海燕"))
    assert len(single) == 1 and f"#{ids[0]}" in single[0] and not digests

    clock.advance(minutes=11)  # type: ignore[attr-defined]
    await sweeper.tick()
    single, digests = _alerts(await outbox_texts(chat, "王海燕"))
    assert len(single) == 1 and len(digests) == 1
    digest = digests[0]
    assert "另有 6 条" in digest and "暂时无人可接：6 条" in digest
    assert all(f"#{i} " in digest for i in ids[1:6]) and f"#{ids[6]} " not in digest
    assert "……另有 1 条" in digest

    later = await _needs(app, 1)  # within the window the digest started: gathered again
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    await sweeper.tick()
    single, digests = _alerts(await outbox_texts(chat, "王海燕"))
    assert len(single) == 1 and len(digests) == 1
    clock.advance(minutes=10)  # type: ignore[attr-defined]
    await sweeper.tick()
    single, digests = _alerts(await outbox_texts(chat, "王海燕"))
    assert len(digests) == 2 and f"#{later[0]} " in digests[1] and "另有 1 条" in digests[1]


async def test_the_digest_comes_in_english_for_an_english_organizer(chat: Chat) -> None:
    app, clock = chat.app, chat.app.deps.clock
    async with app.db.transaction() as session:
        await session.execute(
            update(Person).where(Person.display_name == "王海燕").values(lang="en")
        )
    await _pause_everyone(app)
    clock.advance(minutes=1)  # type: ignore[attr-defined]
    await _needs(app, 3)
    sweeper = Sweeper(app.deps)
    await sweeper.tick()
    clock.advance(minutes=11)  # type: ignore[attr-defined]
    await sweeper.tick()
    texts = await outbox_texts(chat, "王海燕")
    digest = [t for t in texts if "dispatch alerts" in t]
    assert len(digest) == 1 and "Nobody available for now: 2" in digest[0]
    assert "Medical escort" in digest[0]
