"""`convert_stream`: a whole Anthropic event stream (sync or async) as a stream of OpenAI-style chunks.

It pairs a `labkit.convert.StreamConverter` with the `ChunkStream` / `AsyncChunkStream` that drives
it. Pure: no I/O (the events come from the caller).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any, overload

from labkit.convert._chunk_stream import AsyncChunkStream, ChunkStream
from labkit.convert._stream import Strategy, StreamConverter
from labkit.core import ConversionError, InnerThoughts

__all__ = ["convert_stream"]


@overload
def convert_stream(events: AsyncIterable[Any], *, inner_thoughts: Strategy = None) -> AsyncChunkStream: ...
@overload
def convert_stream(events: Iterable[Any], *, inner_thoughts: Strategy = None) -> ChunkStream: ...
def convert_stream(
    events: Iterable[Any] | AsyncIterable[Any], *, inner_thoughts: Strategy = None
) -> ChunkStream | AsyncChunkStream:
    """Convert a whole stream: a sync iterable gives a `ChunkStream`, an async one an `AsyncChunkStream`.

    Iterate it for the chunks, or call its ``completion()`` for the whole message (what
    `labkit.convert` does with a stream nobody has iterated). The stream must reach
    ``message_stop``: `IncompleteStreamError` (with ``.partial``) otherwise.

    An official SDK stream (``client.messages.create(..., stream=True)``, Bedrock and Vertex too)
    that nobody has read yet is read as the JSON events its server sent, without the SDK's typed
    event per server event; the chunks, the completion and the errors (the SDK's own, for an
    ``error`` event) are the same either way. ``iter(stream)`` keeps the typed events.
    """
    strategy = InnerThoughts.resolve(inner_thoughts)  # a bad strategy raises here

    def make(body_chunks: bool) -> StreamConverter:
        return StreamConverter(inner_thoughts=strategy, body_chunks=body_chunks)

    if isinstance(events, AsyncIterable):
        return AsyncChunkStream(events, make)
    if isinstance(events, Iterable):
        return ChunkStream(events, make)
    raise ConversionError(f"events must be an iterable or async iterable, got {type(events).__name__}")
