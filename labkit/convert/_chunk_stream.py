"""What `labkit.convert_stream` returns: the chunks of a converted stream, or its whole completion.

`ChunkStream` (sync) and `AsyncChunkStream` yield the chunks of a stream one event at a time,
exactly as `labkit.convert.StreamConverter.feed` gives them; a ``for`` loop runs at generator speed
(``__iter__`` hands out the underlying generator). Both also answer ``completion()``, the
`ChatCompletion` of the whole message (like the SDK's ``get_final_message()``), and ``close()``
(or a ``with`` block), which also closes the event source (an SDK stream's connection).

The converter records the message as it goes, so ``completion()`` after a loop costs nothing
extra, and on a stream nobody has iterated yet it runs the events through a converter that builds
no body chunks (the three to five pydantic objects of each text, thinking or tool-argument delta
are most of the conversion's cost). `labkit.convert` does that when handed an unstarted stream,
so ``accumulate(convert_stream(events))`` makes no objects that no one would see; the result is
the same as accumulating every chunk (the stream property tests check the two paths agree, errors
included). An official SDK stream nobody has read yet is read as the JSON its server sent,
skipping the SDK's typed event per server event (`labkit.convert._sdk_events`), whether the chunks
or only the completion are asked for. Pure: no I/O of its own (``close`` asks the event source to
close).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Generator, Iterable, Iterator
from typing import Any, Protocol

from labkit.convert._sdk_events import fast_events, fast_events_async
from labkit.core import ChatCompletion, ChatCompletionChunk

__all__ = ["AsyncChunkStream", "ChunkStream"]

Chunk = ChatCompletionChunk


class Converter(Protocol):
    """What the streams need of `labkit.convert.StreamConverter`."""

    def feed(self, event: Any) -> list[Chunk]: ...
    def close(self) -> None: ...
    def completion(self) -> ChatCompletion: ...


MakeConverter = Callable[[bool], Converter]
"""Builds the stream's converter; the flag says whether body deltas give chunks."""


def _chunks(events: Iterable[Any], converter: Converter) -> Iterator[Chunk]:
    feed = converter.feed
    for event in events:
        yield from feed(event)
    converter.close()


async def _achunks(events: AsyncIterable[Any], converter: Converter) -> AsyncIterator[Chunk]:
    feed = converter.feed
    async for event in events:
        for chunk in feed(event):
            yield chunk
    converter.close()


class ChunkStream(Iterator[Chunk]):
    """The chunks of a sync event stream, made as they are asked for; ``completion()`` for the whole."""

    __slots__ = ("_chunks", "_converter", "_events", "_make")

    def __init__(self, events: Iterable[Any], make_converter: MakeConverter) -> None:
        self._events, self._make = events, make_converter
        self._converter: Converter | None = None  # made when reading starts
        self._chunks: Iterator[Chunk] = iter(())

    @property
    def started(self) -> bool:
        """True once iteration (or ``completion()``) began reading events."""
        return self._converter is not None

    def __iter__(self) -> Iterator[Chunk]:
        if self._converter is None:
            self._converter = self._make(True)
            self._chunks = _chunks(fast_events(self._events) or self._events, self._converter)
        return self._chunks

    def __next__(self) -> Chunk:
        return next(iter(self))

    def completion(self) -> ChatCompletion:
        """The whole message's completion (chunks already iterated included): reads the events
        still unread, then returns what ``accumulate`` of every chunk would. Raises
        `IncompleteStreamError` (with ``.partial``) if the stream never reached ``message_stop``."""
        converter = self._converter
        if converter is None:
            converter = self._converter = self._make(False)
            feed = converter.feed
            for event in fast_events(self._events) or self._events:
                feed(event)
            converter.close()
        else:
            for _ in self._chunks:
                pass
        return converter.completion()

    def close(self) -> None:
        """Stop reading: the chunk generator ends and the event source is closed if it can be (an
        SDK ``Stream`` releases its connection). ``completion()`` then raises `IncompleteStreamError`
        unless ``message_stop`` had already arrived."""
        if self._converter is None:
            self._converter = self._make(False)  # nothing read, nothing more will be
        elif isinstance(self._chunks, Generator):
            self._chunks.close()
        self._chunks = iter(())
        close = getattr(self._events, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def _nothing() -> AsyncIterator[Chunk]:
    return
    yield  # an async generator that yields nothing


class AsyncChunkStream(AsyncIterator[Chunk]):
    """The chunks of an async event stream; ``await completion()`` for the whole (see `ChunkStream`)."""

    __slots__ = ("_chunks", "_converter", "_events", "_make")

    def __init__(self, events: AsyncIterable[Any], make_converter: MakeConverter) -> None:
        self._events, self._make = events, make_converter
        self._converter: Converter | None = None  # made when reading starts
        self._chunks: AsyncIterator[Chunk] = _nothing()

    @property
    def started(self) -> bool:
        """True once iteration (or ``completion()``) began reading events."""
        return self._converter is not None

    def __aiter__(self) -> AsyncIterator[Chunk]:
        if self._converter is None:
            self._converter = self._make(True)
            self._chunks = _achunks(fast_events_async(self._events) or self._events, self._converter)
        return self._chunks

    async def __anext__(self) -> Chunk:
        return await anext(self.__aiter__())

    async def completion(self) -> ChatCompletion:
        """The whole message's completion; see `ChunkStream.completion`."""
        converter = self._converter
        if converter is None:
            converter = self._converter = self._make(False)
            feed = converter.feed
            async for event in fast_events_async(self._events) or self._events:
                feed(event)
            converter.close()
        else:
            async for _ in self._chunks:
                pass
        return converter.completion()

    async def close(self) -> None:
        """Stop reading; see `ChunkStream.close` (an SDK ``AsyncStream``'s ``close`` is awaited)."""
        if self._converter is None:
            self._converter = self._make(False)
        elif isinstance(self._chunks, AsyncGenerator):
            await self._chunks.aclose()
        self._chunks = _nothing()
        close = getattr(self._events, "close", None)
        if callable(close):
            closing = close()
            if inspect.isawaitable(closing):
                await closing

    async def __aenter__(self) -> AsyncChunkStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
