"""The autouse guard (tests/conftest.py) refuses connections that leave this machine."""

from __future__ import annotations

import socket

import pytest

from tests.support.offline import is_local


def test_a_connection_off_the_machine_fails_the_test() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)  # without the guard: an OSError or a time-out, and the test fails
        with pytest.raises(AssertionError):
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


@pytest.mark.parametrize("address", [("127.0.0.1", 1), ("::1", 1), ("localhost", 1), "/tmp/s"])
def test_loopback_and_unix_sockets_are_allowed(address: object) -> None:
    assert is_local(address)


@pytest.mark.parametrize("address", [("10.0.0.1", 80), ("8.8.8.8", 53), ("example.org", 443)])
def test_other_addresses_are_not(address: object) -> None:
    assert not is_local(address)
