"""In-process ``httpx2`` transports: the SDK talks to an `Emulator` with no socket at all.

`EmulatorTransport` (sync) and `AsyncEmulatorTransport` call `Emulator.handle` and hand the SDK a
response whose body is *streamed* chunk by chunk (one SSE event a chunk), waiting with
``time.sleep`` / ``asyncio.sleep`` only when the latency profile gives a positive delay. Chunks
are paced against deadlines measured from the body's start (a generation clock, as a server's
would be), so wake-up overhead and a busy event loop do not add up over thousands of small
delays: a reply takes the profile's time, not that time plus one scheduling lag per event. Faults
the emulator asks for happen here, as on a real connection: ``"drop"`` raises
``httpx2.RemoteProtocolError`` after the chunks that got through; ``"stall"`` waits
``min(stall_s, the request's read timeout)`` and raises ``httpx2.ReadTimeout`` (never hangs).

The transports take the core's ``handle`` function (`Emulator.handle`), not the emulator itself;
`sync_client` / `async_client` build the SDK clients around them (what `Emulator.client` returns);
`platform_client` builds the SDK's `AnthropicBedrock` / `AnthropicVertex` (or async twin) the same
way (a placeholder Bedrock API key / Vertex access token, so no AWS or Google credentials are read).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx2

from labkit.emulator.serving._response import EmulatorResponse

if TYPE_CHECKING:
    import anthropic

DEFAULT_BASE_URL = "http://labkit-emulator.local"
FAKE_API_KEY = "labkit-emulator-fake-key"


HandleFn = Callable[..., EmulatorResponse]
"""``handle(method, target, headers, body, *, base_url=...)``: `Emulator.handle`."""


def _headers(request: httpx2.Request) -> dict[str, str]:
    return {key.lower(): value for key, value in request.headers.items()}


def _target(request: httpx2.Request) -> str:
    return request.url.raw_path.decode("ascii")


def _base_url(request: httpx2.Request) -> str:
    url = request.url
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"


def _stall_seconds(response: EmulatorResponse, request: httpx2.Request) -> float:
    timeout = request.extensions.get("timeout") or {}
    read = timeout.get("read") if isinstance(timeout, dict) else None
    return response.stall_s if read is None else min(response.stall_s, float(read))


def _interrupt_error(response: EmulatorResponse, request: httpx2.Request) -> httpx2.TransportError:
    if response.interrupt == "stall":
        return httpx2.ReadTimeout("emulator fault: the stream stalled (read timed out)", request=request)
    return httpx2.RemoteProtocolError(
        "emulator fault: peer closed connection without sending complete message body", request=request
    )


def _chunks(response: EmulatorResponse) -> list[bytes]:
    return response.chunks if response.chunks is not None else [response.body]


def _schedule(response: EmulatorResponse) -> Iterator[tuple[float, bytes]]:
    """(seconds to wait first, chunk) for each chunk, against deadlines from the body's start
    (lazy: each wait is computed when the previous chunk has been taken)."""
    start, due = time.monotonic(), 0.0
    for index, chunk in enumerate(_chunks(response)):
        wait = 0.0
        if (delay := response.wait_before(index)) > 0:
            due += delay
            wait = start + due - time.monotonic()
        yield wait, chunk


class _SyncBody(httpx2.SyncByteStream):
    def __init__(self, response: EmulatorResponse, request: httpx2.Request) -> None:
        self._response, self._request = response, request

    def __iter__(self) -> Iterator[bytes]:
        response = self._response
        for wait, chunk in _schedule(response):
            if wait > 0:
                time.sleep(wait)
            yield chunk
        if response.interrupt is not None:
            if response.interrupt == "stall" and (wait := _stall_seconds(response, self._request)) > 0:
                time.sleep(wait)
            raise _interrupt_error(response, self._request)


class _AsyncBody(httpx2.AsyncByteStream):
    def __init__(self, response: EmulatorResponse, request: httpx2.Request) -> None:
        self._response, self._request = response, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        response = self._response
        for wait, chunk in _schedule(response):
            if wait > 0:
                await asyncio.sleep(wait)
            yield chunk
        if response.interrupt is not None:
            if response.interrupt == "stall" and (wait := _stall_seconds(response, self._request)) > 0:
                await asyncio.sleep(wait)
            raise _interrupt_error(response, self._request)


def _call(handle: HandleFn, request: httpx2.Request, body: bytes) -> EmulatorResponse:
    return handle(request.method, _target(request), _headers(request), body, base_url=_base_url(request))


class EmulatorTransport(httpx2.BaseTransport):
    """Sync transport: ``httpx2.Client(transport=EmulatorTransport(emulator.handle))``."""

    def __init__(self, handle: HandleFn) -> None:
        self.handle = handle

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = _call(self.handle, request, request.read())
        if response.delay_s > 0:
            time.sleep(response.delay_s)
        return httpx2.Response(response.status, headers=response.headers, stream=_SyncBody(response, request),
                               request=request)


class AsyncEmulatorTransport(httpx2.AsyncBaseTransport):
    """Async transport: ``httpx2.AsyncClient(transport=AsyncEmulatorTransport(emulator.handle))``."""

    def __init__(self, handle: HandleFn) -> None:
        self.handle = handle

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = _call(self.handle, request, await request.aread())
        if response.delay_s > 0:
            await asyncio.sleep(response.delay_s)
        return httpx2.Response(response.status, headers=response.headers, stream=_AsyncBody(response, request),
                               request=request)


def sync_client(
    handle: HandleFn, *, default_api_key: str | None, default_base_url: str, **kwargs: Any
) -> anthropic.Anthropic:
    """A real ``anthropic.Anthropic`` answered in process by ``handle`` (kwargs pass through and win)."""
    import anthropic

    kwargs.setdefault("api_key", default_api_key or FAKE_API_KEY)
    kwargs.setdefault("base_url", default_base_url)
    kwargs.setdefault("http_client", httpx2.Client(transport=EmulatorTransport(handle)))
    return anthropic.Anthropic(**kwargs)


def async_client(
    handle: HandleFn, *, default_api_key: str | None, default_base_url: str, **kwargs: Any
) -> anthropic.AsyncAnthropic:
    """A real ``anthropic.AsyncAnthropic`` answered in process by ``handle``."""
    import anthropic

    kwargs.setdefault("api_key", default_api_key or FAKE_API_KEY)
    kwargs.setdefault("base_url", default_base_url)
    kwargs.setdefault("http_client", httpx2.AsyncClient(transport=AsyncEmulatorTransport(handle)))
    return anthropic.AsyncAnthropic(**kwargs)


def platform_client(
    handle: HandleFn, platform: str, *, asynchronous: bool, default_api_key: str | None, default_base_url: str,
    **kwargs: Any,
) -> Any:
    """``AnthropicBedrock`` / ``AnthropicVertex`` (``asynchronous``: the async twin) answered by ``handle``.

    Bedrock defaults: region ``us-east-1``; Vertex: region ``us-east5``, project ``labkit-emulator``,
    base URL ``{default_base_url}/v1`` (the platform's own path prefix). kwargs pass through and win.
    """
    import anthropic

    if "http_client" not in kwargs:
        kwargs["http_client"] = (httpx2.AsyncClient(transport=AsyncEmulatorTransport(handle)) if asynchronous
                                 else httpx2.Client(transport=EmulatorTransport(handle)))  # fmt: skip
    token = default_api_key or FAKE_API_KEY
    if platform == "bedrock":
        if not any(k in kwargs for k in ("aws_access_key", "aws_secret_key", "aws_profile", "aws_session_token")):
            kwargs.setdefault("api_key", token)
        kwargs.setdefault("aws_region", "us-east-1")
        kwargs.setdefault("base_url", default_base_url)
        return (anthropic.AsyncAnthropicBedrock if asynchronous else anthropic.AnthropicBedrock)(**kwargs)
    if platform == "vertex":
        kwargs.setdefault("access_token", token)
        kwargs.setdefault("region", "us-east5")
        kwargs.setdefault("project_id", "labkit-emulator")
        kwargs.setdefault("base_url", default_base_url + "/v1")
        return (anthropic.AsyncAnthropicVertex if asynchronous else anthropic.AnthropicVertex)(**kwargs)
    raise ValueError(f"unknown platform {platform!r}: 'bedrock' or 'vertex'")
