"""An official SDK stream nobody has read yet, read as the JSON events the server sent.

Iterating an SDK ``Stream`` builds a typed pydantic event per server event; on a long stream that
is about three quarters of the SDK's own cost of reading it (9 of 12.6 µs per event in
``benchmarks/stream_overhead.py``). The converter reads dicts and SDK objects alike (the stream
property and real-traffic tests check the two give the same chunks), so `convert_stream` handed
such a stream reads the stream's own decoder instead (``_iter_events``: SSE for the Anthropic API
and Vertex, AWS event-stream frames for Bedrock, the same reader `labkit.lab` uses for sweeps) and
parses each event to a dict. Everything else is what the SDK's own ``__stream__`` does: ``ping``
and unnamed events are skipped, an ``error`` event raises the SDK's own status error (the same
class and message as iterating the stream would), and the response is closed at the end.

The fast path is taken only when nothing would tell the difference (`raw_events_suffice`): a
stream whose iteration has not begun, on a client without strict response validation (which would
validate every event), and with no tracing observer attached (the SDK's OpenTelemetry spans take
the model, stop reason and usage from the typed items). Any other iterable is read as it is, and
`labkit.lab`'s recorder follows the same rule. No import of the SDK: a stream is recognised by its
shape. Reads only through the stream it is handed; no I/O of its own.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

__all__ = ["fast_events", "fast_events_async", "raw_events_suffice"]


def raw_events_suffice(stream: Any) -> bool:
    """True if ``stream`` is an unread SDK stream whose raw events (``stream._iter_events()``) can
    stand in for its typed ones: nothing the user set up (strict validation, a tracing observer)
    needs the typed events."""
    module = type(stream).__module__
    if module != "anthropic" and not module.startswith("anthropic."):
        return False
    state = getattr(stream, "__dict__", None)
    client = getattr(stream, "_client", None)
    return (
        state is not None
        and "_iterator" not in state  # iteration has not begun (the SDK caches its generator there)
        and callable(getattr(stream, "_iter_events", None))
        and getattr(stream, "response", None) is not None
        and callable(getattr(client, "_make_status_error", None))
        and getattr(client, "_strict_response_validation", True) is False
        and getattr(stream, "_observer", True) is None
    )


def _event(stream: Any, sse: Any) -> dict[str, Any] | None:
    """The event's JSON, None for what the SDK skips; an ``error`` event raises as the SDK does."""
    name = sse.event
    if name is None or name == "ping":
        return None
    if name == "error":
        body: Any = sse.data
        try:
            body = json.loads(sse.data)
            message = f"{body}"
        except Exception:  # the SDK's own fallback for a body that is not JSON
            message = sse.data or f"Error code: {stream.response.status_code}"
        raise stream._client._make_status_error(message, body=body, response=stream.response)
    if not sse.data:
        return None
    event: dict[str, Any] = json.loads(sse.data)
    return event


def fast_events(stream: Any) -> Iterator[dict[str, Any]] | None:
    """``stream``'s events as dicts if it is an unread SDK ``Stream``; None for anything else."""
    if not raw_events_suffice(stream) or not hasattr(stream, "__iter__"):
        return None
    return _read(stream)


def _read(stream: Any) -> Iterator[dict[str, Any]]:
    try:
        for sse in stream._iter_events():
            event = _event(stream, sse)
            if event is not None:
                yield event
    finally:
        stream.response.close()


def fast_events_async(stream: Any) -> AsyncIterator[dict[str, Any]] | None:
    """``stream``'s events as dicts if it is an unread SDK ``AsyncStream``; None for anything else."""
    if not raw_events_suffice(stream) or not hasattr(stream, "__aiter__"):
        return None
    return _aread(stream)


async def _aread(stream: Any) -> AsyncIterator[dict[str, Any]]:
    try:
        async for sse in stream._iter_events():
            event = _event(stream, sse)
            if event is not None:
                yield event
    finally:
        await stream.response.aclose()
