"""Property tests of the stream path over generated event sequences.

A random final Message (text, thinking, redacted thinking and tool_use blocks, with inner
thoughts in tool input and XML tags in text, a random stop reason and usage) is turned into a
valid event sequence with random chunking of its texts and JSON. Then, for every inner-thoughts
strategy, ``accumulate(convert_stream(events))`` must equal ``to_chat_completion`` of the final
message (both the SDK accumulator's and our own). The fuzz test corrupts such sequences and
requires ConversionError / IncompleteStreamError or success, never any other exception.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sse_fixtures import sdk_events, sdk_final_message

from labkit.convert._accumulate import accumulate
from labkit.convert._convert_stream import convert_stream
from labkit.convert._response import to_chat_completion
from labkit.convert._stream import StreamConverter
from labkit.core._errors import ConversionError, IncompleteStreamError, LabkitError
from labkit.core._wire import ChatCompletion, ChatCompletionChunk

STRATEGIES: list[dict[str, Any] | None] = [
    None,
    {"strategy": "kwargs"},
    {"strategy": "xml"},
    {"strategy": "xml", "prefill": True},
    {"strategy": "xml", "tag": "scratch"},
]
TAG_PIECES = ["<thinking>", "</thinking>", "</thin", "king>", "<scratch>", "</scratch>", "<", ">", "->", "x < y"]
STOP_REASONS = [
    "end_turn",
    "stop_sequence",
    "max_tokens",
    "tool_use",
    "refusal",
    "pause_turn",
    "model_context_window_exceeded",
    "compaction",
]

fragments = st.text(alphabet='ab é\n"\\{}😀<>/', max_size=6) | st.sampled_from(TAG_PIECES)
texts = st.lists(fragments, max_size=6).map("".join)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
thoughts = texts | st.text(max_size=12) | json_scalars | st.lists(json_scalars, max_size=2)


@st.composite
def tool_inputs(draw: st.DrawFn) -> dict[str, Any]:
    rest = draw(st.dictionaries(st.sampled_from(["city", "n", "q", "nested", "inner"]), json_values, max_size=3))
    if draw(st.booleans()):
        return {"inner_thoughts": draw(thoughts), **rest}
    return rest


@st.composite
def blocks(draw: st.DrawFn, ordinal: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["text", "text", "thinking", "redacted_thinking", "tool_use", "tool_use"]))
    if kind == "text":
        return {"type": "text", "text": draw(texts)}
    if kind == "thinking":
        signature = draw(st.sampled_from(["", "EqQBsig", "ErUBCkYI/+=="]))
        return {"type": "thinking", "thinking": draw(texts), "signature": signature}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": draw(st.text(alphabet="abcXYZ+/=", min_size=1, max_size=12))}
    name = draw(st.sampled_from(["get_weather", "lookup", "noop"]))
    return {"type": "tool_use", "id": f"toolu_{ordinal:02d}", "name": name, "input": draw(tool_inputs())}


@st.composite
def final_messages(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 6))
    content = [draw(blocks(i)) for i in range(count)]
    usage = {
        "input_tokens": draw(st.integers(0, 5000)),
        "cache_creation_input_tokens": draw(st.none() | st.integers(0, 500)),
        "cache_read_input_tokens": draw(st.none() | st.integers(0, 500)),
        "output_tokens": draw(st.integers(1, 5000)),
    }
    if draw(st.booleans()):
        usage["output_tokens_details"] = {"thinking_tokens": draw(st.integers(0, usage["output_tokens"]))}
    return {
        "id": "msg_gen",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5",
        "content": content,
        "stop_reason": draw(st.sampled_from(STOP_REASONS)),
        "stop_sequence": draw(st.none() | st.just("END")),
        "usage": usage,
    }


def _split(draw: st.DrawFn, text: str) -> list[str]:
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=5))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if draw(st.booleans()) or a != b]


def _delta(index: int, kind: str, field: str, value: str) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": {"type": kind, field: value}}


@st.composite
def block_events(draw: st.DrawFn, index: int, block: dict[str, Any]) -> list[dict[str, Any]]:
    kind = block["type"]
    if kind == "text":
        events = [{"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}]
        events += [_delta(index, "text_delta", "text", p) for p in _split(draw, block["text"])]
    elif kind == "thinking":
        shell = {"type": "thinking", "thinking": "", "signature": ""}
        events = [{"type": "content_block_start", "index": index, "content_block": shell}]
        events += [_delta(index, "thinking_delta", "thinking", p) for p in _split(draw, block["thinking"])]
        if block["signature"]:
            events.append(_delta(index, "signature_delta", "signature", block["signature"]))
    elif kind == "redacted_thinking":
        events = [{"type": "content_block_start", "index": index, "content_block": block}]
    else:
        shell = {**block, "input": {}}
        events = [{"type": "content_block_start", "index": index, "content_block": shell}]
        if block["input"] or draw(st.booleans()):
            encoded = json.dumps(
                block["input"],
                ensure_ascii=draw(st.booleans()),
                separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])),
            )
            pieces = [""] * draw(st.integers(0, 1)) + _split(draw, encoded)  # the first chunk is often ""
            events += [_delta(index, "input_json_delta", "partial_json", p) for p in pieces]
    return [*events, {"type": "content_block_stop", "index": index}]


@st.composite
def streams(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    message = draw(final_messages())
    usage = message["usage"]
    start_usage = {k: v for k, v in usage.items() if k != "output_tokens_details"} | {"output_tokens": 1}
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for i, block in enumerate(message["content"]):
        events += draw(block_events(i, block))
        if draw(st.integers(0, 4)) == 0:
            events.append({"type": "ping"})
    delta_usage: dict[str, Any] = {"output_tokens": usage["output_tokens"]}
    if draw(st.booleans()):  # the optional cumulative fields, sometimes repeated on the delta
        delta_usage |= {k: v for k, v in usage.items() if k != "output_tokens"}
    elif "output_tokens_details" in usage:
        delta_usage["output_tokens_details"] = usage["output_tokens_details"]
    final = {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}
    if draw(st.booleans()):  # an earlier, smaller cumulative delta that the last one overrides
        events.append({"type": "message_delta", "delta": final, "usage": {"output_tokens": 1}})
    events += [{"type": "message_delta", "delta": final, "usage": delta_usage}, {"type": "message_stop"}]
    return message, events


def _assert_clean(chunks: list[ChatCompletionChunk]) -> None:
    """No empty-string deltas, usage only on the last chunk, and every chunk a valid wire object."""
    for i, chunk in enumerate(chunks):
        delta = chunk.choices[0].delta
        for value in (delta.content, delta.reasoning_content, delta.thinking_signature):
            assert value != ""
        for call in delta.tool_calls or []:
            assert call.function is None or call.function.arguments != ""
        assert (chunk.usage is not None) == (i == len(chunks) - 1)
        assert ChatCompletionChunk.model_validate(chunk.model_dump()) == chunk


@pytest.mark.parametrize("strategy", STRATEGIES, ids=lambda s: "none" if s is None else "-".join(map(str, s.values())))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=streams())
def test_accumulated_stream_equals_the_non_streamed_conversion(
    strategy: dict[str, Any] | None, generated: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    message, events = generated
    chunks = list(convert_stream(events, inner_thoughts=strategy))
    _assert_clean(chunks)
    streamed = accumulate(chunks)
    assert convert_stream(events, inner_thoughts=strategy).completion() == streamed  # built without chunks
    expected = to_chat_completion(sdk_final_message(events), inner_thoughts=strategy)
    assert streamed.choices[0].message.content == expected.choices[0].message.content
    assert streamed.choices[0].message.reasoning_content == expected.choices[0].message.reasoning_content
    assert streamed.choices[0].message.thinking_blocks == expected.choices[0].message.thinking_blocks
    assert streamed.choices[0].message.tool_calls == expected.choices[0].message.tool_calls
    assert streamed.choices[0].finish_reason == expected.choices[0].finish_reason
    assert streamed.usage == expected.usage
    assert streamed == expected
    assert to_chat_completion(message, inner_thoughts=strategy) == expected  # our own Message, too


@settings(max_examples=40, deadline=None)
@given(generated=streams())
def test_sdk_event_objects_convert_like_dicts(generated: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    _, events = generated
    as_dicts = accumulate(convert_stream(events, inner_thoughts={"strategy": "kwargs"}))
    for beta in (False, True):
        assert (
            accumulate(convert_stream(sdk_events(events, beta=beta), inner_thoughts={"strategy": "kwargs"})) == as_dicts
        )


@settings(max_examples=40, deadline=None)
@given(generated=streams(), data=st.data())
def test_a_cut_stream_keeps_what_arrived(
    generated: tuple[dict[str, Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    _, events = generated
    cut = data.draw(st.integers(1, len(events) - 1))
    converter = StreamConverter()
    chunks = [c for e in events[:cut] for c in converter.feed(e)]
    with pytest.raises(IncompleteStreamError) as info:
        converter.close()
    partial = info.value.partial
    message = partial.choices[0].message
    assert message.content == ("".join(c.choices[0].delta.content or "" for c in chunks) or None)
    for block in message.thinking_blocks or []:
        assert block.replayable == (block.type == "redacted_thinking" or bool(block.signature))
    assert [c.id for c in message.tool_calls or []] == [
        t.id for c in chunks for t in c.choices[0].delta.tool_calls or [] if t.id is not None
    ]


CORRUPTIONS = [
    "drop",
    "duplicate",
    "swap",
    "bad_json",
    "unknown_event",
    "unknown_block",
    "unknown_delta",
    "bad_field",
    "truncate",
    "error",
]
BAD_VALUES: list[Any] = [None, "0", -1, 99, [], {}, 3.5, True, "text"]


@st.composite
def corrupted(draw: st.DrawFn) -> list[Any]:
    _, events = draw(streams())
    events = [json.loads(json.dumps(e)) for e in events]
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(CORRUPTIONS))
        if not events:
            break
        i = draw(st.integers(0, len(events) - 1))
        if how == "drop":
            del events[i]
        elif how == "duplicate":
            events.insert(i, events[i])
        elif how == "swap":
            j = draw(st.integers(0, len(events) - 1))
            events[i], events[j] = events[j], events[i]
        elif how == "bad_json":
            events.insert(i, _delta(draw(st.integers(0, 3)), "input_json_delta", "partial_json", '{"a": tru'))
        elif how == "unknown_event":
            events.insert(i, {"type": "brand_new_event", "payload": {"x": 1}})
        elif how == "unknown_block":
            shell = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
            events.insert(i, {"type": "content_block_start", "index": draw(st.integers(0, 6)), "content_block": shell})
        elif how == "unknown_delta":
            events.insert(i, _delta(draw(st.integers(0, 3)), "citations_delta", "citation", "c"))
        elif how == "bad_field":
            target = events[i]
            holder = draw(st.sampled_from([k for k, v in target.items() if isinstance(v, dict)] or [None]))
            victim = target if holder is None else target[holder]
            key = draw(st.sampled_from(sorted(victim) or ["type"]))
            victim[key] = draw(st.sampled_from(BAD_VALUES))
        elif how == "truncate":
            events = events[:i]
        else:
            events.insert(i, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    return events


@pytest.mark.parametrize("strategy", STRATEGIES[:3], ids=["none", "kwargs", "xml"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=corrupted())
def test_corrupted_streams_raise_only_labkit_errors(strategy: dict[str, Any] | None, events: list[Any]) -> None:
    outcome = _outcome(lambda: convert_stream(events, inner_thoughts=strategy).completion())
    if isinstance(outcome, ConversionError):
        assert outcome.event_index is None or 0 <= outcome.event_index < len(events)
    elif isinstance(outcome, IncompleteStreamError):
        assert outcome.partial is not None
    chunked = _outcome(lambda: accumulate(list(convert_stream(events, inner_thoughts=strategy))))
    assert _same(outcome, chunked)  # the chunk-free path decides exactly what the chunk path does


def _outcome(run: Callable[[], ChatCompletion]) -> ChatCompletion | LabkitError:
    try:
        return run()
    except (ConversionError, IncompleteStreamError) as exc:
        return exc


def _same(a: ChatCompletion | LabkitError, b: ChatCompletion | LabkitError) -> bool:
    if isinstance(a, ChatCompletion) or isinstance(b, ChatCompletion):
        return a == b
    partial = getattr(a, "partial", None) == getattr(b, "partial", None)
    return (
        type(a) is type(b)
        and str(a) == str(b)
        and getattr(a, "event_index", None) == getattr(b, "event_index", None)
        and partial
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=streams(), data=st.data())
def test_reordered_sdk_object_streams_raise_only_labkit_errors(
    generated: tuple[dict[str, Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    events = sdk_events(generated[1], beta=data.draw(st.booleans()))
    for _ in range(data.draw(st.integers(1, 3))):
        i, j = data.draw(st.integers(0, len(events) - 1)), data.draw(st.integers(0, len(events) - 1))
        how = data.draw(st.sampled_from(["drop", "duplicate", "swap"]))
        if how == "drop":
            del events[i]
        elif how == "duplicate":
            events.insert(i, events[j])
        else:
            events[i], events[j] = events[j], events[i]
        if not events:
            break
    strategy = data.draw(st.sampled_from(STRATEGIES))
    outcome = _outcome(lambda: accumulate(convert_stream(events, inner_thoughts=strategy)))
    if isinstance(outcome, ConversionError):
        assert outcome.event_index is not None
    elif isinstance(outcome, IncompleteStreamError):
        assert outcome.partial is not None
    assert _same(outcome, _outcome(lambda: accumulate(list(convert_stream(events, inner_thoughts=strategy)))))
