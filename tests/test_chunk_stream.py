"""ChunkStream / AsyncChunkStream: chunks on demand, ``completion()`` with or without them, and the
converter mode that records body deltas without building their chunks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sse_fixtures import NAMES, load_events, sdk_events

from labkit.convert._accumulate import accumulate
from labkit.convert._chunk_stream import AsyncChunkStream, ChunkStream
from labkit.convert._convert_stream import convert_stream
from labkit.convert._stream import StreamConverter
from labkit.core._errors import ConfigError, ConversionError, IncompleteStreamError

STRATEGIES: list[dict[str, Any] | None] = [None, {"strategy": "kwargs"}, {"strategy": "xml"}]


class Counted:
    """An event iterable that counts the events read from it."""

    def __init__(self, events: list[Any]) -> None:
        self.events, self.read = events, 0

    def __iter__(self) -> Iterator[Any]:
        for event in self.events:
            self.read += 1
            yield event


async def aiter_events(events: list[Any]) -> AsyncIterator[Any]:
    for event in events:
        yield event


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("strategy", STRATEGIES, ids=["none", "kwargs", "xml"])
def test_completion_without_chunks_equals_accumulating_every_chunk(name: str, strategy: dict[str, Any] | None) -> None:
    events = load_events(name)
    every_chunk = accumulate(list(convert_stream(events, inner_thoughts=strategy)))
    assert convert_stream(events, inner_thoughts=strategy).completion() == every_chunk
    assert accumulate(convert_stream(events, inner_thoughts=strategy)) == every_chunk
    assert convert_stream(sdk_events(events), inner_thoughts=strategy).completion() == every_chunk


def test_accumulate_of_an_unstarted_stream_reads_every_event_once_and_builds_no_body_chunk() -> None:
    events = Counted(load_events(NAMES[0]))
    stream = convert_stream(events)
    assert isinstance(stream, ChunkStream) and not stream.started
    completion = accumulate(stream)
    assert stream.started and events.read == len(events.events)
    assert completion.choices[0].message.content
    assert list(stream) == []  # the events are used up
    assert stream.completion() == completion  # asking again gives the same answer


def test_completion_after_a_loop_or_part_of_one_covers_the_whole_message() -> None:
    events = load_events(NAMES[0])
    whole = accumulate(list(convert_stream(events)))
    looped = convert_stream(events)
    chunks = list(looped)
    assert looped.completion() == whole and accumulate(chunks) == whole
    half = convert_stream(events)
    first = [next(half), next(half)]
    assert first == chunks[:2]
    assert half.completion() == whole  # the chunks already taken are included


def test_a_started_stream_is_accumulated_from_the_chunks_it_still_gives() -> None:
    events = load_events(NAMES[0])
    stream = convert_stream(events)
    assert next(stream).choices[0].delta.role == "assistant"
    rest = accumulate(stream)
    assert rest.choices[0].message.content == accumulate(list(convert_stream(events))).choices[0].message.content
    assert iter(stream) is iter(stream)  # one generator per stream, however often it is asked for


def test_completion_of_a_cut_stream_raises_with_what_arrived() -> None:
    events = load_events(NAMES[0])
    cut = events[: len(events) // 2]
    with pytest.raises(IncompleteStreamError) as fast:
        convert_stream(cut).completion()
    with pytest.raises(IncompleteStreamError) as chunked:
        accumulate(list(convert_stream(cut)))
    assert str(fast.value) == str(chunked.value) and fast.value.partial == chunked.value.partial
    stream = convert_stream(cut)
    with pytest.raises(IncompleteStreamError):
        list(stream)
    with pytest.raises(IncompleteStreamError):  # asked afterwards: still incomplete
        stream.completion()


def test_a_bad_strategy_is_rejected_when_the_stream_is_made() -> None:
    with pytest.raises(ConfigError, match="strategy"):
        convert_stream([], inner_thoughts={"strategy": "telepathy"})
    with pytest.raises(ConversionError, match="iterable"):
        convert_stream(42)  # type: ignore[call-overload]


def test_accumulate_names_what_it_cannot_read() -> None:
    with pytest.raises(ConversionError, match=r"AsyncChunkStream; await its completion\(\) instead"):
        accumulate(convert_stream(aiter_events([])))  # type: ignore[arg-type]
    with pytest.raises(ConversionError, match="got int"):
        accumulate(7)  # type: ignore[arg-type]


def test_a_converter_without_body_chunks_records_the_same_message() -> None:
    events = load_events(NAMES[0])
    quiet, loud = StreamConverter(body_chunks=False), StreamConverter()
    quiet_chunks = [c for e in events for c in quiet.feed(e)]
    loud_chunks = [c for e in events for c in loud.feed(e)]
    assert len(quiet_chunks) < len(loud_chunks)
    assert not any(c.choices[0].delta.content for c in quiet_chunks)  # text deltas gave no chunk
    assert quiet.completion() == loud.completion() == accumulate(loud_chunks)


def test_completion_before_message_stop_is_incomplete() -> None:
    converter = StreamConverter()
    converter.feed(load_events(NAMES[0])[0])
    with pytest.raises(IncompleteStreamError, match="without message_stop") as info:
        converter.completion()
    assert info.value.partial is not None


@pytest.mark.parametrize("strategy", STRATEGIES, ids=["none", "kwargs", "xml"])
def test_async_streams_match_the_sync_ones(strategy: dict[str, Any] | None) -> None:
    events = load_events(NAMES[-1])
    expected = accumulate(list(convert_stream(events, inner_thoughts=strategy)))

    async def run() -> None:
        fast = convert_stream(aiter_events(events), inner_thoughts=strategy)
        assert isinstance(fast, AsyncChunkStream) and not fast.started
        assert await fast.completion() == expected
        looped = convert_stream(aiter_events(events), inner_thoughts=strategy)
        chunks = [chunk async for chunk in looped]
        assert accumulate(chunks) == expected and await looped.completion() == expected
        half = convert_stream(aiter_events(events), inner_thoughts=strategy)
        await anext(half)
        assert half.started and await half.completion() == expected

    asyncio.run(run())


class Closable(Counted):
    """An event source with a ``close`` (as the SDK's ``Stream`` has)."""

    def __init__(self, events: list[Any]) -> None:
        super().__init__(events)
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_close_ends_the_chunks_and_closes_the_event_source() -> None:
    events = Closable(load_events(NAMES[0]))
    with convert_stream(events) as stream:
        first = next(stream)
    assert first.choices[0].delta.role == "assistant" and events.closed
    assert list(stream) == []
    with pytest.raises(IncompleteStreamError, match="without message_stop"):
        stream.completion()  # closed before message_stop: what arrived is in .partial


def test_a_stream_closed_before_reading_reads_nothing() -> None:
    events = Closable(load_events(NAMES[0]))
    stream = convert_stream(events)
    stream.close()
    assert events.closed and events.read == 0 and stream.started
    assert list(stream) == []
    with pytest.raises(IncompleteStreamError, match="after 0 events"):
        stream.completion()


def test_closing_after_the_end_keeps_the_completion() -> None:
    events = Closable(load_events(NAMES[0]))
    stream = convert_stream(events)
    whole = stream.completion()
    stream.close()
    assert events.closed and stream.completion() == whole


def test_async_close_awaits_the_source() -> None:
    events = load_events(NAMES[0])

    class Source:
        closed = False

        def __aiter__(self) -> AsyncIterator[Any]:
            return aiter_events(events)

        async def close(self) -> None:
            Source.closed = True

    async def run() -> None:
        async with convert_stream(Source()) as stream:
            await anext(stream)
        assert Source.closed
        assert [chunk async for chunk in stream] == []
        with pytest.raises(IncompleteStreamError):
            await stream.completion()

    asyncio.run(run())
