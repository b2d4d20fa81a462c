"""The Telegram channel end to end: the real PTB HTTP stack against a fake Bot API on 127.0.0.1.

`tg` is the fake server; `bot` is Linli's real Starlette app (bot/web.py) with the Telegram channel,
its lifespan running, fed updates through httpx over ASGI with the secret header — the webhook
path of `linli serve`. Dialogs read like the console tests: (said, expected substring) pairs, where
"[label]" presses the button with that label on the newest message that still has buttons.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.telegram import TelegramChannel
from bot.sender import DrainStats, Limits, OutboxSender
from bot.settings import Settings
from bot.web import create_web_app
from storage.models import Identity, Person
from tests.support.clock import FakeClock
from tests.support.fake_telegram import TOKEN, FakeTelegram, User

SECRET = "s3cret-Token_for-tests"
# The outbox as Telegram limits it, minus the wall-clock pacing (tests move the fake clock).
TEST_LIMITS = Limits(per_second=10_000, per_chat_per_second=1, in_flight=8, lease_s=30)

LIN = User(5001, "小林", "zh-hans")
TOM = User(5002, "Tom", "en", last_name="Baker")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API server, on a random port."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def settings(tg: FakeTelegram) -> Settings:
    """The deployment's settings pointed at the fake server (overrides the suite's fixture)."""
    return Settings(
        LINLI_LANG="zh_CN",
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_URL=tg.base_url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )


@dataclass
class TelegramBot:
    """Drives Linli's webhook like Telegram does and reads what the fake server received."""

    app: App
    tg: FakeTelegram
    channel: TelegramChannel
    http: httpx.AsyncClient
    clock: FakeClock
    seen: dict[int, int] = field(default_factory=dict)

    async def post(
        self, update: dict[str, Any] | bytes, secret: str | None = SECRET
    ) -> httpx.Response:
        """POST one update to /telegram as Telegram would."""
        headers: dict[str, Any] = (
            {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret.encode()}
        )
        if isinstance(update, bytes):
            headers["content-type"] = "application/json"
            answer = await self.http.post("/telegram", content=update, headers=headers)
        else:
            answer = await self.http.post("/telegram", json=update, headers=headers)
        self.tg.webhook_answered(answer.status_code, answer.content)
        return answer

    async def send(self, user: User, said: str) -> str:
        """Say a text, "[label]" or "#n" to press a button; returns what the bot sent back."""
        self.clock.advance(seconds=2)  # people take a moment; keeps clear of the flood guard
        if said.startswith("[") and said.endswith("]"):
            update = self.tg.press(user, said[1:-1])
        elif said.startswith("#") and said[1:].isdigit():
            message = self.tg.last_with_buttons(user.id)
            rows = message["reply_markup"]["inline_keyboard"]
            data = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
            update = self.tg.press_data(user, data[int(said[1:]) - 1], message)
        else:
            update = self.tg.text(user, said)
        response = await self.post(update)
        assert response.status_code == 200, response.text
        return self.new_for(user)

    def new_for(self, user: User) -> str:
        """Messages sent to the user since the last look."""
        start = self.seen.get(user.id, 0)
        self.seen[user.id] = len(self.tg.sent(user.id))
        return self.tg.transcript(user.id, since=start)

    async def script(self, user: User, pairs: list[tuple[str, str]]) -> None:
        """Play (said, expected substring) pairs, failing with what was sent on a mismatch."""
        for said, expected in pairs:
            got = await self.send(user, said)
            assert expected in got, f"after {said!r} expected {expected!r} in:\n{got}"

    async def drain(self) -> DrainStats:
        """Run the outbox sender once over everything due, through the Telegram transport."""
        sender = OutboxSender(self.app.db, self.channel.transport(), self.clock, TEST_LIMITS)
        return await sender.drain()

    async def identity(self, user: User) -> Identity | None:
        """The Telegram identity stored for a user."""
        async with self.app.db.transaction() as session:
            return (
                await session.execute(
                    select(Identity).where(
                        Identity.channel == "telegram", Identity.external_id == str(user.id)
                    )
                )
            ).scalar_one_or_none()

    async def link(self, user: User, name: str) -> int:
        """Give a demo person (by name) a Telegram identity; returns the person id."""
        async with self.app.db.transaction() as session:
            person = (
                await session.execute(select(Person).where(Person.display_name == name))
            ).scalar_one()
            session.add(Identity(person_id=person.id, channel="telegram", external_id=str(user.id)))
            return person.id


@pytest.fixture
async def bot(demo_app: App, tg: FakeTelegram, clock: FakeClock) -> AsyncIterator[TelegramBot]:
    """Linli's web app with the Telegram channel on the demo district, lifespan running."""
    channel = TelegramChannel.from_app(demo_app)
    web = create_web_app(demo_app, [channel], senders=False)
    async with (
        web.router.lifespan_context(web),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://linli") as http,
    ):
        yield TelegramBot(demo_app, tg, channel, http, clock)
