"""`Reply` → Bot API calls: inline keyboards, URL buttons, photos, documents, split long texts.

Texts are sent without a parse mode, so whatever a user typed is shown literally (no HTML or
Markdown to escape or inject), and the 4096-character limit applies to exactly what we split.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram import Message as TgMessage

from bot.channels.telegram.mapping import PHOTO_PREFIX
from handlers.core.messages import Choice, Link, Reply

TEXT_LIMIT = 4096  # Telegram counts UTF-16 code units
CAPTION_LIMIT = 1024
SHORT_LABEL = 12  # labels this short go two to a row
PLACEHOLDER = "⬇️"  # a keyboard needs some text above it


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call that shows (part of) a reply; `chat_id` is added when it is sent."""

    method: str  # a python-telegram-bot Bot method: send_message, send_photo, send_document
    kwargs: dict[str, Any]


def in_webhook_response(call: Outgoing) -> dict[str, Any]:
    """`call` as the body of a webhook's response, which the Bot API performs without telling
    anyone its result: {"method": "answerCallbackQuery", "callback_query_id": …}. For calls
    whose arguments are plain JSON values (no markup objects, no files)."""
    head, *rest = call.method.split("_")
    return {"method": head + "".join(word.title() for word in rest), **call.kwargs}


def utf16_len(text: str) -> int:
    """Length as Telegram measures it."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` units, cut at line breaks where possible, never in a character."""
    if utf16_len(text) <= limit:
        return [text] if text.strip() else []
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        needed = utf16_len(line) + (1 if current else 0)
        if current and size + needed > limit:
            parts.append("\n".join(current))
            current, size = [], 0
            needed = utf16_len(line)
        if needed > limit:  # one line longer than a message: cut it
            pieces = _cut(line, limit)
            parts += pieces[:-1]
            line, needed = pieces[-1], utf16_len(pieces[-1])
        current.append(line)
        size += needed
    if current:
        parts.append("\n".join(current))
    return [part.strip("\n") for part in parts if part.strip()]


def _cut(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    piece: list[str] = []
    size = 0
    for char in line:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            pieces.append("".join(piece))
            piece, size = [], 0
        piece.append(char)
        size += width
    pieces.append("".join(piece))
    return pieces


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Choices as callback buttons (data = the choice's payload), links as URL buttons."""
    if not reply.choices and not reply.links:
        return None
    return _markup(reply.choices, reply.links)


@lru_cache(maxsize=4096)
def _markup(choices: tuple[Choice, ...], links: tuple[Link, ...]) -> InlineKeyboardMarkup:
    # The same prompts come back all day; PTB's objects are immutable, so one can be shared.
    rows = _choice_rows(choices)
    rows += [[InlineKeyboardButton(link.label, url=link.url)] for link in links]
    return InlineKeyboardMarkup(rows)


def _choice_rows(choices: tuple[Choice, ...]) -> list[list[InlineKeyboardButton]]:
    buttons = [InlineKeyboardButton(c.label, callback_data=c.payload) for c in choices]
    per_row = 2 if all(len(c.label) <= SHORT_LABEL for c in choices) else 1
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def render(reply: Reply, upload: bytes | None = None) -> list[Outgoing]:
    """The calls that show one reply; its keyboard goes on the last of them.

    A photo or document carries the text as its caption when it fits; otherwise the photo comes
    first and the text after it, or the text first and the document (e.g. an export) after it.
    Another channel's photo is sent as `upload` (its bytes, fetched by bot/photos.py) if given.
    """
    text = reply.text if reply.text.strip() else ""
    fits = bool(text) and utf16_len(text) <= CAPTION_LIMIT
    calls: list[Outgoing] = []
    if reply.photo and (_ours(reply.photo) or upload is not None):
        shown: str | InputFile = (
            reply.photo[len(PHOTO_PREFIX) :]
            if _ours(reply.photo)
            else InputFile(upload, filename="photo.jpg")
        )
        photo = Outgoing("send_photo", {"photo": shown})
        calls = [photo] + ([] if fits else _texts(text))
        if fits:
            photo.kwargs["caption"] = text
    elif reply.document is not None:
        name, content = reply.document
        upload = InputFile(content.encode("utf-8"), filename=name)
        document = Outgoing("send_document", {"document": upload})
        calls = ([] if fits else _texts(text)) + [document]
        if fits:
            document.kwargs["caption"] = text
    else:
        calls = _texts(text)
    markup = keyboard(reply)
    if markup is not None:
        if not calls:
            calls = _texts(PLACEHOLDER)
        calls[-1].kwargs["reply_markup"] = markup
    return calls


def _texts(text: str) -> list[Outgoing]:
    return [Outgoing("send_message", {"text": part}) for part in split_text(text)]


def _ours(photo: str) -> bool:
    """A Telegram file id; another channel's photo (a WeChat media id) needs its bytes."""
    return photo.startswith(PHOTO_PREFIX) and len(photo) > len(PHOTO_PREFIX)


def foreign(reply: Reply) -> str | None:
    """The reference of another channel's photo in a reply, to upload its bytes."""
    return reply.photo if reply.photo and not _ours(reply.photo) else None


# -- after a button press ------------------------------------------------------------------------


def settled(pressed: TgMessage, data: str) -> Outgoing | None:
    """The edit that retires a pressed message's buttons (URL buttons stay) and notes the choice."""
    markup = pressed.reply_markup
    if markup is None:
        return None
    label = next(
        (b.text for row in markup.inline_keyboard for b in row if b.callback_data == data), None
    )
    links = [[b] for row in markup.inline_keyboard for b in row if b.url]
    remaining = InlineKeyboardMarkup(links) if links else None
    target = {"chat_id": pressed.chat.id, "message_id": pressed.message_id}
    text = pressed.text
    if text and label and utf16_len(text) + utf16_len(label) + 3 <= TEXT_LIMIT:
        return Outgoing(
            "edit_message_text",
            {**target, "text": f"{text}\n\n✅ {label}", "reply_markup": remaining},
        )
    return Outgoing("edit_message_reply_markup", {**target, "reply_markup": remaining})
