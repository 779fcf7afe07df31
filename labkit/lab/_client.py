"""The I/O edge to a backend: which server labkit talks to, and one recorded streamed request.

Backend rule (one rule, stated in the README): ``ANTHROPIC_API_KEY`` set -> the Anthropic API;
else ``LABKIT_BASE_URL`` set -> that server (any Anthropic Messages API server, e.g.
``labkit emulator``); else a platform's own setting (``AWS_BEARER_TOKEN_BEDROCK`` or
``ANTHROPIC_BEDROCK_BASE_URL`` -> Amazon Bedrock; ``ANTHROPIC_VERTEX_PROJECT_ID`` -> Google Vertex
AI; `labkit.lab._backends`); else the built-in emulator, in process, no port (its latency profile
from ``LABKIT_EMULATOR_LATENCY``: a preset name such as ``demo`` or ``realistic``; default none).
Every backend goes through the official ``anthropic`` SDK (``AnthropicBedrock`` /
``AnthropicVertex`` for the platforms), so retries, timeouts and error classes are the SDK's. The
API key is read by the SDK from the environment and never copied into a `Backend`, a log or the
store; a backend's `BackendIdentity` (kind, endpoint, emulator seed) is what results are keyed by.

`stream_once` sends one streamed request and records every raw event as a dict with a monotonic
timestamp ``t`` (seconds since the request started), converting it live with `StreamConverter`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anthropic

from labkit.convert import raw_events_suffice
from labkit.core import (
    ChatCompletion,
    ChatCompletionChunk,
    ConfigError,
    IncompleteStreamError,
    InnerThoughts,
    StreamErrorEvent,
    StreamStalled,
)
from labkit.lab._backends import (
    Backend,
    client_backend,
    platform_backend,
    platform_from_env,
    platform_reason,
)
from labkit.lab._identity import ANTHROPIC_DEFAULT_URL, BackendIdentity, clean_url, emulator_identity
from labkit.lab._wire_errors import error_message_of, error_type_of

__all__ = ["Backend", "RecordedStream", "anthropic_backend", "base_url_backend", "choose_backend",
           "emulator_backend", "error_type_of", "resolve_backend", "stream_once", "turn_events"]

EMULATOR_LATENCY_ENV = "LABKIT_EMULATOR_LATENCY"
PLACEHOLDER_KEY = "labkit-no-key"
"""Sent to a ``LABKIT_BASE_URL`` server when no key is set (the SDK insists on some credential)."""

def anthropic_backend(reason: str = "explicitly chosen") -> Backend:
    url = clean_url(os.environ.get("ANTHROPIC_BASE_URL") or ANTHROPIC_DEFAULT_URL)
    return Backend("anthropic", reason, anthropic.AsyncAnthropic, anthropic.Anthropic,
                   identity=BackendIdentity(kind="anthropic", base_url=url))


def base_url_backend(base_url: str, reason: str = "explicitly chosen") -> Backend:
    def credentials(kwargs: dict[str, Any]) -> dict[str, Any]:
        if "api_key" not in kwargs and not os.environ.get("ANTHROPIC_API_KEY"):
            kwargs["api_key"] = PLACEHOLDER_KEY
        return {"base_url": base_url, **kwargs}

    return Backend(
        "base_url",
        reason,
        lambda **kw: anthropic.AsyncAnthropic(**credentials(kw)),
        lambda **kw: anthropic.Anthropic(**credentials(kw)),
        identity=BackendIdentity(kind="base_url", base_url=clean_url(base_url)),
    )


def emulator_backend(emulator: Any = None, reason: str = "explicitly chosen") -> Backend:
    """The in-process emulator (a new ``Emulator()`` unless one is given)."""
    if emulator is None:
        from labkit.emulator import Emulator

        emulator = Emulator()
    return Backend("emulator", reason, emulator.async_client, emulator.client, emulator=emulator,
                   identity=emulator_identity(emulator))


def choose_backend(env: Mapping[str, str] | None = None) -> Backend:
    """Apply the backend rule to ``env`` (default ``os.environ``)."""
    env = os.environ if env is None else env
    if env.get("ANTHROPIC_API_KEY"):
        return anthropic_backend("ANTHROPIC_API_KEY is set")
    if env.get("LABKIT_BASE_URL"):
        url = env["LABKIT_BASE_URL"]
        return base_url_backend(url, f"LABKIT_BASE_URL is set ({url})")
    if platform := platform_from_env(env):
        return platform_backend(platform, reason=f"{platform_reason(platform, env)} is set")
    reason = "neither ANTHROPIC_API_KEY nor LABKIT_BASE_URL nor a platform setting is set: built-in emulator"
    # in a notebook the emulator answers at the demo's human pace by default, so latency figures mean something
    latency = env.get(EMULATOR_LATENCY_ENV) or ("demo" if "ipykernel" in sys.modules else None)
    origin = EMULATOR_LATENCY_ENV if env.get(EMULATOR_LATENCY_ENV) else "the notebook default"
    if not latency:
        return emulator_backend(reason=reason)
    from labkit.core import EmulatorError
    from labkit.emulator import Emulator

    try:
        emulator = Emulator(latency=latency)
    except EmulatorError as exc:
        raise ConfigError(f"{EMULATOR_LATENCY_ENV}={latency!r}: {exc}") from None
    return emulator_backend(emulator, f"{reason} (latency profile {latency!r} from {origin})")


def resolve_backend(backend: Backend | str | Any | None, *, region: str | None = None,
                    project_id: str | None = None) -> Backend:  # fmt: skip
    """A `Backend` from what `Lab(backend=...)` accepts: None (the rule), a name, a Backend or an SDK client.

    ``region`` / ``project_id`` go to ``"bedrock"`` (AWS region) and ``"vertex"`` (Google Cloud
    region and project); other backends take neither.
    """
    if backend in ("bedrock", "vertex"):
        return platform_backend(str(backend), region=region, project_id=project_id)
    if region is not None or project_id is not None:
        raise ConfigError("region= and project_id= apply to backend='bedrock' or backend='vertex' only")
    if backend is None:
        return choose_backend()
    if isinstance(backend, Backend):
        return backend
    if backend == "emulator":
        return emulator_backend()
    if backend == "anthropic":
        return anthropic_backend()
    if backend == "base_url":
        url = os.environ.get("LABKIT_BASE_URL")
        if not url:
            raise ConfigError("backend='base_url' needs LABKIT_BASE_URL to be set")
        return base_url_backend(url, f"LABKIT_BASE_URL ({url})")
    if isinstance(backend, str):
        raise ConfigError(f"unknown backend {backend!r}: use 'anthropic', 'bedrock', 'vertex', 'base_url' "
                          "or 'emulator'")
    if type(backend).__name__ == "Emulator":
        return emulator_backend(backend)
    return client_backend(backend)


@dataclass
class RecordedStream:
    """One streamed request as it happened: raw events (with ``t``), converted chunks, outcome.

    ``completion`` is built live when the stream was converted live, else on first access from
    the events (a sweep without a live display converts once, in `labkit.lab`).
    """

    params: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    chunks: list[ChatCompletionChunk] = field(default_factory=list)
    error: BaseException | None = None
    error_type: str | None = None
    error_message: str | None = None
    total_s: float = 0.0
    inner_thoughts: InnerThoughts | None = None
    _completion: ChatCompletion | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.events) and self.events[-1].get("type") == "message_stop"

    @property
    def completion(self) -> ChatCompletion | None:
        if self._completion is None and self.ok:
            from labkit.convert import accumulate, convert_stream

            clean = ({k: v for k, v in e.items() if k != "t"} for e in self.events)
            self._completion = accumulate(convert_stream(clean, inner_thoughts=self.inner_thoughts))
        return self._completion

    @completion.setter
    def completion(self, value: ChatCompletion | None) -> None:
        self._completion = value

    @property
    def stop_reason(self) -> str | None:
        for event in reversed(self.events):
            if event.get("type") == "message_delta":
                return (event.get("delta") or {}).get("stop_reason")
        return None

    @property
    def ttft_s(self) -> float | None:
        for event in self.events:
            if event.get("type") == "content_block_delta":
                return float(event["t"])
        return None


async def stream_once(
    client: anthropic.AsyncAnthropic,
    params: Mapping[str, Any],
    *,
    inner_thoughts: InnerThoughts | None = None,
    on_chunk: Callable[[ChatCompletionChunk], None] | None = None,
    stall_timeout: float | None = None,
    convert: bool = True,
) -> RecordedStream:
    """Send ``params`` streamed; never raises for a failed request (see ``error`` / ``error_type``).

    Events are read as the raw SSE the server sent (the stream's own decoder, SSE or Bedrock's
    event-stream frames: no per-event model construction) and parsed to dicts, unless the client
    needs the SDK's typed events (`_typed_events`: a tracing observer or strict validation), whose
    JSON is recorded instead. ``convert`` feeds them live to a `StreamConverter` (always when
    ``on_chunk`` is given). ``stall_timeout`` bounds the silence between events of a live stream (a
    gap of more than ``stall_timeout`` always ends it, one of less than half of it never does) with
    error type ``APITimeoutError``; ``ping`` events count, so a long quiet thought is no stall. On
    the typed path the SDK drops the pings, so there the watchdog is off and the SDK's read timeout
    bounds a silent connection. The watchdog starts when the response has begun: waiting for it
    (connecting, and the SDK's retries with their ``retry-after`` or backoff pauses) is never a
    stall; the SDK's own timeout and ``max_retries`` bound that wait, so a trial fails there only
    once its retries are spent. Cancellation propagates.
    """
    from labkit.convert import StreamConverter

    record = RecordedStream(params=dict(params), inner_thoughts=inner_thoughts)
    converter = StreamConverter(inner_thoughts=inner_thoughts) if convert or on_chunk is not None else None
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    stream: Any = None
    try:
        stream = await client.messages.create(**record.params, stream=True)  # the SDK's timeouts and retries
        raw = raw_events_suffice(stream)
        watch = stall_timeout if raw else None  # typed events hide the pings that keep a quiet stream alive
        async with asyncio.timeout(watch) as watchdog:
            async for sse in stream._iter_events() if raw else _typed_events(stream):
                if watch is not None and (watchdog.when() or 0.0) - loop.time() < watch / 2:
                    watchdog.reschedule(loop.time() + watch)  # rarely: not once an event
                if sse.event in (None, "ping") or not sse.data:
                    continue
                event = json.loads(sse.data)
                event["t"] = time.perf_counter() - start
                record.events.append(event)
                if sse.event == "error":
                    raise StreamErrorEvent({k: v for k, v in event.items() if k != "t"})
                if converter is not None:
                    for chunk in converter.feed({k: v for k, v in event.items() if k != "t"}):
                        record.chunks.append(chunk)
                        if on_chunk is not None:
                            on_chunk(chunk)
        if not record.ok:
            raise IncompleteStreamError("the stream ended without message_stop")
        if converter is not None:
            from labkit.convert import accumulate

            record.completion = accumulate(record.chunks)
    except asyncio.CancelledError:
        raise
    except TimeoutError:
        _record_error(record, StreamStalled(f"no stream event for {stall_timeout} s"))
    except Exception as exc:
        _record_error(record, exc)
    finally:
        if stream is not None and record.error is not None:
            await stream.close()
    record.total_s = time.perf_counter() - start
    return record


@dataclass(frozen=True, slots=True)
class _Sent:
    """A server-sent event rebuilt from the SDK's typed event (`_typed_events`)."""

    event: str | None
    data: str


async def _typed_events(stream: Any) -> AsyncIterator[_Sent]:
    """The server-sent events of an SDK stream read through its typed events, for a client that needs
    them (`labkit.convert.raw_events_suffice` says no: an OpenTelemetry observer that takes the
    model, stop reason and usage of its span from them, or strict validation), each turned back into
    the JSON the server sent (the same dicts over every recorded real stream). The SDK drops the
    ``ping`` events on this path."""
    try:
        async for event in stream:
            data = event.to_dict(mode="json", warnings=False)  # only the fields the server sent
            yield _Sent(data.get("type"), json.dumps(data))
    except anthropic.APIStatusError as exc:  # how the SDK reports an `error` event mid-stream
        if not (isinstance(exc.body, dict) and exc.body.get("type") == "error"):
            raise
        yield _Sent("error", json.dumps(exc.body))


def turn_events(turns: Sequence[RecordedStream]) -> list[dict[str, Any]]:
    """Every turn's events, each tagged with its turn index: how a multi-turn trial's events are
    derived and stored (`labkit.lab._derive.split_turns` undoes it)."""
    return [{**event, "turn": i} for i, turn in enumerate(turns) for event in turn.events]


def _record_error(record: RecordedStream, exc: Exception) -> None:
    record.error = exc
    record.error_type = error_type_of(exc)
    record.error_message = error_message_of(exc)
