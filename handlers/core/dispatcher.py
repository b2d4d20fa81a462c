"""The dispatcher: one message in, replies out, in one transaction with everything it changed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from handlers.core import dialogs
from handlers.core.context import Ctx, Deps
from handlers.core.dialogs import Flow
from handlers.core.errors import UserError
from handlers.core.i18n import normalize_lang
from handlers.core.messages import Message, Outcome, Reply
from storage.repos import dialogs as dialog_repo
from storage.repos import outbox, people

log = logging.getLogger(__name__)

Command = Callable[[Ctx], Awaitable[list[Reply]]]
PayloadHandler = Callable[[Ctx, list[str]], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Routes:
    """The explicit route table: commands, keywords that stand for commands, button payloads."""

    commands: dict[str, Command | Flow]
    flows: dict[str, Flow]
    keywords: dict[str, str] = field(default_factory=dict)
    payloads: dict[str, PayloadHandler] = field(default_factory=dict)
    fallback: str = "help"


class Dispatcher:
    """Turns a neutral `Message` into `Reply` objects; the only entry point channels call."""

    def __init__(self, deps: Deps, routes: Routes) -> None:
        self.deps = deps
        self.routes = routes

    async def handle(self, message: Message) -> Outcome:
        """Handle one message: dedupe, flood and size limits, routing, errors, state, commit."""
        try:
            return await self._handle_once(message)
        except IntegrityError:
            # A concurrent delivery of the same update won the race: serve its replies.
            if message.update_key:
                async with self.deps.db.transaction() as session:
                    stored = await dialog_repo.replies_for(
                        session, message.channel, message.update_key
                    )
                if stored is not None:
                    return Outcome([Reply.from_dict(r) for r in stored], replayed=True)
            raise
        except Exception:
            log.exception(
                "unhandled error", extra={"channel": message.channel, "user": message.user_id}
            )
            return Outcome(
                [Reply(self.deps.i18n.translate(await self._lang_of(message), "error.generic"))]
            )

    async def _lang_of(self, message: Message) -> str:
        try:
            async with self.deps.db.transaction() as session:
                ident = await people.identity(session, message.channel, message.user_id)
                if ident is not None:
                    return ident.person.lang
        except Exception:  # the database itself may be what failed
            log.warning("could not look up the language of %s", message.user_id)
        return normalize_lang(message.lang_hint, self.deps.config.default_lang)

    async def _handle_once(self, message: Message) -> Outcome:
        deps = self.deps
        now = deps.clock()
        async with deps.db.transaction() as session:
            if message.update_key:
                stored = await dialog_repo.replies_for(session, message.channel, message.update_key)
                if stored is not None:
                    return Outcome([Reply.from_dict(r) for r in stored], replayed=True)
            ident = await people.get_or_create_identity(
                session,
                message.channel,
                message.user_id,
                lang=normalize_lang(message.lang_hint, deps.config.default_lang),
            )
            if people.touch_inbound(ident, now):
                # Messages held for a closed channel window (WeChat: 48 h) can go out now.
                await outbox.release_held(session, message.channel, message.user_id, now)
            state = await dialog_repo.load_state(session, message.channel, message.user_id)
            ctx = Ctx(deps, session, message, ident, ident.person, state, now)
            # Refusals before routing leave the dialog (and the choices shown) as they were.
            if self._flooded(ctx):
                replies = (
                    []
                    if state.window_count > deps.config.flood_messages + 1
                    else [ctx.reply("error.flood", seconds=deps.config.flood_window_s)]
                )
            elif len(message.text) > deps.config.max_text_chars:
                replies = [ctx.reply("error.too_long", limit=deps.config.max_text_chars)]
            else:
                replies = await self._route_safely(ctx)
                self._remember_choices(ctx, replies)
            state.updated_at = now
            flag_modified(state, "data")
            flag_modified(state, "choices")
            if message.update_key:
                dialog_repo.record_update(
                    session,
                    message.channel,
                    message.update_key,
                    [r.to_dict() for r in replies],
                    now,
                )
        return Outcome(replies)

    def _flooded(self, ctx: Ctx) -> bool:
        """Count the message in the user's window; true once past the limit."""
        state, cfg = ctx.state, self.deps.config
        window = timedelta(seconds=cfg.flood_window_s)
        if state.window_start is None or ctx.now - state.window_start > window:
            state.window_start = ctx.now
            state.window_count = 0
        state.window_count = (state.window_count or 0) + 1
        return state.window_count > cfg.flood_messages

    async def _route_safely(self, ctx: Ctx) -> list[Reply]:
        """Route inside a savepoint, so a refused action leaves no half-done change behind."""
        flag_modified(ctx.state, "data")
        await ctx.session.flush()
        nested = await ctx.session.begin_nested()
        try:
            replies = await self._route(ctx)
        except UserError as exc:
            await nested.rollback()
            # Back to what was flushed before the savepoint: the state as the message found it.
            for row in (ctx.state, ctx.person, ctx.identity):
                await ctx.session.refresh(row)
            replies = [ctx.reply(exc.key, **exc.params)]
            if ctx.state.flow in self.routes.flows:
                replies += await dialogs.repeat(ctx, self.routes.flows[ctx.state.flow])
            return replies
        await nested.commit()
        return replies

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
        command = _command_of(text) or self.routes.keywords.get(lowered)
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
        return await self._run_command(ctx, self.routes.fallback, None, unknown=bool(text))

    async def _run_command(
        self, ctx: Ctx, command: str, flow: Flow | None, unknown: bool = False
    ) -> list[Reply]:
        route = self.routes.commands.get(command)
        if route is None:
            route, unknown = self.routes.commands[self.routes.fallback], True
        prefix = [ctx.reply("error.unknown_command")] if unknown else []
        if isinstance(route, Flow):
            return prefix + await dialogs.begin(ctx, route)
        if flow is not None and command == "help":
            return await route(ctx) + await dialogs.repeat(ctx, flow)
        dialogs.clear(ctx)
        return prefix + await route(ctx)

    def _chosen_payload(self, ctx: Ctx) -> str | None:
        """On text-only channels "2" picks the second choice last shown."""
        text = ctx.message.text.strip()
        if ctx.message.payload is None and text.isdigit() and ctx.state.choices:
            index = int(text) - 1
            if 0 <= index < len(ctx.state.choices):
                return str(ctx.state.choices[index])
        return None

    @staticmethod
    def _remember_choices(ctx: Ctx, replies: list[Reply]) -> None:
        with_choices = [r for r in replies if r.choices]
        ctx.state.choices = [c.payload for c in with_choices[-1].choices] if with_choices else []


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
