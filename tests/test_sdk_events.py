"""`convert_stream` on an official SDK stream nobody has read: the raw events stand in for the typed
ones (`labkit.convert._sdk_events`), and nothing a user can observe differs from the typed path.

Each case reads the same bytes twice through the SDK: once handed to `convert_stream` as the
stream itself (the fast path), once as ``iter(stream)`` (the SDK's typed events, which labkit
cannot bypass). Chunks, completions and errors must be equal, over the real recorded streams, the
reference streams, an error event, Bedrock's event-stream frames and Vertex. A stream still takes
the typed path when strict validation, a tracing observer or an iteration already begun needs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import pytest
from real_traffic import recordings
from sse_fixtures import NAMES, sse_body

from labkit.convert import accumulate, convert_stream
from labkit.convert._sdk_events import fast_events, fast_events_async
from labkit.core import ChatCompletionChunk, ConversionError
from labkit.emulator import Emulator

REQUEST: dict[str, Any] = {
    "model": "claude-sonnet-5-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}],
}  # fmt: skip
SSE = [r for r in recordings() if r.streamed]


def _client(body: bytes, **options: Any) -> anthropic.Anthropic:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return anthropic.Anthropic(api_key="test-key", base_url="http://emulator.local", http_client=http, **options)


def _async_client(body: bytes) -> anthropic.AsyncAnthropic:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    return anthropic.AsyncAnthropic(api_key="test-key", base_url="http://emulator.local", http_client=http)


def _outcome(read: Callable[[], Any]) -> tuple[str, Any]:
    """What reading gives: ("ok", value) or ("raised", (type, message))."""
    try:
        return "ok", read()
    except Exception as exc:  # the two paths must raise alike
        return "raised", (type(exc), str(exc))


def _both(open_stream: Callable[[], Any], read: Callable[[Any], Any]) -> tuple[Any, Any, Any]:
    """``read`` applied to the fast path and to the typed path; the fast stream is returned to be checked."""
    fast = open_stream()
    fast_result = _outcome(lambda: read(convert_stream(fast)))
    typed = open_stream()
    typed_result = _outcome(lambda: read(convert_stream(iter(typed))))
    return fast_result, typed_result, fast


def _every_chunk(stream: Any) -> tuple[list[ChatCompletionChunk], Any]:
    chunks = list(stream)
    return chunks, stream.completion()


@pytest.mark.parametrize("rec", SSE, ids=[r.name for r in SSE])
def test_every_recorded_stream_gives_the_typed_paths_chunks_and_completion(rec: Any) -> None:
    body = rec.response.encode()
    with _client(body) as client:
        fast, typed, stream = _both(lambda: client.messages.create(**REQUEST, stream=True), _every_chunk)
        assert fast == typed
        assert "_iterator" not in vars(stream), "the fast path built the SDK's typed events"
        assert stream.response.is_closed
        chunk_free, typed_free, _ = _both(
            lambda: client.messages.create(**REQUEST, stream=True), lambda s: s.completion()
        )
        assert chunk_free == typed_free
        if fast[0] == "ok":
            assert chunk_free[1] == fast[1][1] == accumulate(fast[1][0])


@pytest.mark.parametrize("name", NAMES)
def test_async_sdk_streams_take_the_fast_path_with_the_same_result(name: str) -> None:
    async def run(typed: bool) -> tuple[list[ChatCompletionChunk], Any, bool]:
        async with _async_client(sse_body(name)) as client:
            raw = await client.messages.create(**REQUEST, stream=True)
            source = raw.__aiter__() if typed else raw
            stream = convert_stream(source)
            chunks = [c async for c in stream]
            return chunks, await stream.completion(), "_iterator" in vars(raw)

    fast, typed = asyncio.run(run(False)), asyncio.run(run(True))
    assert fast[:2] == typed[:2] and fast[2] is False and typed[2] is True


ERROR_BODY = (
    b'event: message_start\ndata: {"type": "message_start", "message": {"id": "msg_1", "type": "message", '
    b'"role": "assistant", "model": "claude-sonnet-5-5", "content": [], "stop_reason": null, '
    b'"stop_sequence": null, "usage": {"input_tokens": 3, "output_tokens": 1}}}\n\n'
    b"event: ping\ndata: {\"type\": \"ping\"}\n\n"
    b"data: {\"unnamed\": true}\n\n"
    b'event: content_block_start\ndata: {"type": "content_block_start", "index": 0, '
    b'"content_block": {"type": "text", "text": ""}}\n\n'
    b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, '
    b'"delta": {"type": "text_delta", "text": "half"}}\n\n'
)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
         "{'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}"),
        (b"event: error\ndata: not json at all\n\n", "not json at all"),
    ],
)  # fmt: skip
def test_an_error_event_raises_the_sdks_own_error_after_the_chunks_before_it(error: bytes, message: str) -> None:
    """The SDK raises `APIStatusError` (the response itself was a 200), its message the error body."""
    with _client(ERROR_BODY + error) as client:
        seen: dict[str, list[ChatCompletionChunk]] = {"fast": [], "typed": []}

        def loop(into: list[ChatCompletionChunk]) -> Callable[[Any], None]:
            def read(stream: Any) -> None:
                for chunk in stream:
                    into.append(chunk)

            return read

        fast = client.messages.create(**REQUEST, stream=True)
        with pytest.raises(anthropic.APIStatusError) as fast_error:
            loop(seen["fast"])(convert_stream(fast))
        typed = client.messages.create(**REQUEST, stream=True)
        with pytest.raises(anthropic.APIStatusError) as typed_error:
            loop(seen["typed"])(convert_stream(iter(typed)))
    assert type(fast_error.value) is type(typed_error.value)
    assert str(fast_error.value) == str(typed_error.value) == message
    assert fast_error.value.body == typed_error.value.body
    assert seen["fast"] == seen["typed"] and "".join(c.choices[0].delta.content or "" for c in seen["fast"]) == "half"
    assert fast.response.is_closed and "_iterator" not in vars(fast)


def test_strict_validation_and_a_begun_iteration_keep_the_typed_path() -> None:
    body = sse_body(NAMES[0])
    with _client(body, _strict_response_validation=True) as strict:
        stream = strict.messages.create(**REQUEST, stream=True)
        assert fast_events(stream) is None
        assert convert_stream(stream).completion() == convert_stream(body_events(body)).completion()
        assert "_iterator" in vars(stream)
    with _client(body) as client:
        stream = client.messages.create(**REQUEST, stream=True)
        first = next(iter(stream))  # the user read one typed event themselves
        assert first.type == "message_start" and fast_events(stream) is None
        rest = convert_stream(stream)
        with pytest.raises(ConversionError, match="event 0: content_block_start before message_start"):
            rest.completion()  # the rest of a stream is not a message: the typed path says so, as before


def body_events(body: bytes) -> list[dict[str, Any]]:
    from sse_fixtures import parse_sse

    return parse_sse(body.decode())


def test_a_tracing_observer_keeps_the_typed_path() -> None:
    with _client(sse_body(NAMES[0])) as client:
        stream = client.messages.create(**REQUEST, stream=True)
        stream.response.stream.stream_observer = object()  # what the SDK's tracing attaches
        assert fast_events(stream) is None
    assert fast_events([{"type": "ping"}]) is None and fast_events_async([]) is None


@pytest.mark.parametrize("platform", ["bedrock", "vertex"])
def test_bedrock_frames_and_vertex_sse_read_alike_on_both_paths(platform: str) -> None:
    """Bedrock's body is AWS event-stream frames, read by the SDK's own decoder on both paths.
    Each path has a fresh emulator with the same seed, so both get byte-identical bodies."""
    models = {"bedrock": "anthropic.claude-opus-4-7", "vertex": "claude-opus-4-7"}
    request = {**REQUEST, "model": models[platform], "max_tokens": 4000, "tools": TOOLS,
               "messages": [{"role": "user", "content": "What is 17 * 23? Use the calculator."}]}  # fmt: skip

    def open_stream() -> Any:
        emulator = Emulator()
        client = emulator.bedrock_client() if platform == "bedrock" else emulator.vertex_client()
        return client.messages.create(**request, stream=True)

    fast, typed, stream = _both(open_stream, _every_chunk)
    assert fast[0] == "ok" and fast == typed
    assert "_iterator" not in vars(stream) and stream.response.is_closed
    assert type(stream._decoder).__name__ == ("AWSEventStreamDecoder" if platform == "bedrock" else "SSEDecoder")
    message = fast[1][1].choices[0].message
    assert message.tool_calls and message.tool_calls[0].function.name == "calculate"
    assert len(fast[1][0]) > 3


TOOLS = [{"name": "calculate", "description": "Evaluate an arithmetic expression.",
          "input_schema": {"type": "object", "properties": {"expression": {"type": "string"}},
                           "required": ["expression"]}}]  # fmt: skip
