"""Telegram updates → the channel-neutral `Message` (pure: no network, no database)."""

from __future__ import annotations

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


def to_inbound(update: Update) -> Inbound | None:
    """What an update asks of Linli, or None when there is nothing to answer."""
    if update.callback_query is not None:
        return _from_callback(update, update.callback_query)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None  # edits, channel posts, service messages from other bots
    if message.chat is None:  # not from Telegram (it always names the chat): nothing to answer
        return None
    user = message.from_user
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
