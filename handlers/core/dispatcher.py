"""The dispatcher: one message in, replies out, in one transaction with everything it changed."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from handlers.core import choices, dialogs
from handlers.core.auth import is_registered
from handlers.core.batching import Batcher
from handlers.core.context import Ctx, Deps
from handlers.core.dialogs import Flow
from handlers.core.errors import UserError
from handlers.core.flood import FloodGuard
from handlers.core.i18n import normalize_lang
from handlers.core.messages import Message, Outcome, Reply
from handlers.core.text import clean_text
from storage.db import DatabaseUnavailable, is_unavailable
from storage.models import DialogState, Identity
from storage.repos import dialogs as dialog_repo
from storage.repos import outbox, people, roles

log = logging.getLogger(__name__)

Command = Callable[[Ctx], Awaitable[list[Reply]]]
PayloadHandler = Callable[[Ctx, list[str]], Awaitable[list[Reply]]]
# A channel's last touch to its replies, inside the dispatcher's transaction (WeChat turns files
# too long to show into download links): (session, message, language, replies) → replies.
Finisher = Callable[[AsyncSession, Message, str, list[Reply]], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Routes:
    """The explicit route table: commands, keywords that stand for commands, button payloads."""

    commands: dict[str, Command | Flow]
    flows: dict[str, Flow]
    keywords: dict[str, str] = field(default_factory=dict)
    payloads: dict[str, PayloadHandler] = field(default_factory=dict)
    fallback: str = "help"


class DispatchObserver(Protocol):
    """Told what the dispatcher did (the process's metrics listen; tests may too)."""

    def handled(self, message: Message, outcome: Outcome, seconds: float) -> None:
        """One message was answered, in `seconds` from submission."""

    def batched(self, size: int) -> None:
        """A transaction took `size` queued messages together."""

    def fell_back(self, size: int) -> None:
        """A batch was rolled back to be handled message by message."""


class Dispatcher:
    """Turns a neutral `Message` into `Reply` objects; the only entry point channels call."""

    def __init__(
        self, deps: Deps, routes: Routes, observer: DispatchObserver | None = None
    ) -> None:
        self.deps = deps
        self.routes = routes
        self.observer = observer
        self.flood = FloodGuard(deps.config.flood_messages, deps.config.flood_window_s)
        self.batcher: Batcher[tuple[Message, int], Outcome] = Batcher(
            self._handle_batch,
            key=lambda item: (item[0].channel, item[0].user_id),
            max_batch=deps.config.dispatch_batch,
            workers=deps.config.dispatch_workers,
        )
        self._finishers: dict[str, Finisher] = {}

    def finish_replies(self, channel: str, finisher: Finisher) -> None:
        """Have `finisher` adjust `channel`'s replies in the transaction that produced them, so
        that the channel writes nothing of its own after dispatch (and a replay serves the same)."""
        self._finishers[channel] = finisher

    async def handle(self, message: Message) -> Outcome:
        """Handle one message: dedupe, flood and size limits, routing, errors, state, commit.

        Messages arriving while others are being handled share the next transaction (see
        `handlers.core.batching`); the outcome is the same as one transaction each.
        """
        start = time.perf_counter()
        message = _clean(message)
        count = self.flood.count(message.channel, message.user_id, self.deps.clock())
        outcome = await self.batcher.submit((message, count))
        if self.observer is not None:
            self.observer.handled(message, outcome, time.perf_counter() - start)
        return outcome

    async def _handle_batch(self, batch: list[tuple[Message, int]]) -> list[Outcome]:
        """One transaction for the batch; on any failure, each message again on its own.

        Refusals (UserError), a redelivered update (the processed-update key) or a bug in one
        handler roll the whole batch back; handled alone, each then gets its own answer.
        """
        if self.observer is not None:
            self.observer.batched(len(batch))
        if len(batch) > 1:
            try:
                return await self._handle_together(batch)
            except Exception:
                log.debug("batch of %d rolled back; handling each alone", len(batch))
                self._fell_back(len(batch))
        return [await self._handle_alone(message, count) for message, count in batch]

    def _fell_back(self, size: int) -> None:
        """A batch was rolled back to be handled message by message (the observer hears)."""
        if self.observer is not None:
            self.observer.fell_back(size)

    async def _handle_together(self, batch: list[tuple[Message, int]]) -> list[Outcome]:
        outcomes = []
        async with self.deps.db.transaction() as session:
            default = self.deps.config.default_lang
            users = [(m.channel, m.user_id, normalize_lang(m.lang_hint, default)) for m, _ in batch]
            loaded = await dialog_repo.load_conversations(session, users)
            # Most commands check the sender's roles: one query for the batch, not one each.
            await roles.preload_grants(session, [i.person_id for i, _ in loaded.values()])
            seen = []
            for message, count in batch:
                conversation = loaded[message.channel, message.user_id]
                ctx = await self._context(session, message, conversation)
                replies = await self._replies(ctx, count)
                if message.update_key:
                    seen.append(_seen(ctx, replies))
                outcomes.append(_outcome(ctx, replies))
            await dialog_repo.record_updates(session, seen, self.deps.clock())
        return outcomes

    async def _handle_alone(self, message: Message, count: int) -> Outcome:
        """One message in its own transaction, with the redelivery and first-contact races.

        Raises `DatabaseUnavailable` when the database is down: nothing was stored, so the
        channel must get the message delivered again rather than answer it.
        """
        for attempt in (1, 2):
            try:
                try:
                    return await self._handle_once(message, count)
                except IntegrityError:
                    # A concurrent delivery of the same update won the race: serve its replies.
                    stored = await self._stored_replies(message)
                    if stored is not None:
                        return stored
                    if attempt == 2:
                        log.exception("integrity error twice", extra=_log_context(message))
                    # Else two first messages of a new person raced to create them: once more.
            except Exception as exc:
                if is_unavailable(exc):
                    log.warning(
                        "database unavailable (%s): message not handled",
                        type(exc).__name__,
                        extra=_log_context(message),
                    )
                    raise DatabaseUnavailable(type(exc).__name__) from exc
                log.exception("unhandled error", extra=_log_context(message))
                break
        lang = await self._lang_of(message)
        return Outcome([Reply(self.deps.i18n.translate(lang, "error.generic"))], lang=lang)

    async def _stored_replies(self, message: Message) -> Outcome | None:
        if not message.update_key:
            return None
        async with self.deps.db.transaction() as session:
            stored = await dialog_repo.replies_for(
                session, message.channel, message.user_id, message.update_key
            )
            if stored is None:
                return None
            # The language too, so that no channel reads it back to render the replay.
            ident = await people.identity(session, message.channel, message.user_id)
            lang = ident.person.lang if ident is not None else self.deps.config.default_lang
            person_id = ident.person_id if ident is not None else None
        replies = [Reply.from_dict(r) for r in stored]
        return Outcome(replies, replayed=True, lang=lang, person_id=person_id)

    async def _lang_of(self, message: Message) -> str:
        try:
            async with self.deps.db.transaction() as session:
                ident = await people.identity(session, message.channel, message.user_id)
                if ident is not None:
                    return ident.person.lang
        except Exception:  # the database itself may be what failed
            log.warning("could not look up the language of %s", message.user_id)
        return normalize_lang(message.lang_hint, self.deps.config.default_lang)

    async def _handle_once(self, message: Message, count: int) -> Outcome:
        """The common path, in one transaction: load, limit, route, save state and the update id.

        A redelivered update fails on the processed-update key at commit (IntegrityError), which
        rolls its effects back; `handle` then serves the replies stored the first time.
        """
        try:
            async with self.deps.db.transaction() as session:
                ctx = await self._context(session, message, await self._load(session, message))
                replies = await self._replies(ctx, count)
                await self._record(ctx, replies)
            return _outcome(ctx, replies)
        except UserError as exc:
            # Rolled back: a refused action leaves no half-done change behind.
            return await self._refuse(message, exc, count)

    async def _refuse(self, message: Message, exc: UserError, count: int) -> Outcome:
        """Answer a refusal in a fresh transaction that changes only the bookkeeping."""
        async with self.deps.db.transaction() as session:
            ctx = await self._context(session, message, await self._load(session, message))
            before = _snapshot(ctx)
            replies = self._limits(ctx, count) or [ctx.reply(exc.key, **exc.params)]
            flow = self.routes.flows.get(ctx.state.flow or "")
            if flow is not None:
                replies += await dialogs.repeat(ctx, flow, refused=True)
            self._remember_choices(ctx, replies)
            self._save_state(ctx, before)
            await self._record(ctx, replies)
        return _outcome(ctx, replies)

    async def _load(self, session: AsyncSession, message: Message) -> tuple[Identity, DialogState]:
        lang = normalize_lang(message.lang_hint, self.deps.config.default_lang)
        return await dialog_repo.load_conversation(
            session, message.channel, message.user_id, lang=lang
        )

    async def _context(
        self, session: AsyncSession, message: Message, loaded: tuple[Identity, DialogState]
    ) -> Ctx:
        now = self.deps.clock()
        ident, state = loaded
        if people.touch_inbound(ident, now):
            # Messages held for a closed channel window (WeChat: 48 h) can go out now.
            await outbox.release_held(session, message.channel, message.user_id, now)
        return Ctx(self.deps, session, message, ident, ident.person, state, now)

    def _limits(self, ctx: Ctx, count: int) -> list[Reply] | None:
        """Replies refusing a flood or an oversized text, or None to go on."""
        cfg = self.deps.config
        if count > cfg.flood_messages:
            if count > cfg.flood_messages + 1:
                return []  # said once per window; no reply storm
            return [ctx.reply("error.flood", seconds=cfg.flood_window_s)]
        if len(ctx.message.text) > cfg.max_text_chars:
            return [ctx.reply("error.too_long", limit=cfg.max_text_chars)]
        return None

    async def _replies(self, ctx: Ctx, count: int) -> list[Reply]:
        """The limits, else the route; the dialog state saved if it changed."""
        before = _snapshot(ctx)
        replies = self._limits(ctx, count)
        if replies is None:
            replies = await self._route(ctx)
            self._remember_choices(ctx, replies)
        self._save_state(ctx, before)
        finisher = self._finishers.get(ctx.message.channel)
        if finisher is not None and any(r.document for r in replies):
            replies = await finisher(ctx.session, ctx.message, ctx.lang, replies)
        return replies

    @staticmethod
    def _save_state(ctx: Ctx, before: tuple[object, ...]) -> None:
        """Write the dialog state only if it changed."""
        if _snapshot(ctx) != before:
            ctx.state.updated_at = ctx.now
            if ctx.state not in ctx.session:
                ctx.session.add(ctx.state)
            flag_modified(ctx.state, "data")
            flag_modified(ctx.state, "choices")

    @staticmethod
    async def _record(ctx: Ctx, replies: list[Reply]) -> None:
        """The update id with its replies (a redelivery fails on it at commit)."""
        if ctx.message.update_key:
            await dialog_repo.record_updates(ctx.session, [_seen(ctx, replies)], ctx.now)

    async def _route(self, ctx: Ctx) -> list[Reply]:
        chosen = self._chosen_payload(ctx)
        if chosen is not None:
            ctx.message = _with_payload(ctx.message, chosen)
        message = ctx.message
        value = message.payload
        text = value if value is not None else message.text.strip()
        ctx.args = text.split(maxsplit=1)[1].strip() if len(text.split(maxsplit=1)) > 1 else ""
        flow = self.routes.flows.get(ctx.state.flow or "")
        lowered = text.lower()
        if flow is not None and lowered in dialogs.CANCEL_WORDS:
            dialogs.clear(ctx)
            return [ctx.reply("common.cancelled")]
        if flow is not None and lowered in dialogs.BACK_WORDS:
            return await dialogs.back(ctx, flow)
        if lowered in dialogs.CANCEL_WORDS:
            return [ctx.reply("common.nothing_to_cancel")]
        # Keywords are words people type; a button's payload ("confirm") is never one.
        keyword = self.routes.keywords.get(lowered) if value is None else None
        command = _command_of(text) or keyword
        if command is not None:
            return await self._run_command(ctx, command, flow)
        if value is not None and ":" in value and flow is None:
            prefix, *args = value.split(":")
            handler = self.routes.payloads.get(prefix)
            if handler is not None:
                return await handler(ctx, args)
            return [ctx.reply("error.expired_button")]
        if flow is not None:
            return await dialogs.advance(ctx, flow, message)
        # A stranger's first words ("你好") get the welcome, not "I did not understand".
        unknown = bool(text) and (is_registered(ctx) or text.startswith("/"))
        understand = self.routes.commands.get("understand")
        if unknown and not text.startswith("/") and understand is not None:
            dialogs.clear(ctx)  # free text: the flow it means (handlers/understanding.py)
            return await understand(ctx)  # type: ignore[operator]
        return await self._run_command(ctx, self.routes.fallback, None, unknown=unknown)

    async def _run_command(
        self, ctx: Ctx, command: str, flow: Flow | None, unknown: bool = False
    ) -> list[Reply]:
        route = self.routes.commands.get(command)
        if route is None:
            route, unknown = self.routes.commands[self.routes.fallback], True
        if unknown and is_registered(ctx):
            dialogs.clear(ctx)
            return [ctx.reply("error.unknown_command")]  # short: the full help is one /help away
        prefix = [ctx.reply("error.unknown_command")] if unknown else []
        if isinstance(route, Flow):
            return prefix + await dialogs.begin(ctx, route)
        if flow is not None and command == "help":
            return await route(ctx) + await dialogs.repeat(ctx, flow)
        dialogs.clear(ctx)
        return prefix + await route(ctx)

    def _chosen_payload(self, ctx: Ctx) -> str | None:
        """On text-only channels "2" (or the label as shown) picks a choice last shown."""
        if ctx.message.payload is not None:
            return None
        flow = self.routes.flows.get(ctx.state.flow or "")
        numbers = bool(flow is not None and ctx.state.step and flow.step(ctx.state.step).numbers)
        return choices.chosen(
            ctx.state, ctx.message.text, flow_waits=flow is not None, numbers=numbers
        )

    @staticmethod
    def _remember_choices(ctx: Ctx, replies: list[Reply]) -> None:
        choices.remember(ctx.state, replies)


def _outcome(ctx: Ctx, replies: list[Reply]) -> Outcome:
    """The outcome of a handled message, with what the dispatcher knows about the conversation."""
    waiting = ctx.state.flow is not None
    return Outcome(
        replies,
        lang=ctx.lang,
        waiting=waiting,
        choices=choices.of(ctx.state),
        person_id=ctx.person.id,
    )


def _seen(ctx: Ctx, replies: list[Reply]) -> tuple[str, str, str, bool, list[Any]]:
    """The processed-update row: its sender, whether the message erased them, the replies."""
    stored = [r.to_dict() for r in replies]
    erased = ctx.person.erased_at is not None
    return (ctx.message.channel, ctx.message.update_key or "", ctx.message.user_id, erased, stored)


def _command_of(text: str) -> str | None:
    word = text.split(maxsplit=1)[0] if text else ""
    if word.startswith("/") and len(word) > 1:
        return word[1:].split("@", 1)[0].lower()
    return None


def _with_payload(message: Message, payload: str) -> Message:
    return Message(
        channel=message.channel,
        user_id=message.user_id,
        text=message.text,
        payload=payload,
        location=message.location,
        photo=message.photo,
        display_name=message.display_name,
        lang_hint=message.lang_hint,
        update_key=message.update_key,
    )


def _snapshot(ctx: Ctx) -> tuple[object, ...]:
    """What of the dialog state is worth writing when it changes."""
    state = ctx.state
    return (
        state.flow,
        state.step,
        json.dumps(state.data, sort_keys=True, default=str),
        list(state.choices),
    )


def _clean(message: Message) -> Message:
    """Drop control characters (C0 but tab and newline, DEL, C1): PostgreSQL cannot store NUL,
    spreadsheets refuse the rest, and no person types one. The platform's display name too."""
    payload = clean_text(message.payload) if message.payload else message.payload
    name = clean_text(message.display_name) if message.display_name else message.display_name
    text = clean_text(message.text)
    if (text, payload, name) != (message.text, message.payload, message.display_name):
        return replace(message, text=text, payload=payload, display_name=name)
    return message


def _log_context(message: Message) -> dict[str, str]:
    return {"channel": message.channel, "user": message.user_id}
