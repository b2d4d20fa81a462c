"""The WeChat channel runtime: the /wechat webhook, the 5-second rule, the outbox transport."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import App
from bot.channels import ChannelError
from bot.channels.shared import queue_replies, read_capped
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.mapping import (
    CHANNEL,
    Dispatch,
    Ignored,
    Unsubscribed,
    Unsupported,
    to_action,
)
from bot.channels.wechat.nonces import NonceGuard
from bot.channels.wechat.photos import WeChatPhotos
from bot.channels.wechat.protocol import MAX_BODY_BYTES, Inbound, Protocol, Rejected
from bot.channels.wechat.rendering import photos, render, split, too_long
from bot.channels.wechat.transport import WeChatTransport
from bot.downloads import DOWNLOAD_TTL, url_for
from bot.sender import Limits
from handlers.core.i18n import N_
from handlers.core.messages import Link, Message, Outcome, Reply
from storage.db import is_unavailable
from storage.models import DialogState
from storage.repos import downloads as downloads_repo
from storage.repos import outbox, people

log = logging.getLogger(__name__)

REPLY_DEADLINE_S = 4.0  # WeChat gives up after 5 s and retries; leave a second for the network
UNAVAILABLE_HOLD_S = 5.5  # past WeChat's 5 s: whatever it counts as failure, it tries again
PG_TRANSACTIONS = 8  # the channel's own transactions at once on PostgreSQL, below the pool size


@dataclass(frozen=True)
class WeChatConfig:
    """The account's credentials and options, from the settings."""

    token: str
    appid: str = ""
    secret: str = ""
    aes_key: str | None = None
    api_url: str | None = None
    templates: dict[str, Any] = field(default_factory=dict)


