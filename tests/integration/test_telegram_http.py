"""PTB's requests over aiohttp (bot/channels/telegram/http.py): failures arrive as PTB's errors,
which decide between retrying and giving up (bot/channels/telegram/transport.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram.http import AiohttpRequest, _redacted
from bot.channels.telegram.transport import classify
from tests.support.fake_telegram import TOKEN, FakeTelegram


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_calls_and_uploads_reach_the_bot_api() -> None:
    async with FakeTelegram() as tg:
        bot = Bot(TOKEN, base_url=tg.base_url, request=AiohttpRequest())
        async with bot:
            sent = await bot.send_message(chat_id=5, text="你好")
            await bot.send_document(chat_id=5, document=b"a,b\n", filename="台账.csv")
    assert sent.text == "你好"
    [_, upload] = tg.sent(5)
    assert upload.files["document"] == ("台账.csv", b"a,b\n")


async def test_a_refused_connection_is_a_network_error_to_retry() -> None:
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{_closed_port()}/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(chat_id=5, text="x")
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in caught.value.message  # not "not initialized"
    assert classify(caught.value).outcome == "retry"


async def test_a_server_that_never_answers_times_out(silent_port: int) -> None:
    request = AiohttpRequest(read_timeout=0.2)
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{silent_port}/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id=5, text="x")
    finally:
        await request.shutdown()


def test_an_error_that_quotes_the_url_loses_the_token() -> None:
    quoted = f"Cannot connect: url='http://127.0.0.1:9/bot{TOKEN}/sendMessage'"
    assert TOKEN not in _redacted(quoted) and "/bot<token>/sendMessage" in _redacted(quoted)
