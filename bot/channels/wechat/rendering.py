"""Replies in WeChat's idiom: one text, choices as numbered options, links spelled out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from handlers.core.messages import Reply

# WeChat cuts text messages at about 2048 bytes; stay under it and split at line ends.
MAX_TEXT_BYTES = 2000
MAX_INLINE_DOCUMENT = 1500
PHOTO_PREFIX = "wechat:"

Translate = Callable[[str], str]


def render(replies: Sequence[Reply], t: Translate) -> str:
    """All replies as one text. Only the last choices are numbered: "2" picks from those."""
    numbered = max((i for i, r in enumerate(replies) if r.choices), default=-1)
    parts = []
    for index, reply in enumerate(replies):
        lines = [reply.text] if reply.text else []
        if reply.choices and index == numbered:
            lines.append(t("wechat.reply_number"))
            lines += [f"{n}. {c.label}" for n, c in enumerate(reply.choices, start=1)]
        else:
            lines += [f"· {c.label}" for c in reply.choices]
        lines += [f"🔗 {link.label}：{link.url}" for link in reply.links]
        if reply.document:
            name, content = reply.document
            if too_long(reply):
                lines.append(t("wechat.document_too_long"))
            else:
                lines += [f"📎 {name}", content]
        if lines:
            parts.append("\n".join(lines))
    return "\n\n".join(parts)


def too_long(reply: Reply) -> bool:
    """Whether the reply's file is too long to show inside a message."""
    return reply.document is not None and len(reply.document[1]) > MAX_INLINE_DOCUMENT


def photos(replies: Sequence[Reply]) -> list[str]:
    """WeChat media ids of the photos among the replies (other channels' photos are dropped)."""
    return [
        r.photo[len(PHOTO_PREFIX) :]
        for r in replies
        if r.photo and r.photo.startswith(PHOTO_PREFIX) and len(r.photo) > len(PHOTO_PREFIX)
    ]


def split(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Text in pieces of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while len(line.encode()) > limit:  # one very long line: cut by characters
            cut = _fit(line, limit)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def _fit(line: str, limit: int) -> int:
    """How many leading characters of `line` fit in `limit` bytes."""
    size = 0
    for index, char in enumerate(line):
        size += len(char.encode())
        if size > limit:
            return max(index, 1)
    return len(line)
