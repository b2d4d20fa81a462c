"""Telegram updates → the channel-neutral `Message` (pure: no network, no database)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from telegram import CallbackQuery, Update
from telegram import Message as TgMessage

from handlers.core.messages import Location, Message

CHANNEL = "telegram"
PHOTO_PREFIX = "telegram:"
# The update kinds Linli asks Telegram for (setWebhook / getUpdates `allowed_updates`).
ALLOWED_UPDATES = ("message", "callback_query")


@dataclass(frozen=True)
class Inbound:
    """A mapped update: the neutral message, the chat to answer in, the button press to settle.

    `message` is None for updates Linli does not handle (then only the press is answered).
    """

    chat_id: int
    message: Message | None
    private: bool = True
    callback: CallbackQuery | None = None
    is_command: bool = False

    @property
    def pressed(self) -> TgMessage | None:
        """The bot's message whose button was pressed, when it can still be edited."""
        if self.callback is None:
            return None
        shown = self.callback.message
        return shown if isinstance(shown, TgMessage) else None


class MalformedUpdate(ValueError):
    """An update whose fields have the wrong JSON types: Telegram never sends one, so retrying
    it cannot help. `reason` names the field, never its value (which may be personal)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_inbound(update: Update) -> Inbound | None:
    """What an update asks of Linli, or None when there is nothing to answer.

    Raises `MalformedUpdate` when a field it reads has the wrong type (PTB builds its objects
    without checking types: `text` may be a number, `update_id` true).
    """
    try:
        inbound = _to_inbound(update)
    except MalformedUpdate:
        raise
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise MalformedUpdate(f"unreadable update ({type(exc).__name__})") from exc
    if inbound is not None:
        _check(inbound)
    return inbound


def _check(inbound: Inbound) -> None:
    """Every value handed on has the type the rest of Linli relies on."""
    _integer(inbound.chat_id, "chat id")
    message = inbound.message
    if message is None:
        return
    for name in ("text", "display_name"):
        if not isinstance(getattr(message, name), str):
            raise MalformedUpdate(f"{name} is not a string")
    for name in ("payload", "lang_hint", "photo"):
        if getattr(message, name) is not None and not isinstance(getattr(message, name), str):
            raise MalformedUpdate(f"{name} is not a string")
    point = message.location
    if point is not None and not all(
        type(v) in (int, float) and math.isfinite(v) for v in (point.lat, point.lon)
    ):
        raise MalformedUpdate("location is not two numbers")


def _integer(value: object, name: str) -> int:
    """An id as Telegram sends it (bool is an int to Python, not to JSON)."""
    if type(value) is not int:
        raise MalformedUpdate(f"{name} is not an integer")
    return value


def _to_inbound(update: Update) -> Inbound | None:
    _integer(update.update_id, "update_id")
    if update.callback_query is not None:
        return _from_callback(update, update.callback_query)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None  # edits, channel posts, service messages from other bots
    if message.chat is None:  # not from Telegram (it always names the chat): nothing to answer
        return None
    user = message.from_user
    _integer(user.id, "user id")
    photo = None
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        photo = PHOTO_PREFIX + largest.file_id
    location = (
        Location(message.location.latitude, message.location.longitude)
        if message.location
        else None
    )
    neutral = Message(
        channel=CHANNEL,
        user_id=str(user.id),
        text=message.text or message.caption or "",
        location=location,
        photo=photo,
        display_name=user.full_name,
        lang_hint=user.language_code,
        update_key=str(update.update_id),
    )
    return Inbound(
        chat_id=message.chat.id,
        message=neutral,
        private=message.chat.type == "private",
        is_command=neutral.command is not None,
    )


def _from_callback(update: Update, query: CallbackQuery) -> Inbound | None:
    if query.from_user is None or (query.message is not None and query.message.chat is None):
        return None  # malformed (Telegram always sends both): nothing to answer
    shown = query.message
    chat_id = shown.chat.id if shown is not None else query.from_user.id
    private = shown is None or shown.chat.type == "private"
    _integer(query.from_user.id, "user id")
    if not isinstance(query.id, str):
        raise MalformedUpdate("callback query id is not a string")
    if query.data is None:  # a game button: nothing of ours
        return Inbound(chat_id=chat_id, message=None, private=private, callback=query)
    user = query.from_user
    neutral = Message(
        channel=CHANNEL,
        user_id=str(user.id),
        payload=query.data,
        display_name=user.full_name,
        lang_hint=user.language_code,
        update_key=str(update.update_id),
    )
    return Inbound(chat_id=chat_id, message=neutral, private=private, callback=query)


def chat_of(update: object) -> int | None:
    """The chat an update belongs to (to keep one chat's updates in order), if any."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None
