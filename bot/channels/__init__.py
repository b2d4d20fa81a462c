"""Channel adapters: each turns platform updates into `Message`s and renders `Reply`s.

A channel that runs inside `linli serve` provides a `ChannelRuntime`: its web routes, start/stop
hooks, and the transport its outbox sender uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.routing import BaseRoute

from bot.sender import Limits, Transport


class ChannelRuntime(Protocol):
    """What `linli serve` needs from a channel."""

    name: str

    def routes(self) -> list[BaseRoute]:
        """The channel's web routes (webhooks)."""
        ...

    async def start(self) -> None:
        """Connect to the platform (called once at server start)."""
        ...

    async def stop(self) -> None:
        """Disconnect (called once at server stop)."""
        ...

    def transport(self) -> Transport | None:
        """How the outbox sender reaches users on this channel, if it sends proactively."""
        ...

    def limits(self) -> Limits:
        """The channel's sending limits."""
        ...


@dataclass
class ChannelError(Exception):
    """A platform error translated once at the edge."""

    kind: str
    detail: str = ""
