"""to_chat_completion: every block kept in order, reasoning fields, inner-thought strategies, passthrough."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from anthropic.types import Message
from anthropic.types.beta import BetaMessage
from sse_fixtures import NAMES, load_events, sdk_final_message

from labkit.convert._response import compose_reasoning, to_chat_completion
from labkit.core._configs import InnerThoughts
from labkit.core._errors import ConversionError
from labkit.core._wire import ThinkingBlock

USAGE = {"input_tokens": 10, "output_tokens": 20, "cache_read_input_tokens": 5, "cache_creation_input_tokens": 1}


def message(*content: dict[str, Any], stop_reason: str = "end_turn", **extra: Any) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": list(content),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": USAGE,
        **extra,
    }


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def tool(call_id: str, tool_input: dict[str, Any], name: str = "get_weather") -> dict[str, Any]:
    return {"type": "tool_use", "id": call_id, "name": name, "input": tool_input}


def thinking(value: str, signature: str = "sig") -> dict[str, Any]:
    return {"type": "thinking", "thinking": value, "signature": signature}


def test_fixture_a_thinking_then_text() -> None:
    completion = to_chat_completion(sdk_final_message(load_events("a_thinking_text")))
    choice = completion.choices[0]
    assert (completion.id, completion.model) == ("msg_01AbCdEf", "claude-sonnet-5-5")
    assert choice.message.content == "Yes, 97 is prime."
    assert (
        choice.message.reasoning_content == "The user asks whether 97 is prime. Check divisors up to 9: none divide it."
    )
    assert choice.message.thinking_blocks == [
        ThinkingBlock(thinking=choice.message.reasoning_content, signature="EqQBCkYIBxgCKkBsig...")
    ]
    assert (choice.finish_reason, choice.stop_reason) == ("stop", "end_turn")
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (42, 187)
    assert completion.usage.completion_tokens_details.reasoning_tokens == 160


def test_fixture_d_parallel_tool_calls_are_all_kept() -> None:
    completion = to_chat_completion(sdk_final_message(load_events("d_parallel_tools")))
    message = completion.choices[0].message
    assert message.content == "Checking both cities."
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []] == [
        ("toolu_01Paris", "get_weather", '{"location": "Paris"}'),
        ("toolu_01Tokyo", "get_weather", '{"location": "Tokyo"}'),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.usage is not None and completion.usage.prompt_tokens == 700 + 650


@pytest.mark.parametrize("name", NAMES)
def test_sdk_objects_ga_beta_and_dicts_agree(name: str) -> None:
    final = sdk_final_message(load_events(name))
    as_dict = final.to_dict()
    expected = to_chat_completion(as_dict)
    assert to_chat_completion(final) == expected
    assert to_chat_completion(Message.model_validate(as_dict)) == expected
    assert to_chat_completion(BetaMessage.model_validate(as_dict)) == expected


def test_every_block_is_kept_in_order() -> None:
    completion = to_chat_completion(
        message(
            thinking("first thought", "sigA"),
            text("Before the call. "),
            tool("toolu_1", {"q": "a"}),
            {"type": "redacted_thinking", "data": "opaque=="},
            thinking("second thought", "sigB"),
            text("After the call."),
            tool("toolu_2", {"q": "b"}, name="lookup"),
        )
    )
    message_out = completion.choices[0].message
    assert message_out.content == "Before the call. After the call."
    assert [c.id for c in message_out.tool_calls or []] == ["toolu_1", "toolu_2"]
    assert message_out.thinking_blocks == [
        ThinkingBlock(thinking="first thought", signature="sigA"),
        ThinkingBlock(type="redacted_thinking", data="opaque=="),
        ThinkingBlock(thinking="second thought", signature="sigB"),
    ]
    assert message_out.reasoning_content == "first thought\n\nsecond thought"


def test_thinking_is_byte_exact_and_unsigned_thinking_is_not_replayable() -> None:
    raw = "  spaces, tabs\t, unicode é 😀 and a trailing newline\n"
    blocks = to_chat_completion(message(thinking(raw, ""), thinking("", "sig-omitted"))).choices[0].message
    assert blocks.thinking_blocks is not None
    assert blocks.thinking_blocks[0].thinking == raw
    assert blocks.thinking_blocks[0].replayable is False
    assert blocks.thinking_blocks[1] == ThinkingBlock(thinking="", signature="sig-omitted", replayable=True)
    assert blocks.reasoning_content == raw  # display omitted: the empty block adds nothing


def test_empty_content_is_fine() -> None:
    completion = to_chat_completion(message())
    message_out = completion.choices[0].message
    assert (message_out.content, message_out.tool_calls, message_out.reasoning_content) == (None, None, None)
    assert message_out.thinking_blocks is None
    assert completion.choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [("refusal", "content_filter"), ("pause_turn", "pause"), ("max_tokens", "length"), ("brand_new", "stop")],
)
def test_stop_reasons_map_and_the_raw_one_is_kept(stop_reason: str, finish: str) -> None:
    choice = to_chat_completion(message(text("x"), stop_reason=stop_reason)).choices[0]
    assert (choice.finish_reason, choice.stop_reason) == (finish, stop_reason)


def test_tool_arguments_are_canonical_json() -> None:
    call_input = {"b": [1, 2, {"c": None}], "a": "é", "z": True}
    calls = to_chat_completion(message(tool("toolu_1", call_input), tool("toolu_2", {}))).choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.arguments == '{"b": [1, 2, {"c": null}], "a": "é", "z": true}'
    assert calls[1].function.arguments == "{}"


def test_kwargs_pops_inner_thoughts_out_of_every_call() -> None:
    original = message(
        text("Let me check."),
        tool("toolu_1", {"inner_thoughts": "Paris first.", "city": "Paris"}),
        tool("toolu_2", {"inner_thoughts": "Then Tokyo.", "city": "Tokyo"}),
        tool("toolu_3", {"inner_thoughts": "No arguments here."}, name="noop"),
        tool("toolu_4", {"city": "Rome"}),
    )
    before = copy.deepcopy(original)
    completion = to_chat_completion(original, inner_thoughts={"strategy": "kwargs"})
    message_out = completion.choices[0].message
    assert [c.function.arguments for c in message_out.tool_calls or []] == [
        '{"city": "Paris"}',
        '{"city": "Tokyo"}',
        "{}",
        '{"city": "Rome"}',
    ]
    assert message_out.reasoning_content == "Paris first.\n\nThen Tokyo.\n\nNo arguments here."
    assert message_out.content == "Let me check."
    assert original == before  # the input is never mutated


def test_kwargs_thoughts_come_after_native_thinking() -> None:
    completion = to_chat_completion(
        message(thinking("native"), tool("toolu_1", {"inner_thoughts": 42})),
        inner_thoughts=InnerThoughts(strategy="kwargs"),
    )
    assert completion.choices[0].message.reasoning_content == "native\n\n42"


def test_without_kwargs_strategy_inner_thoughts_stay_in_the_arguments() -> None:
    calls = to_chat_completion(message(tool("toolu_1", {"inner_thoughts": "hm", "x": 1}))).choices[0].message.tool_calls
    assert calls is not None and calls[0].function.arguments == '{"inner_thoughts": "hm", "x": 1}'


@pytest.mark.parametrize(
    ("strategy", "texts", "reasoning", "content"),
    [
        ({"strategy": "xml"}, ["<thinking>plan it</thinking>Answer: x < y -> ok"], "plan it", "Answer: x < y -> ok"),
        ({"strategy": "xml", "prefill": True}, ["plan it</thinking>Answer"], "plan it", "Answer"),
        ({"strategy": "xml"}, ["<thin", "king>split over blocks</think", "ing>rest"], "split over blocks", "rest"),
        (
            {"strategy": "xml", "tag": "scratch"},
            ["<scratch>s</scratch><thinking>kept</thinking>"],
            "s",
            "<thinking>kept</thinking>",
        ),
        ({"strategy": "xml"}, ["no tags at all"], None, "no tags at all"),
        ({"strategy": "xml"}, ["<thinking>only thoughts</thinking>"], "only thoughts", None),
    ],
)
def test_xml_strategy_splits_tagged_text(
    strategy: dict[str, Any], texts: list[str], reasoning: str | None, content: str | None
) -> None:
    message_out = to_chat_completion(message(*map(text, texts)), inner_thoughts=strategy).choices[0].message
    assert (message_out.reasoning_content, message_out.content) == (reasoning, content)


def test_unknown_blocks_are_passed_through_not_dropped() -> None:
    server_call = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}}
    result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}
    future = {"type": "hologram", "payload": {"x": 1}}
    completion = to_chat_completion(message(text("a"), server_call, result, future, text("b")))
    assert completion.choices[0].message.content == "ab"
    assert completion.passthrough == [server_call, result, future]


def test_unknown_blocks_from_sdk_objects_are_plain_dicts() -> None:
    server_call = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}}
    completion = to_chat_completion(Message.model_validate(message(server_call)))
    assert completion.passthrough[0]["type"] == "server_tool_use"
    assert completion.passthrough[0]["input"] == {"query": "q"}


@pytest.mark.parametrize(
    "bad",
    [
        message(tool("toolu_1", "not an object")),  # type: ignore[arg-type]
        message(content="not a list"),
        message("not a block"),  # type: ignore[arg-type]
        {**message(), "id": None},
        message({"type": "text", "text": 5}),
        message({"type": "tool_use", "name": "x", "input": {}}),
        ["not", "a", "message"],
    ],
)
def test_malformed_messages_raise_conversion_error(bad: Any) -> None:
    with pytest.raises(ConversionError):
        to_chat_completion(bad)


def test_compose_reasoning_joins_non_empty_parts() -> None:
    assert compose_reasoning(["a", "", None, "b"], "inner") == "a\n\nb\n\ninner"
    assert compose_reasoning([], "") is None
    assert compose_reasoning(["", None], None) is None


def test_citations_of_a_text_block_are_kept_beside_the_content() -> None:
    citation = {
        "type": "char_location",
        "cited_text": "97",
        "document_index": 0,
        "start_char_index": 0,
        "end_char_index": 2,
    }
    cited = {"type": "text", "text": "97 is prime.", "citations": [citation]}
    for source in (message(cited), Message.model_validate(message(cited))):
        completion = to_chat_completion(source)
        assert completion.choices[0].message.content == "97 is prime."
        assert completion.passthrough[0]["type"] == "citations"
        assert completion.passthrough[0]["block"] == "content[0]"
        assert completion.passthrough[0]["citations"][0]["cited_text"] == "97"


REFUSAL = {
    "id": "msg_refusal", "type": "message", "role": "assistant", "model": "claude-opus-4-8",
    "content": [{"type": "text", "text": "I can't help with that."}], "stop_reason": "refusal", "stop_sequence": None,
    "stop_details": {"type": "refusal", "category": "cyber", "explanation": "Blocked under the usage policy."},
    "usage": {"input_tokens": 87, "output_tokens": 9},
}  # fmt: skip
"""Written from the API reference (section 2): no public cassette holds a real refusal."""


def test_a_refusal_keeps_its_stop_details() -> None:
    choice = to_chat_completion(REFUSAL).choices[0]
    assert choice.finish_reason == "content_filter" and choice.stop_reason == "refusal"
    assert choice.stop_details == REFUSAL["stop_details"]


def test_a_streamed_refusal_keeps_its_stop_details() -> None:
    from labkit.convert import convert_stream
    from labkit.lab._batches import message_events

    events = [{k: v for k, v in e.items() if k != "t"} for e in message_events(REFUSAL)]
    streamed = convert_stream(events).completion()
    assert streamed.choices[0].stop_details == REFUSAL["stop_details"]
    assert streamed.choices == to_chat_completion(REFUSAL).choices
