"""Group commit through the real dispatcher: messages that arrive together share a transaction,
and each still gets exactly the answer and the effect it would have had alone."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.core.dispatcher import Dispatcher
from handlers.core.messages import Message
from handlers.routes import build_routes
from storage.models import AuditEntry, Person
from tests.e2e.test_registration import REGISTRATION
from tests.support.chat import render

_keys = itertools.count(1)


@pytest.fixture
def dispatcher(demo_app: App) -> Dispatcher:
    """The dispatcher with few transactions at once (two on PostgreSQL), so batches form."""
    workers = 1 if demo_app.db.dialect == "sqlite" else 2
    config = replace(demo_app.deps.config, dispatch_workers=workers)
    return Dispatcher(replace(demo_app.deps, config=config), build_routes())


def said(user: str, text: str, key: str | None = None) -> Message:
    return Message(
        channel="console",
        user_id=user,
        text=text,
        display_name=user,
        update_key=key or f"b{next(_keys)}",
    )


async def together(dispatcher: Dispatcher, messages: list[Message]) -> list[str]:
    """Submit all at once (as concurrent webhook requests do); the reply texts, in order."""
    outcomes = await asyncio.gather(*(dispatcher.handle(m) for m in messages))
    return [render(list(o.replies)) for o in outcomes]


async def registered_names(app: App) -> set[str]:
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(Person.display_name).where(Person.consent_version.is_not(None))
        )
        return set(rows.scalars())


async def test_many_residents_register_at_once_in_shared_transactions(
    demo_app: App, dispatcher: Dispatcher
) -> None:
    users = [f"居民{i}" for i in range(12)]
    for answer, expected in REGISTRATION[:4]:
        replies = await together(dispatcher, [said(u, answer) for u in users])
        assert all(expected in r for r in replies), replies
    replies = await together(dispatcher, [said(u, "2") for u in users])
    replies = await together(dispatcher, [said(u, u) for u in users])
    assert all("隐私政策" in r for r in replies)
    replies = await together(dispatcher, [said(u, "1") for u in users])
    assert all(f"登记完成，{u}" in r for u, r in zip(users, replies, strict=True))
    assert set(users) <= await registered_names(demo_app)
    assert dispatcher.batcher.batches >= 6  # they did share transactions


async def test_one_users_messages_sent_at_once_are_taken_in_order(
    demo_app: App, dispatcher: Dispatcher
) -> None:
    answers = [a for a, _ in REGISTRATION[:4]] + ["2", "小周", "1"]
    replies = await together(dispatcher, [said("小周", a) for a in answers])
    assert "请选择语言" in replies[0]
    assert "登记完成，小周" in replies[-1]
    assert "小周" in await registered_names(demo_app)


async def test_a_refusal_in_a_batch_leaves_the_others_untouched(
    demo_app: App, dispatcher: Dispatcher
) -> None:
    users = [f"邻居{i}" for i in range(6)]
    for answer, _ in REGISTRATION[:4]:
        await together(dispatcher, [said(u, answer) for u in users])
    await together(dispatcher, [said(u, "2") for u in users])
    await together(dispatcher, [said(u, u) for u in users])
    before = dispatcher.batcher.batches
    replies = await together(
        dispatcher,
        [said("路人", "/needs")] + [said(u, "1") for u in users] + [said("路人2", "/needs")],
    )
    assert dispatcher.batcher.batches > before
    assert "请先发送 /start 完成登记" in replies[0] and "请先发送 /start" in replies[-1]
    assert all(f"登记完成，{u}" in r for u, r in zip(users, replies[1:-1], strict=True))
    assert set(users) <= await registered_names(demo_app)


async def test_a_redelivered_update_in_a_batch_takes_effect_once(
    demo_app: App, dispatcher: Dispatcher
) -> None:
    for answer, _ in REGISTRATION[:-1]:
        await dispatcher.handle(said("小吴", answer))
    first = await dispatcher.handle(said("小吴", "1", key="update-7"))
    others = [said(f"访客{i}", "你好") for i in range(4)]
    replies = await asyncio.gather(
        *(dispatcher.handle(m) for m in [*others[:2], said("小吴", "1", key="update-7"), *others])
    )
    again = replies[2]
    assert again.replayed and again.replies == first.replies
    assert all("发送 /start" in render(list(o.replies)) for o in replies[:2] + replies[3:])
    async with demo_app.db.transaction() as session:
        consents = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
    assert consents == 1


async def test_a_bug_in_one_handler_spares_the_rest_of_its_batch(
    demo_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(ctx):  # type: ignore[no-untyped-def]
        ctx.person.display_name = "changed"
        raise RuntimeError("bug")

    routes = build_routes()
    routes.commands["boom"] = boom
    dispatcher = Dispatcher(
        replace(demo_app.deps, config=replace(demo_app.deps.config, dispatch_workers=1)), routes
    )
    hold = said("先来的", "/start")
    replies = await together(
        dispatcher,
        [hold, said("甲", "/start"), said("乙", "/boom"), said("丙", "/start")],
    )
    assert dispatcher.batcher.batches == 1
    assert "抱歉，系统出了点问题" in replies[2]
    assert all("请选择语言" in replies[i] for i in (0, 1, 3))
    assert "unhandled error" in caplog.text
    async with demo_app.db.transaction() as session:
        names = set((await session.execute(select(Person.display_name))).scalars())
    assert "changed" not in names
