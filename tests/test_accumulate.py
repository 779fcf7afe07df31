"""accumulate: chunks from any source (validated models too) -> one completion; signatures replaced."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.convert._accumulate import Accumulator, accumulate
from labkit.core._errors import ConversionError
from labkit.core._wire import (
    ChatCompletionChunk,
    ChunkChoice,
    Delta,
    FunctionCallDelta,
    ThinkingBlock,
    ToolCallDelta,
    Usage,
)


def chunk(choice: dict[str, Any] | None = None, **delta: Any) -> ChatCompletionChunk:
    extra = {k: delta.pop(k) for k in ("usage", "passthrough") if k in delta}
    return ChatCompletionChunk(
        id="msg_a", model="m", choices=[ChunkChoice(delta=Delta(**delta), **(choice or {}))], **extra
    )


def call(
    index: int, call_id: str | None = None, name: str | None = None, arguments: str | None = None
) -> ToolCallDelta:
    function = FunctionCallDelta(name=name, arguments=arguments)
    return ToolCallDelta(index=index, id=call_id, type="function" if call_id else None, function=function)


def test_content_and_reasoning_channels() -> None:
    completion = accumulate(
        [
            chunk(role="assistant"),
            chunk(thinking_block=0, reasoning_content="think "),
            chunk(thinking_block=0, reasoning_content="hard"),
            chunk(content="Hello"),
            chunk(reasoning_content="inner"),  # thinking_block None: an inner thought
            chunk(content=", world"),
        ]
    )
    message = completion.choices[0].message
    assert (message.content, message.reasoning_content) == ("Hello, world", "think hard\n\ninner")
    assert message.thinking_blocks == [ThinkingBlock(thinking="think hard", signature="", replayable=False)]
    assert (completion.id, completion.model) == ("msg_a", "m")


def test_one_block_per_ordinal_and_signatures_are_replaced_not_appended() -> None:
    completion = accumulate(
        [
            chunk(thinking_block=1, redacted_thinking="opaque"),
            chunk(thinking_block=0, reasoning_content="a"),
            chunk(thinking_block=0, thinking_signature="stale"),
            chunk(thinking_block=0, thinking_signature="fresh"),
            chunk(thinking_block=2, thinking_signature="sig2"),
        ]
    )
    assert completion.choices[0].message.thinking_blocks == [
        ThinkingBlock(thinking="a", signature="fresh"),
        ThinkingBlock(type="redacted_thinking", data="opaque"),
        ThinkingBlock(thinking="", signature="sig2"),
    ]


def test_tool_calls_by_index_with_normalised_arguments() -> None:
    completion = accumulate(
        [
            chunk(tool_calls=[call(0, "toolu_a", "f")]),
            chunk(tool_calls=[call(1, "toolu_b", "g")]),
            chunk(tool_calls=[call(0, arguments='{"x":1,')]),
            chunk(tool_calls=[call(1, arguments="")]),
            chunk(tool_calls=[call(0, arguments=' "y": "é"}')]),
            chunk({"finish_reason": "tool_calls", "stop_reason": "tool_use"}),
        ]
    )
    calls = completion.choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("toolu_a", "f", '{"x": 1, "y": "é"}'),
        ("toolu_b", "g", "{}"),
    ]
    assert (completion.choices[0].finish_reason, completion.choices[0].stop_reason) == ("tool_calls", "tool_use")


def test_invalid_arguments_raise_unless_partial() -> None:
    chunks = [chunk(tool_calls=[call(0, "toolu_a", "f")]), chunk(tool_calls=[call(0, arguments='{"x": ')])]
    with pytest.raises(ConversionError, match="tool call 0"):
        accumulate(chunks)
    accumulator = Accumulator()
    for c in chunks:
        accumulator.add(c)
    partial = accumulator.result(partial=True)
    assert partial.choices[0].message.tool_calls[0].function.arguments == '{"x": '  # type: ignore[index]


def test_a_call_without_id_and_name_is_an_error() -> None:
    with pytest.raises(ConversionError, match="id and name"):
        accumulate([chunk(tool_calls=[call(0, arguments="{}")])])


def test_usage_finish_and_passthrough() -> None:
    usage = Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7)
    completion = accumulate(
        [
            chunk(passthrough=[{"type": "hologram"}]),
            chunk(content="x", passthrough=[{"type": "other"}]),
            chunk({"finish_reason": "length", "stop_reason": "max_tokens", "stop_sequence": None}, usage=usage),
        ]
    )
    assert completion.usage == usage
    assert completion.passthrough == [{"type": "hologram"}, {"type": "other"}]
    assert completion.choices[0].finish_reason == "length"


def test_nothing_gives_an_empty_completion() -> None:
    completion = accumulate([])
    message = completion.choices[0].message
    assert (completion.id, message.content, message.tool_calls, message.reasoning_content) == ("", None, None, None)
    assert completion.usage is None
