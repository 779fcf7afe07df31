"""StreamConverter / convert_stream: the reference streams chunk by chunk, strategies, errors, the real SDK."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2
import pytest
from sse_fixtures import NAMES, load_events, sdk_events, sdk_final_message, sse_body

from labkit.convert._accumulate import accumulate
from labkit.convert._convert_stream import convert_stream
from labkit.convert._response import to_chat_completion
from labkit.convert._stream import StreamConverter
from labkit.core._errors import ConversionError, IncompleteStreamError
from labkit.core._wire import ChatCompletionChunk, Delta


def start(output_tokens: int = 1, **usage: int) -> dict[str, Any]:
    message = {"id": "msg_s", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": []}
    return {
        "type": "message_start",
        "message": {**message, "usage": {"input_tokens": 7, "output_tokens": output_tokens, **usage}},
    }


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, kind: str, value: str) -> dict[str, Any]:
    field = {"text_delta": "text", "thinking_delta": "thinking", "signature_delta": "signature"}.get(
        kind, "partial_json"
    )
    return {"type": "content_block_delta", "index": index, "delta": {"type": kind, field: value}}


def stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def end(stop_reason: str = "end_turn", output_tokens: int = 40) -> list[dict[str, Any]]:
    return [
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        },
        {"type": "message_stop"},
    ]


def text_stream(*pieces: str) -> list[dict[str, Any]]:
    return [
        start(),
        block_start(0, {"type": "text", "text": ""}),
        *(delta(0, "text_delta", p) for p in pieces),
        stop(0),
        *end(),
    ]


def tool_stream(*calls: tuple[str, list[str]]) -> list[dict[str, Any]]:
    events = [start()]
    for i, (name, pieces) in enumerate(calls):
        events.append(block_start(i, {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": {}}))
        events += [delta(i, "input_json_delta", p) for p in pieces]
        events.append(stop(i))
    return [*events, *end("tool_use")]


def deltas(chunks: list[ChatCompletionChunk]) -> list[Delta]:
    return [c.choices[0].delta for c in chunks]


def test_fixture_a_separates_thinking_signature_and_text() -> None:
    chunks = list(convert_stream(load_events("a_thinking_text")))
    shown = [d.model_dump(exclude_none=True) for d in deltas(chunks)]
    assert shown == [
        {"role": "assistant"},
        {"thinking_block": 0},
        {"reasoning_content": "The user asks whether 97 is prime. ", "thinking_block": 0},
        {"reasoning_content": "Check divisors up to 9: none divide it.", "thinking_block": 0},
        {"thinking_signature": "EqQBCkYIBxgCKkBsig...", "thinking_block": 0},
        {"content": "Yes, 97 "},
        {"content": "is prime."},
        {},
    ]
    assert all((c.id, c.model) == ("msg_01AbCdEf", "claude-sonnet-5-5") for c in chunks)
    final = chunks[-1]
    assert (final.choices[0].finish_reason, final.choices[0].stop_reason) == ("stop", "end_turn")
    assert final.usage is not None and (final.usage.prompt_tokens, final.usage.completion_tokens) == (42, 187)
    assert all(c.usage is None for c in chunks[:-1])


def test_fixture_b_tool_call_id_and_name_first_then_arguments() -> None:
    calls = [d.tool_calls[0] for d in deltas(list(convert_stream(load_events("b_thinking_tool")))) if d.tool_calls]
    assert calls[0].model_dump(exclude_none=True) == {
        "index": 0,
        "id": "toolu_01A09q90qw90lq917835lq9",
        "type": "function",
        "function": {"name": "get_weather"},
    }
    assert [c.function.arguments for c in calls[1:] if c.function] == [
        '{"location": "San Fra',
        'ncisco, CA", "unit": "celsius"}',
    ]  # the leading "" partial_json made no delta
    assert all(c.index == 0 and c.id is None for c in calls[1:])


def test_fixture_c_redacted_thinking_is_its_own_field() -> None:
    chunks = list(convert_stream(load_events("c_redacted_text")))
    assert deltas(chunks)[1].model_dump(exclude_none=True) == {
        "redacted_thinking": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlx...",
        "thinking_block": 0,
    }
    completion = accumulate(chunks)
    assert completion.choices[0].message.thinking_blocks is not None
    assert completion.choices[0].message.thinking_blocks[0].type == "redacted_thinking"
    assert completion.usage is not None and completion.usage.completion_tokens == 96


def test_fixture_d_parallel_calls_never_merge() -> None:
    chunks = list(convert_stream(load_events("d_parallel_tools")))
    indices = [(t.index, t.id) for d in deltas(chunks) for t in d.tool_calls or []]
    assert indices == [(0, "toolu_01Paris"), (0, None), (1, "toolu_01Tokyo"), (1, None), (1, None)]
    calls = accumulate(chunks).choices[0].message.tool_calls or []
    assert [json.loads(c.function.arguments) for c in calls] == [{"location": "Paris"}, {"location": "Tokyo"}]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["dict", "ga", "beta"])
def test_reference_streams_accumulate_to_the_non_streamed_form(name: str, form: str) -> None:
    events = load_events(name)
    source = events if form == "dict" else sdk_events(events, beta=form == "beta")
    assert accumulate(convert_stream(source)) == to_chat_completion(sdk_final_message(events))


def _client(body: bytes) -> anthropic.Anthropic:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return anthropic.Anthropic(
        api_key="test-key",
        base_url="http://emulator.local",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def _async_client(body: bytes) -> anthropic.AsyncAnthropic:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    transport = httpx2.MockTransport(handler)
    return anthropic.AsyncAnthropic(
        api_key="test-key", base_url="http://emulator.local", http_client=httpx2.AsyncClient(transport=transport)
    )


REQUEST: dict[str, Any] = {
    "model": "claude-sonnet-5-5",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.mark.parametrize("name", NAMES)
def test_the_real_sdk_stream_converts_sync_and_async(name: str) -> None:
    expected = to_chat_completion(sdk_final_message(load_events(name)))
    with _client(sse_body(name)) as client:
        assert accumulate(convert_stream(client.messages.create(**REQUEST, stream=True))) == expected

    async def run() -> list[ChatCompletionChunk]:
        async with _async_client(sse_body(name)) as client:
            return [c async for c in convert_stream(await client.messages.create(**REQUEST, stream=True))]

    assert accumulate(asyncio.run(run())) == expected


def test_closing_the_chunk_stream_closes_the_sdk_response() -> None:
    body = sse_body(NAMES[0])
    pieces = [body[:200], body[200:]]  # a body still streaming, so the response stays open until closed

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=iter(pieces))

    async def ahandler(request: httpx2.Request) -> httpx2.Response:
        async def parts() -> AsyncIterator[bytes]:
            for piece in pieces:
                yield piece

        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=parts())

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    with anthropic.Anthropic(api_key="test-key", base_url="http://emulator.local", http_client=http) as client:
        raw = client.messages.create(**REQUEST, stream=True)
        with convert_stream(raw) as stream:
            assert next(stream).choices[0].delta.role == "assistant"
            assert not raw.response.is_closed
        assert raw.response.is_closed

    async def run() -> tuple[bool, bool]:
        ahttp = httpx2.AsyncClient(transport=httpx2.MockTransport(ahandler))
        async with anthropic.AsyncAnthropic(
            api_key="test-key", base_url="http://emulator.local", http_client=ahttp
        ) as client:
            raw = await client.messages.create(**REQUEST, stream=True)
            async with convert_stream(raw) as stream:
                await anext(stream)
                before = raw.response.is_closed
            return before, raw.response.is_closed

    assert asyncio.run(run()) == (False, True)


def test_async_iterables_of_dicts() -> None:
    async def events() -> AsyncIterator[dict[str, Any]]:
        for event in load_events("d_parallel_tools"):
            yield event

    async def run() -> list[ChatCompletionChunk]:
        return [c async for c in convert_stream(events())]

    assert asyncio.run(run()) == list(convert_stream(load_events("d_parallel_tools")))


def test_xml_tag_split_across_chunks_is_removed_exactly() -> None:
    # regression: it gave "x  y so /thinking done".
    chunks = list(convert_stream(text_stream("x < y so </thin", "king> done"), inner_thoughts={"strategy": "xml"}))
    assert accumulate(chunks).choices[0].message.content == "x < y so  done"
    chunks = list(
        convert_stream(text_stream("<thi", "nking>a -> b</thinking", ">Answer <b>"), inner_thoughts={"strategy": "xml"})
    )
    message = accumulate(chunks).choices[0].message
    assert (message.reasoning_content, message.content) == ("a -> b", "Answer <b>")
    assert all(d.thinking_block is None for d in deltas(chunks))


def test_xml_prefill_starts_inside_the_tag() -> None:
    strategy = {"strategy": "xml", "prefill": True}
    message = accumulate(convert_stream(text_stream("step 1", "</thinking>The answer"), inner_thoughts=strategy))
    assert (message.choices[0].message.reasoning_content, message.choices[0].message.content) == (
        "step 1",
        "The answer",
    )


def test_kwargs_thoughts_stream_while_the_call_streams() -> None:
    pieces = ['{"inner_thoughts": "Check ', "the \\u00", "e9 city\\", 'n first.", "ci', 'ty": "Paris"}']
    chunks = list(convert_stream(tool_stream(("get_weather", pieces)), inner_thoughts={"strategy": "kwargs"}))
    reasoning_at = [i for i, d in enumerate(deltas(chunks)) if d.reasoning_content]
    arguments_at = [
        i
        for i, d in enumerate(deltas(chunks))
        if d.tool_calls and d.tool_calls[0].function and d.tool_calls[0].function.arguments
    ]
    assert len(reasoning_at) >= 3 and max(reasoning_at) < arguments_at[0]
    assert "".join(deltas(chunks)[i].reasoning_content or "" for i in reasoning_at) == "Check the é city\n first."
    assert len(arguments_at) == 1
    assert deltas(chunks)[arguments_at[0]].tool_calls[0].function.arguments == '{"city": "Paris"}'  # type: ignore[index, union-attr]


def test_kwargs_zero_argument_and_non_string_thoughts_and_several_calls() -> None:
    events = tool_stream(
        ("noop", ['{"inner_thoughts": "nothing to pass"}']),
        ("count", ['{"inner_thoughts": 7, "n": 1}']),
        ("bare", []),
    )
    message = accumulate(convert_stream(events, inner_thoughts={"strategy": "kwargs"})).choices[0].message
    assert [c.function.arguments for c in message.tool_calls or []] == ["{}", '{"n": 1}', "{}"]
    assert message.reasoning_content == "nothing to pass\n\n7"


def test_usage_output_is_assigned_from_the_last_delta() -> None:
    # regression: message_start output 3 + delta output 40 gave 43.
    events = [start(output_tokens=3, cache_read_input_tokens=100, cache_creation_input_tokens=5)]
    events += [block_start(0, {"type": "text", "text": ""}), delta(0, "text_delta", "hi"), stop(0)]
    events.append({"type": "message_delta", "delta": {"stop_reason": None}, "usage": {"output_tokens": 12}})
    events += end(output_tokens=40)
    usage = list(convert_stream(events))[-1].usage
    assert usage is not None
    assert (usage.completion_tokens, usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens) == (40, 112, 100)


@pytest.mark.parametrize(
    ("stop_reason", "finish"), [("refusal", "content_filter"), ("pause_turn", "pause"), ("compaction", "stop")]
)
def test_every_stop_reason_maps_without_raising(stop_reason: str, finish: str) -> None:
    events = [*text_stream("partial answer")[:-2], *end(stop_reason)]
    choice = list(convert_stream(events))[-1].choices[0]
    assert (choice.finish_reason, choice.stop_reason) == (finish, stop_reason)


def test_no_empty_string_deltas() -> None:
    events = text_stream("", "a", "")
    events.insert(1, block_start(0, {"type": "thinking", "thinking": "", "signature": ""}))
    events = [
        start(),
        block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, "thinking_delta", ""),
        stop(0),
    ]
    events += [
        block_start(1, {"type": "text", "text": ""}),
        delta(1, "text_delta", ""),
        delta(1, "text_delta", "a"),
        stop(1),
        *end(),
    ]
    for d in deltas(list(convert_stream(events))):
        assert "" not in (d.content, d.reasoning_content, d.thinking_signature, d.redacted_thinking)


def test_mid_stream_error_event_raises_with_what_arrived() -> None:
    events = [
        start(),
        block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, "thinking_delta", "half a thought"),
    ]
    events.append({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    with pytest.raises(IncompleteStreamError) as info:
        list(convert_stream(events))
    assert info.value.error == {"type": "overloaded_error", "message": "Overloaded"}
    assert "overloaded_error" in str(info.value)
    blocks = info.value.partial.choices[0].message.thinking_blocks
    assert blocks[0].thinking == "half a thought" and blocks[0].replayable is False


def test_a_stream_without_message_stop_raises_at_the_end() -> None:
    events = text_stream("some ", "text")[:-2]
    with pytest.raises(IncompleteStreamError) as info:
        list(convert_stream(events))
    partial = info.value.partial
    assert partial.choices[0].message.content == "some text"
    assert partial.choices[0].finish_reason is None
    assert partial.usage is not None and partial.usage.prompt_tokens == 7
    converter = StreamConverter()
    for event in events:
        converter.feed(event)
    with pytest.raises(IncompleteStreamError):
        converter.close()
    converter.feed(end()[0])
    converter.feed(end()[1])
    converter.close()  # a finished stream closes quietly
    assert converter.done


def test_partial_mid_stream_does_not_disturb_the_stream() -> None:
    events = text_stream("<thinking>a</thin", "king>b")
    converter = StreamConverter(inner_thoughts={"strategy": "xml"})
    chunks = [c for e in events[:3] for c in converter.feed(e)]
    peek = converter.partial()
    # what a stop right now would flush: the held-back "</thin" never became a tag
    assert (peek.choices[0].message.reasoning_content, peek.choices[0].message.content) == ("a</thin", None)
    chunks += [c for e in events[3:] for c in converter.feed(e)]
    message = accumulate(chunks).choices[0].message
    assert (message.reasoning_content, message.content) == ("a", "b")


@pytest.mark.parametrize(
    ("events", "index", "words"),
    [
        ([delta(0, "text_delta", "x")], 0, "before message_start"),
        ([start(), start()], 1, "second message_start"),
        ([start(), block_start(1, {"type": "text", "text": ""})], 1, "block index mismatch"),
        ([start(), delta(0, "text_delta", "x")], 1, "never started"),
        (
            [start(), block_start(0, {"type": "text", "text": ""}), stop(0), delta(0, "text_delta", "x")],
            3,
            "after its content_block_stop",
        ),
        ([start(), stop(0)], 1, "never started"),
        ([*text_stream("a"), delta(0, "text_delta", "x")], 6, "after message_stop"),
        ([*tool_stream(("f", ['{"a": tru'])), {"type": "message_stop"}], 3, "not valid JSON"),
        (
            [
                start(),
                block_start(0, {"type": "tool_use", "id": "t", "name": "f", "input": {}}),
                delta(0, "text_delta", "x"),
            ],
            2,
            "text_delta for a tool_use block",
        ),
        ([start(), block_start(0, {"type": "text", "text": ""}), *end()], 2, "still open"),
        ([start(), *end()[:1], block_start(0, {"type": "text", "text": ""})], 2, "after message_delta"),
        ([start(), block_start(0, {"type": "text", "text": ""}), delta(0, "text_delta", 5)], 2, "must be a string"),  # type: ignore[arg-type]
        ([start(), "not an event"], 1, "must be an object"),
        ([start(), {"no": "type"}], 1, "no string 'type'"),
    ],
)
def test_malformed_streams_raise_conversion_error_naming_the_event(events: list[Any], index: int, words: str) -> None:
    with pytest.raises(ConversionError) as info:
        list(convert_stream(events))
    assert info.value.event_index == index
    assert words in str(info.value) and f"event {index}:" in str(info.value)


def test_unknown_events_blocks_and_deltas_pass_through() -> None:
    server = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
    citation = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "citations_delta", "citation": {"cited_text": "c"}},
    }
    events = [
        start(),
        {"type": "ping"},
        {"type": "hologram", "x": 1},
        block_start(0, {"type": "text", "text": ""}),
        citation,
        stop(0),
    ]
    events += [block_start(1, server), delta(1, "input_json_delta", '{"query": "q"}'), stop(1), *end()]
    chunks = list(convert_stream(events))
    passed = [p for c in chunks for p in c.passthrough or []]
    assert [p["type"] for p in passed] == [
        "hologram",
        "content_block_delta",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
    ]
    assert accumulate(chunks).passthrough == passed
    assert accumulate(chunks).choices[0].message.tool_calls is None


def test_ping_is_ignored_anywhere() -> None:
    converter = StreamConverter()
    assert converter.feed({"type": "ping"}) == []
    assert len(converter.feed(start())) == 1


def test_events_must_be_iterable() -> None:
    with pytest.raises(ConversionError):
        convert_stream(42)  # type: ignore[call-overload]


def test_a_kwargs_call_cut_short_keeps_its_raw_json_in_the_partial() -> None:
    events = tool_stream(("get_weather", ['{"inner_thoughts": "Going to ', 'check", "ci']))[:-3]  # no block stop
    with pytest.raises(IncompleteStreamError) as info:
        list(convert_stream(events, inner_thoughts={"strategy": "kwargs"}))
    message = info.value.partial.choices[0].message
    assert message.reasoning_content == "Going to check"
    assert message.tool_calls[0].id == "toolu_0"
    assert message.tool_calls[0].function.arguments == '{"inner_thoughts": "Going to check", "ci'


def test_partial_peeks_keep_recording_the_body_deltas_that_follow() -> None:
    events = [
        start(),
        block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, "thinking_delta", "t1"),
        block_start(1, {"type": "text", "text": ""}),
        delta(1, "text_delta", "a"),
        block_start(2, {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}),
        delta(2, "input_json_delta", '{"k": '),
        delta(0, "thinking_delta", "t2"),
        delta(1, "text_delta", "b"),
        delta(2, "input_json_delta", "1}"),
    ]
    converter = StreamConverter()
    for event in events[:7]:
        converter.feed(event)
    first = converter.partial().choices[0].message
    for event in events[7:]:
        converter.feed(event)
    second = converter.partial().choices[0].message
    assert (first.content, first.reasoning_content) == ("a", "t1")
    assert first.tool_calls is not None and first.tool_calls[0].function.arguments == '{"k": '
    assert (second.content, second.reasoning_content) == ("ab", "t1t2")
    assert second.tool_calls is not None and second.tool_calls[0].function.arguments == '{"k": 1}'


def test_sdk_objects_and_dicts_take_the_same_path() -> None:
    events = [
        start(),
        block_start(0, {"type": "text", "text": ""}),
        delta(0, "text_delta", "hi"),
        delta(0, "text_delta", ""),
        delta(0, "citations_delta", "x"),
        stop(0),
        *end(),
    ]
    dict_chunks = list(convert_stream(events))
    sdk_chunks = list(convert_stream(sdk_events(events)))
    assert [c.model_dump() for c in sdk_chunks] == [c.model_dump() for c in dict_chunks]
    assert [c.choices[0].delta.content for c in dict_chunks] == [None, "hi", None, None]
