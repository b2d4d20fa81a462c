"""From wechatpy's parsed messages and events to the channel-neutral `Message` (or an action)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from wechatpy.messages import BaseMessage

from bot.channels.wechat.protocol import Rejected
from handlers.core.messages import Location, Message

CHANNEL = "wechat"
MENU_KEY_PREFIX = "cmd:"  # a CLICK menu key "cmd:start" starts the command /start
SUBSCRIBE_COMMAND = "/help"  # greets newcomers with how to register; harmless for old friends


@dataclass(frozen=True)
class Dispatch:
    """Hand this message to the dispatcher; `only_in_flow`: drop it unless a flow awaits input."""

    message: Message
    only_in_flow: bool = False


@dataclass(frozen=True)
class Unsupported:
    """The user sent something we cannot read (video, link, voice without recognition …)."""

    user_id: str


@dataclass(frozen=True)
class Unsubscribed:
    """The user unfollowed the account: nothing can reach them any more."""

    user_id: str


@dataclass(frozen=True)
class Ignored:
    """An event that needs no answer (link clicks, delivery reports, scans …)."""


Action = Dispatch | Unsupported | Unsubscribed | Ignored


def update_key(message: BaseMessage) -> str:
    """Redeliveries share this key: MsgId for messages; sender + CreateTime + Event for events.

    CreateTime has one-second resolution, so a menu event's key also carries its EventKey: two
    different buttons tapped within a second are two updates, a redelivery is still one.
    """
    if message.type == "event":
        button = _text(message.key) if message.event == "click" else ""
        key = f"e:{message.time}:{message.event}:{message.source}" + (
            f":{button}" if button else ""
        )
        return key if len(key) <= 128 else "e:" + hashlib.sha1(key.encode()).hexdigest()
    if not message.id:
        raise ValueError("message without MsgId")
    return f"m:{message.id}"


def to_action(message: BaseMessage) -> Action:
    """What to do with one parsed callback; raises `Rejected` (400) on nonsense field values."""
    try:
        return _to_action(message)
    except (TypeError, ValueError) as exc:
        raise Rejected(400, f"bad field in {message.type}: {type(exc).__name__}") from exc


def _to_action(message: BaseMessage) -> Action:
    user = str(message.source)
    kind = message.type
    if kind == "event":
        return _event(message, user)
    if kind == "unknown" and str(message._data.get("MsgType", "")).lower() == "event":
        return Ignored()  # an event type wechatpy does not know (mini programs, kf sessions …)
    if kind not in ("text", "image", "location", "voice"):
        return Unsupported(user)
    if kind == "text":
        return Dispatch(_neutral(message, text=_text(message.content)))
    if kind == "image":
        media_id = _text(message.media_id)
        if not media_id:
            return Unsupported(user)
        return Dispatch(_neutral(message, photo=f"wechat:{media_id}"))
    if kind == "location":
        point = _point(message.location_x, message.location_y)
        return Dispatch(_neutral(message, location=point))
    if kind == "voice" and _text(message.recognition):
        # Speech recognition (when enabled for the account) turns voice into text.
        return Dispatch(_neutral(message, text=_text(message.recognition)))
    return Unsupported(user)


def _event(message: BaseMessage, user: str) -> Action:
    event = str(message.event or "").lower()
    if event in ("subscribe", "subscribe_scan"):
        return Dispatch(_neutral(message, text=SUBSCRIBE_COMMAND))
    if event == "unsubscribe":
        return Unsubscribed(user)
    if event == "click":
        key = _text(message.key)
        if key.startswith(MENU_KEY_PREFIX) and len(key) > len(MENU_KEY_PREFIX):
            command = key[len(MENU_KEY_PREFIX) :].strip().lower()
            return Dispatch(_neutral(message, text=f"/{command}"))
        return Ignored()
    if event == "location":
        # Reported by the client on its own whenever the chat opens: only useful to a flow
        # that asked for a place, and never worth an unprompted reply.
        point = _point(message.latitude, message.longitude)
        return Dispatch(_neutral(message, location=point), only_in_flow=True)
    # VIEW (link menu), SCAN, delivery reports, and location_select / pic_* (WeChat follows
    # those with an ordinary location or image message, which we handle).
    return Ignored()


def _neutral(
    message: BaseMessage,
    *,
    text: str = "",
    photo: str | None = None,
    location: Location | None = None,
) -> Message:
    return Message(
        channel=CHANNEL,
        user_id=str(message.source),
        text=text,
        photo=photo,
        location=location,
        update_key=update_key(message),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise TypeError("expected text")
    return str(value).strip()


def _point(lat: object, lon: object) -> Location:
    point = Location(float(str(lat)), float(str(lon)))
    if not (math.isfinite(point.lat) and math.isfinite(point.lon)):
        raise ValueError("coordinates not finite")
    if not (-90 <= point.lat <= 90 and -180 <= point.lon <= 180):
        raise ValueError("coordinates out of range")
    return point
