"""Suite-wide guard and shared fixtures.

Tests never reach the network beyond the loopback interface: every ``socket.connect`` made in the
test process is checked; an address outside 127.0.0.0/8, ::1 or a Unix socket fails the test at
once with the address named. Subprocesses (JupyterLab, Chromium, ``labkit emulator``) are started
by tests that bind them to 127.0.0.1 themselves. ``lab``: a `labkit.Lab` on the in-process
emulator (whatever the environment says) with a store of its own.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from labkit import Lab

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise RuntimeError(f"test tried to reach {address!r}: tests may only connect to 127.0.0.1 / ::1")


def _guarded_connect(sock: socket.socket, address: Any) -> None:
    _check(sock, address)
    _real_connect(sock, address)


def _guarded_connect_ex(sock: socket.socket, address: Any) -> int:
    _check(sock, address)
    return _real_connect_ex(sock, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    """A Lab on the in-process emulator, with a fresh store under the test's tmp_path."""
    from labkit import Lab  # here, not at the top: collecting the suite should not load the Lab stack

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("LABKIT_BASE_URL", raising=False)
    return Lab(store=tmp_path / "lab.sqlite")
