"""The console channel: a terminal chat against the real handlers and database."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.bootstrap import App
from bot.sender import Limits, OutboxSender, SendResult
from handlers.core.messages import Location, Message, Reply
from storage.models import OutboxMessage

CHANNEL = "console"


def render(reply: Reply, saved: Path | None = None) -> str:
    """A reply as plain text: choices become a numbered list, links are spelled out; a file
    that was saved (see `Console.files`) is shown by its path."""
    lines = [reply.text]
    lines += [f"  {i}. {choice.label}" for i, choice in enumerate(reply.choices, start=1)]
    lines += [f"  🔗 {link.label}: {link.url}" for link in reply.links]
    if reply.photo:
        lines.append(f"  🖼 {reply.photo}")
    if reply.document:
        name, content = reply.document
        where = f" → {saved}" if saved else ""
        lines.append(f"  📎 {name} ({len(content.encode())} bytes){where}")
    return "\n".join(lines)


def save_document(files: Path, seq: int, reply: Reply) -> Path | None:
    """Write a reply's file into `files` as "<seq>-<name>" (the name stripped of any path)."""
    if reply.document is None:
        return None
    name, content = reply.document
    safe = re.sub(r"[^\w.\-]+", "_", Path(name).name).lstrip(".") or "file"
    files.mkdir(parents=True, exist_ok=True)
    path = files / f"{seq:04d}-{safe}"
    path.write_text(content, encoding="utf-8")
    return path


LIMITS = Limits(
    per_second=1e6, per_chat_per_second=float("inf"), in_flight=1, burst=1e3, urgent_first=False
)


@dataclass
class ConsoleTransport:
    """The console as one more transport behind the outbox sender: a message is printed."""

    console: Console
    channel: str = CHANNEL
    numbers_choices: bool = True  # the terminal shows choices as a numbered list

    async def send(self, external_id: str, reply: Reply, row: OutboxMessage) -> SendResult:
        """Print `reply` for `external_id`."""
        self.console.write(f"  📨 → {external_id}:")
        self.console.write(self.console.show(reply))
        return SendResult("sent")


class Console:
    """Sends lines as a named user and prints what comes back, including outbox messages."""

    def __init__(
        self, app: App, write: Callable[[str], None] = print, files: Path | None = None
    ) -> None:
        self.app = app
        self.write = write
        self.files = files  # where documents (exports, /mydata) are written; None: not written
        self._seq = 0
        self._saved = 0
        # One row a round, so messages print in the order they were queued (the sender's
        # per-chat pacing is for platforms; a terminal takes everything at once).
        self._sender = OutboxSender(app.db, ConsoleTransport(self), app.deps.clock, LIMITS)

    def show(self, reply: Reply) -> str:
        """A reply as printed (a document saved first, when files are kept)."""
        saved = None
        if self.files is not None and reply.document is not None:
            self._saved += 1
            saved = save_document(self.files, self._saved, reply)
        return _indent(render(reply, saved), "    ")

    async def say(
        self,
        user: str,
        text: str,
        *,
        location: Location | None = None,
        photo: str | None = None,
    ) -> list[Reply]:
        """Send one line as `user`; print the replies, then outbox messages for console users."""
        self._seq += 1
        message = Message(
            channel=CHANNEL,
            user_id=user,
            text=text,
            display_name=user,
            update_key=None,
            location=location,
            photo=photo,
        )
        outcome = await self.app.dispatcher.handle(message)
        for reply in outcome.replies:
            self.write(self.show(reply))
        await self.deliver()
        return outcome.replies

    async def deliver(self) -> int:
        """Print every due console message in the outbox, through the outbox sender."""
        return (await self._sender.drain()).sent

    async def run(self, lines: Iterable[str], user: str) -> None:
        """Chat line by line; a line "@name text" speaks as another user from then on."""
        for raw in lines:
            line = raw.rstrip("\n")
            if line.startswith("@") and " " in line:
                user, line = line[1:].split(" ", 1)
            elif line.startswith("@"):
                user, line = line[1:], ""
            if not line.strip():
                continue
            self.write(f"[{user}] {line}")
            await self.say(user, line)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def stdin_lines() -> Iterable[str]:
    """Lines from stdin, prompting when a person is typing."""
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            sys.stdout.write("> ")
            sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            return
        yield line
