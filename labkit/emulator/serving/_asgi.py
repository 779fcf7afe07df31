"""The emulator as an ASGI application, for a real HTTP server (uvicorn, `labkit.emulator.serve`).

`asgi_app(emulator)` carries requests to the same `Emulator.handle` the in-process transports
call, so HTTP and in-process answers cannot drift. What only a network server has to do lives here:

- a body whose ``content-length`` is over its endpoint's limit is answered ``413`` before a byte of
  it is read; a body that grows past the limit while it is read (chunked) is cut off with ``413``;
- the emulator's work (validation, the synthetic model) runs in a worker thread, so one slow
  request never holds the event loop that serves the other connections;
- streams go out one SSE event per chunk, coalesced until a latency wait has to pass (a zero-latency
  stream is one write), and each write awaits the transport: a slow reader slows its own stream;
- faults: ``"drop"`` ends the response without its last chunk (the server closes the connection),
  ``"stall"`` sends nothing for ``stall_s`` seconds (cut short by shutdown), then does the same;
- a client that goes away mid-response is logged as one line, never a traceback.
Malformed HTTP framing (``Content-Length: abc``, a bad chunk size) never reaches the app: the
server answers ``400`` itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from labkit.core import EmulatorError
from labkit.emulator.serving._emulator import Emulator
from labkit.emulator.serving._response import EmulatorResponse

__all__ = ["asgi_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("labkit.emulator")


class _Gone(EmulatorError):
    """The client went away while sending its request."""


def asgi_app(emulator: Emulator) -> ASGIApp:
    """An ASGI application answering every request with ``emulator``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, target = scope["method"], _target(scope)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            declared = int(headers.get("content-length") or 0)
            refusal = emulator.app.refuse_oversized(method, target, declared)
            if refusal is not None:
                await _send_whole(send, refusal)
                return
            body = await _read_body(receive)
            base_url = f"{scope.get('scheme', 'http')}://{headers.get('host') or _server(scope)}"
            response = await anyio.to_thread.run_sync(
                lambda: emulator.handle(method, target, headers, body, base_url=base_url)
            )
            if response.delay_s > 0:
                await anyio.sleep(response.delay_s)
            if response.chunks is None:
                await _send_whole(send, response)
            else:
                await _send_stream(send, response)
        except (_Gone, OSError) as exc:
            log.info("labkit emulator: %s %s: client went away (%s)", method, target, type(exc).__name__)

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _target(scope: Scope) -> str:
    query = scope.get("query_string") or b""
    path = scope.get("raw_path") or scope["path"].encode()
    return str((path + (b"?" + query if query else b"")).decode("latin-1"))


def _server(scope: Scope) -> str:
    host, port = scope.get("server") or ("127.0.0.1", 80)
    return f"{host}:{port}"


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone("disconnected while sending its body")
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


def _start(response: EmulatorResponse, *, length: int | None) -> Message:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
               if length is None or k.lower() != "content-length"]  # fmt: skip
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {"type": "http.response.start", "status": response.status, "headers": headers}


async def _send_whole(send: Send, response: EmulatorResponse) -> None:
    await send(_start(response, length=len(response.body)))
    await send({"type": "http.response.body", "body": response.body})


async def _send_stream(send: Send, response: EmulatorResponse) -> None:
    await send(_start(response, length=None))  # no length: the server frames it chunked
    pending: list[bytes] = []
    for index, chunk in enumerate(response.chunks or ()):
        if (delay := response.wait_before(index)) > 0:
            await _flush(send, pending)
            await anyio.sleep(delay)
        pending.append(chunk)
    await _flush(send, pending)
    if response.interrupt is None:
        await send({"type": "http.response.body", "body": b""})
        return
    if response.interrupt == "stall":
        await anyio.sleep(response.stall_s)
    # the response is left unfinished: the server drops the connection, as a real broken stream does
    log.info("labkit emulator: injected %s fault: connection broken mid-response", response.interrupt)


async def _flush(send: Send, pending: list[bytes]) -> None:
    if pending:
        await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
        pending.clear()
