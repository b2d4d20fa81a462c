"""The channel-neutral message that adapters build and the replies that handlers return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit; every channel keeps to it.


@dataclass(frozen=True, slots=True)
class Location:
    """A shared point."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Message:
    """One inbound message or button press, as every channel sees it.

    `update_key` identifies the platform update so a redelivery takes effect once.
    """

    channel: str
    user_id: str
    text: str = ""
    payload: str | None = None
    location: Location | None = None
    photo: str | None = None
    display_name: str = ""
    lang_hint: str | None = None
    update_key: str | None = None

    @property
    def command(self) -> str | None:
        """`start` for "/start now", else None."""
        word = self.text.strip().split(maxsplit=1)[0] if self.text.strip() else ""
        if word.startswith("/") and len(word) > 1:
            return word[1:].split("@", 1)[0].lower()
        return None

    @property
    def args(self) -> str:
        """What follows the command word."""
        parts = self.text.strip().split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""

    @property
    def value(self) -> str:
        """The answer this message gives: the pressed button's payload, else the text."""
        return self.payload if self.payload is not None else self.text.strip()


@dataclass(frozen=True, slots=True)
class Choice:
    """One option offered to the user: a label and the payload sent back when chosen."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"choice payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class Link:
    """A link shown with a reply."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Reply:
    """Something to show the user: text, optional choices and links, rendered per channel."""

    text: str
    choices: tuple[Choice, ...] = ()
    links: tuple[Link, ...] = ()
    document: tuple[str, str] | None = None  # (file name, content) for exports
    photo: str | None = (
        None  # a channel photo reference ("telegram:<file_id>", "wechat:<media_id>")
    )
    kind: str = "reply"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for the outbox and for replies stored against an update."""
        data: dict[str, Any] = {"text": self.text}
        if self.choices:
            data["choices"] = [[c.label, c.payload] for c in self.choices]
        if self.links:
            data["links"] = [[link.label, link.url] for link in self.links]
        if self.document:
            data["document"] = list(self.document)
        if self.photo:
            data["photo"] = self.photo
        if self.kind != "reply":
            data["kind"] = self.kind
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        """The inverse of `to_dict`."""
        doc = data.get("document")
        return cls(
            text=data["text"],
            choices=tuple(Choice(label, payload) for label, payload in data.get("choices", ())),
            links=tuple(Link(label, url) for label, url in data.get("links", ())),
            document=(doc[0], doc[1]) if doc else None,
            photo=data.get("photo"),
            kind=data.get("kind", "reply"),
        )


@dataclass(slots=True)
class Outcome:
    """What handling one message produced, all a channel needs to answer without reading back.

    `replies` to send now; `replayed`: served again from a redelivery (sent before); `lang`: the
    language the person is answered in ("" when unknown: a replay, the database down);
    `waiting`: a flow waits for the person's next answer; `choices`: the numbered choices last
    shown, in order (what "2" or a typed label picks next time, `handlers.core.choices`);
    `person_id`: who was answered (None when unknown: the database down).
    """

    replies: list[Reply] = field(default_factory=list)
    replayed: bool = False
    lang: str = ""
    waiting: bool = False
    choices: tuple[Choice, ...] = ()
    person_id: int | None = None
