"""An update that waited for a person's row lock reads what the update before it left.

PostgreSQL (READ COMMITTED) re-reads only the locked row after a wait; anything else read by the
same statement comes from the snapshot taken before the wait. Two transactions in one process
reproduce the cross-process double tap deterministically: the second starts reading while the
first holds the lock, and must see the first's dialog state and person once it commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.bootstrap import App
from storage.repos import dialogs
from tests.support import databases

CHANNEL = "telegram"
LIN, WANG = "9001", "9002"

Reader = Callable[[App], Awaitable[tuple[str | None, str]]]


async def _read_one(app: App) -> tuple[str | None, str]:
    async with app.db.transaction() as session:
        ident, state = await dialogs.load_conversation(session, CHANNEL, LIN, lang="zh_CN")
        return state.flow, ident.person.display_name


async def _read_batch(app: App) -> tuple[str | None, str]:
    async with app.db.transaction() as session:
        users = [(CHANNEL, WANG, "zh_CN"), (CHANNEL, LIN, "zh_CN")]
        ident, state = (await dialogs.load_conversations(session, users))[CHANNEL, LIN]
        return state.flow, ident.person.display_name


@pytest.mark.parametrize("read", [_read_one, _read_batch], ids=["single", "batch"])
async def test_the_second_of_two_updates_reads_the_state_the_first_left(
    app: App, engine_name: str, read: Reader
) -> None:
    if engine_name != "postgresql":
        pytest.skip("SQLite transactions are exclusive: nothing can be read while one runs")
    async with app.db.transaction() as session:  # both people exist, Lin half-way through a flow
        for user in (LIN, WANG):
            ident, state = await dialogs.load_conversation(session, CHANNEL, user, lang="zh_CN")
            ident.person.display_name = "旧名字"
            state.flow, state.step = "need", "confirm"
            session.add(state)

    async with app.db.transaction() as first:  # the first tap: submits, leaves the flow
        ident, state = await dialogs.load_conversation(first, CHANNEL, LIN, lang="zh_CN")
        state.flow = state.step = None
        ident.person.display_name = "小林"
        await first.flush()
        second = asyncio.create_task(read(app))  # the second tap, while the first holds the lock
        await databases.until_a_lock_wait(app.db.engine)
    assert await second == (None, "小林")


async def test_choices_of_a_pushed_message_wait_for_an_update_in_progress(
    app: App, engine_name: str
) -> None:
    if engine_name != "postgresql":
        pytest.skip("SQLite transactions are exclusive: nothing can be read while one runs")
    async with app.db.transaction() as session:
        await dialogs.load_conversation(session, CHANNEL, LIN, lang="zh_CN")

    async def push() -> None:  # a notice with buttons, sent while Lin starts a flow
        async with app.db.transaction() as session:
            await dialogs.remember_choices(session, CHANNEL, LIN, ["accept:1", "decline:1"])

    async with app.db.transaction() as first:
        _, state = await dialogs.load_conversation(first, CHANNEL, LIN, lang="zh_CN")
        state.flow, state.step, state.choices = "need", "item", ["item:1", "item:2"]
        first.add(state)
        await first.flush()
        pushed = asyncio.create_task(push())
        await databases.until_a_lock_wait(app.db.engine)
    await pushed
    async with app.db.transaction() as session:
        _, state = await dialogs.load_conversation(session, CHANNEL, LIN, lang="zh_CN")
    assert state.choices == ["item:1", "item:2"]  # the flow's question still takes the numbers
