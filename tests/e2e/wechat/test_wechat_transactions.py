"""The WeChat channel opens no transaction of its own after dispatch: it reads nothing back.

Counted with SQLAlchemy's `begin` event on the engine, for an ordinary text message and for
WeChat's own retry of it (a replay, answered from the replies stored the first time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bot.bootstrap import App
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.wx import WeChatServer, envelope


@contextmanager
def begins(app: App) -> Iterator[list[int]]:
    """Counts the transactions begun on the app's engine inside the block."""
    counted = [0]

    def count(_conn: object) -> None:
        counted[0] += 1

    engine = app.db.engine.sync_engine
    event.listen(engine, "begin", count)
    try:
        yield counted
    finally:
        event.remove(engine, "begin", count)


async def test_a_text_message_and_its_replay_cost_the_dispatcher_only(
    wx: WeChatServer, demo_app: App
) -> None:
    await register(wx, "oCount0000001")
    query = wx.query()
    body = envelope("oCount0000001", wx.now, "text", {"Content": "/me", "MsgId": 9101})
    with begins(demo_app) as first:
        answer = await wx.post(body, query=query)
    assert "1. 🏠 填写门牌地址" in answer.text  # choices: rendered in the person's language
    # The signature's nonce claimed, then the dispatcher's one transaction.
    assert first == [2]
    with begins(demo_app) as replay:
        again = await wx.post(body, query=query)
    assert again.body == answer.body
    # The nonce, the dispatcher's attempt refused by the processed-update key, the stored
    # replies with the person's language; no language looked up again by the channel.
    assert replay == [3]