class WeChatChannel:
    """Serves /wechat in `linli serve` and sends the outbox through the customer-service API."""

    name = CHANNEL

    def __init__(
        self,
        app: App,
        config: WeChatConfig,
        *,
        reply_deadline_s: float = REPLY_DEADLINE_S,
        unavailable_hold_s: float = UNAVAILABLE_HOLD_S,
    ) -> None:
        self.app = app
        self.config = config
        self.dispatcher = app.dispatcher
        self.clock = app.deps.clock
        self.reply_deadline_s = reply_deadline_s
        self.unavailable_hold_s = unavailable_hold_s
        self.protocol = Protocol(config.token, config.appid, config.aes_key)
        self._api: WeChatApi | None = None
        # Keyed by (sender, update key): an update key is unique only per sender.
        self._inflight: dict[tuple[str, str], asyncio.Task[Outcome]] = {}
        self._deferred: set[tuple[str, str]] = set()
        self._background: set[asyncio.Task[None]] = set()
        # The channel's own short transactions wait in the event loop, not in the database:
        # SQLite takes one writer at a time, and PostgreSQL's pool (5 + 10 connections) times
        # out when flooded. Dispatches are bounded by the dispatcher's batcher instead.
        self._gate = asyncio.Semaphore(1 if app.db.dialect == "sqlite" else PG_TRANSACTIONS)
        self.nonces = NonceGuard(app.db.engine.begin)
        # Files too long to show become download links in the dispatcher's own transaction.
        self.dispatcher.finish_replies(CHANNEL, self._linked)

    @classmethod
    def from_app(cls, app: App) -> WeChatChannel:
        """The channel as the settings describe it."""
        s = app.settings
        if not s.wechat_token:
            raise ChannelError("config", "WECHAT_TOKEN is not set")
        if s.wechat_aes_key and not s.wechat_appid:
            raise ChannelError("config", "WECHAT_AES_KEY needs WECHAT_APPID")
        if s.wechat_aes_key and len(s.wechat_aes_key) != 43:
            raise ChannelError("config", "WECHAT_AES_KEY must be the 43-character EncodingAESKey")
        config = WeChatConfig(
            token=s.wechat_token,
            appid=s.wechat_appid or "",
            secret=s.wechat_secret or "",
            aes_key=s.wechat_aes_key or None,
            api_url=s.wechat_api_url or None,
            templates=dict(s.wechat_templates),
        )
        return cls(app, config)

    # -- ChannelRuntime -----------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """GET /wechat verifies the URL; POST /wechat receives messages and events."""
        return [Route("/wechat", self.endpoint, methods=["GET", "POST"])]

    async def start(self) -> None:
        """Nothing to connect: the HTTP client opens on first use."""

    async def stop(self) -> None:
        """Let late replies reach the outbox, then close the HTTP client."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settle(), timeout=10)
        if self._api is not None:
            await self._api.close()

    def transport(self) -> WeChatTransport | None:
        """Proactive sending needs the app id and secret (for the access token)."""
        if not (self.config.appid and self.config.secret):
            return None
        deps = self.app.deps
        return WeChatTransport(
            self.api,
            self.app.db,
            deps.i18n,
            deps.clock,
            templates=self.config.templates,
            default_lang=deps.config.default_lang,
        )

    def limits(self) -> Limits:
        """WeChat's customer-service API: a few messages per user, generous overall."""
        return Limits(per_second=50, per_chat_per_second=2, in_flight=16, lease_s=60)

    def photo_source(self) -> WeChatPhotos | None:
        """Downloads the photos users sent (needs the app id and secret, like sending)."""
        if not (self.config.appid and self.config.secret):
            return None
        return WeChatPhotos(self.api)

    @property
    def api(self) -> WeChatApi:
        """The API client (needs WECHAT_APPID and WECHAT_SECRET)."""
        if self._api is None:
            if not (self.config.appid and self.config.secret):
                raise ChannelError("config", "WECHAT_APPID and WECHAT_SECRET are needed")
            self._api = WeChatApi(
                appid=self.config.appid,
                secret=self.config.secret,
                db=self.app.db,
                clock=self.clock,
                base_url=self.config.api_url,
            )
        return self._api

    async def settle(self) -> None:
        """Wait for handling that outlived its request (tests, shutdown)."""
        while self._background or self._inflight:
            await asyncio.gather(
                *self._background, *self._inflight.values(), return_exceptions=True
            )

    # -- the webhook -------------------------------------------------------------------------------

    async def endpoint(self, request: Request) -> Response:
        """Verify, parse, refuse replays, dispatch within the deadline, answer.

        Refusals write nothing; the log says why, never the query string (signatures, openid).
        """
        now_s = int(self.clock().timestamp())
        started = asyncio.get_running_loop().time()
        try:
            if request.method == "GET":
                return PlainTextResponse(self.protocol.verify_url(request.query_params, now_s))
            inbound = self.protocol.open(request.query_params, await _body(request), now_s)
            action = to_action(inbound.message)
        except Rejected as exc:
            return _refused(exc)
        try:
            text = await self._answer(action, inbound)
        except Rejected as exc:
            return _refused(exc)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            return await self._not_now(started)
        if not text:
            return PlainTextResponse("success")
        xml = self.protocol.render_text(inbound, text, now_s)
        return Response(xml, media_type="application/xml")

    async def _not_now(self, started: float) -> Response:
        """The database is down and nothing was stored: no answer WeChat takes as handled.

        WeChat delivers a message again when it gets no answer within 5 s (three tries in all),
        so the request is held past that deadline and then refused; the retries, spread over
        ~15 s instead of arriving at once, give the database time to come back.
        """
        log.warning("wechat message not handled: database unavailable; WeChat will retry")
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, started + self.unavailable_hold_s - loop.time()))
        return PlainTextResponse("unavailable", 503)

    async def _answer(
        self, action: Dispatch | Unsupported | Unsubscribed | Ignored, inbound: Inbound
    ) -> str | None:
        """The passive reply text, or None to answer "success".

        A message's (timestamp, nonce) is claimed inside its handling, within the reply
        deadline: a database slow to take the claim delays the answer no more than the rest.
        """
        if isinstance(action, Dispatch):
            if action.only_in_flow and not await self._in_flow(action.message.user_id):
                return None
            outcome = await self._handle(action.message, inbound)
            if outcome is None:  # too slow: the replies go out through the outbox
                return None
            return await self._passive(action.message, outcome)
        await self.nonces.check(inbound)  # events: refused before anything is written
        if isinstance(action, Unsupported):
            lang = await self._lang(action.user_id)
            return self.app.deps.i18n.translate(lang, "wechat.unsupported")
        if isinstance(action, Unsubscribed):
            async with self._transaction() as session:
                await outbox.block_identity(session, CHANNEL, action.user_id, self.clock())
        return None

    async def _handle(self, message: Message, inbound: Inbound) -> Outcome | None:
        """Dispatch, waiting at most the deadline; a redelivery joins the handling in progress."""
        key = (message.user_id, message.update_key or "")
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._dispatch(message, inbound))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        elif key in self._deferred:
            return None  # already promised to the outbox
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.reply_deadline_s)
        except TimeoutError:
            if key not in self._deferred:
                self._deferred.add(key)
                self._spawn(self._deliver_late(task, message))
            return None

    async def _dispatch(self, message: Message, inbound: Inbound) -> Outcome:
        await self.nonces.check(inbound)  # a replay raises Rejected: nothing is dispatched
        # No gate: the dispatcher queues what arrives meanwhile into its next transaction.
        return await self.dispatcher.handle(message)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """The channel's own short transactions, none after a dispatch but to queue reply
        pieces: a LOCATION report's "is a flow waiting?", the language of an unsupported message
        type, an unsubscribe."""
        async with self._gate, self.app.db.transaction() as session:
            yield session

    async def _passive(self, message: Message, outcome: Outcome) -> str | None:
        """The first piece of the rendered replies; the rest (long text, photos) via the outbox."""
        pieces = self._pieces(outcome)
        passive = pieces[0].text if pieces and pieces[0].text else None
        later = pieces[1:] if passive else pieces
        if later and not outcome.replayed:  # a replay's rest was queued the first time
            await self._enqueue(message.user_id, outcome, later)
        return passive

    def _pieces(self, outcome: Outcome) -> list[Reply]:
        """Replies as WeChat messages: text pieces under the size limit, then photos, in the
        language the dispatcher answered in (it knows it, a replay included)."""
        lang = outcome.lang or self.app.deps.config.default_lang

        def t(key: str, **params: object) -> str:
            return self.app.deps.i18n.translate(lang, key, **params)

        text = render(outcome.replies, t)
        pieces = [Reply(piece) for piece in split(text) if piece]
        pieces += [Reply("", photo=f"wechat:{media}") for media in photos(outcome.replies)]
        # Another channel's photo goes as an upload of its fetched bytes (the transport's job).
        return pieces + [Reply("", photo=r.photo) for r in outcome.replies if _foreign(r.photo)]

    async def _linked(
        self, session: AsyncSession, message: Message, lang: str, replies: list[Reply]
    ) -> list[Reply]:
        """Files too long to show in a message become download links (when the server's public
        address is known; else rendering says the file is too long). Run by the dispatcher, in
        its transaction."""
        public_url = self.app.settings.public_url
        if not public_url or not any(map(too_long, replies)):
            return replies
        linked = []
        for reply in replies:
            if reply.document is not None and too_long(reply):
                name, content = reply.document
                token = downloads_repo.create(
                    session,
                    channel=CHANNEL,
                    user_id=message.user_id,
                    name=name,
                    content=content,
                    now=self.clock(),
                    ttl=DOWNLOAD_TTL,
                )
                minutes = int(DOWNLOAD_TTL.total_seconds() // 60)
                label = self.app.deps.i18n.translate(
                    lang, N_("wechat.download_link"), name=name, minutes=minutes
                )
                link = Link(label, url_for(public_url, token))
                reply = dataclasses.replace(reply, document=None, links=(*reply.links, link))
            linked.append(reply)
        return linked

    async def _deliver_late(self, task: asyncio.Task[Outcome], message: Message) -> None:
        key = (message.user_id, message.update_key or "")
        try:
            outcome = await task
        except Rejected as exc:  # a replay answered "success" at the deadline: nothing happened
            log.warning("wechat request refused: %s", exc.reason)
            return
        finally:
            self._deferred.discard(key)
        if outcome.replayed:  # another delivery of the same update answered it
            return
        await self._enqueue(message.user_id, outcome, self._pieces(outcome))

    async def _enqueue(self, user_id: str, outcome: Outcome, pieces: list[Reply]) -> None:
        if not pieces:
            return
        async with self._transaction() as session:
            queue_replies(
                session,
                CHANNEL,
                user_id,
                pieces,
                self.clock(),
                person_id=outcome.person_id,
                urgent=True,
            )

    async def _in_flow(self, user_id: str) -> bool:
        async with self._transaction() as session:
            state = await session.get(DialogState, (CHANNEL, user_id))
            return state is not None and state.flow is not None

    async def _lang(self, user_id: str) -> str:
        async with self._transaction() as session:
            ident = await people.identity(session, CHANNEL, user_id)
            return ident.person.lang if ident is not None else self.app.deps.config.default_lang

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(_logged(work))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _foreign(photo: str | None) -> bool:
    return bool(photo) and not str(photo).startswith("wechat:")


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception as exc:  # a late reply must not vanish silently
        if is_unavailable(exc):  # after "success": WeChat will not send this message again
            log.error("wechat message lost: database unavailable after the reply deadline")
        else:
            log.exception("wechat late reply failed")


async def _body(request: Request) -> bytes:
    """The request body, refused (413) past the cap before it is all read."""
    body = await read_capped(request, MAX_BODY_BYTES)
    if body is None:
        raise Rejected(413, "body too large")
    return body


def _refused(exc: Rejected) -> Response:
    """A refusal writes nothing; the log says why, never the query string."""
    log.warning("wechat request refused: %s", exc.reason)
    return PlainTextResponse("forbidden" if exc.status == 403 else "refused", exc.status)
