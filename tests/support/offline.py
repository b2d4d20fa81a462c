"""A guard that fails any test opening a connection to anything but this machine (loopback)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def is_local(address: Any) -> bool:
    """Whether a socket address is a loopback one (or not an internet address at all)."""
    if not isinstance(address, tuple):
        return True  # a Unix socket path
    host = str(address[0]).split("%", 1)[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name that is not resolved yet: refuse, tests use addresses


def _checked(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address):
        raise AssertionError(f"a test tried to connect to {address!r}; only loopback is allowed")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _checked(self, address)
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _checked(self, address)
    return _connect_ex(self, address)


@contextmanager
def loopback_only() -> Iterator[None]:
    """While active, a connection to a non-loopback address raises AssertionError."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = _connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
