"""Tests for labkit.convert._request.prepare_request (and labkit.convert._history, which renders the messages)."""

from __future__ import annotations

import ast
import copy
import itertools
import json
import logging
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.convert._inner_thoughts import INNER_THOUGHTS_KEY, xml_instructions
from labkit.convert._request import DEFAULT_MAX_TOKENS, DUMMY_USER_MESSAGE, PreparedRequest, prepare_request
from labkit.convert._response import compose_reasoning
from labkit.core._configs import InnerThoughts, ThinkingConfig
from labkit.core._errors import ConfigError, UnknownModelError
from labkit.core._wire import ChatRequest

OLD = "claude-sonnet-4-5"  # budgets, prefill, forced tool choice, no effort
OPUS_45 = "claude-opus-4-5"  # budgets, prefill, effort low/medium/high
OPUS_47 = "claude-opus-4-7"  # adaptive + disabled; thinking off when omitted; no prefill
FABLE = "claude-fable-5-2"  # always thinks, no forced tool choice
HAIKU_55 = "claude-haiku-5-5"

CALC = {
    "type": "function",
    "function": {"name": "calc", "parameters": {"type": "object", "properties": {"expr": {"type": "string"}}}},
}


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


def call(call_id: str, args: str = '{"expr": "1+1"}', name: str = "calc") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def req(messages: list[dict[str, Any]], model: str = OPUS_47, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": messages, **extra}


def text(t: str) -> dict[str, str]:
    return {"type": "text", "text": t}


# ----------------------------------------------------------------------------- shape and basics


def test_prepared_request_is_a_dict_with_dropped_and_notes() -> None:
    out = prepare_request(req([user()]))
    assert isinstance(out, PreparedRequest) and isinstance(out, dict)
    assert out == {
        "model": OPUS_47,
        "max_tokens": DEFAULT_MAX_TOKENS,
        "messages": [{"role": "user", "content": [text("hi")]}],
    }
    assert (out.dropped, out.notes) == ({}, [])


def test_accepts_a_chat_request_model() -> None:
    request = ChatRequest.model_validate(req([user()], stop=["x"]))
    assert prepare_request(request)["stop_sequences"] == ["x"]


def test_invalid_dict_is_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError, match=r"messages\.0\.role"):
        prepare_request(req([{"role": "robot", "content": "x"}]))
    with pytest.raises(ConfigError, match="model"):
        prepare_request({"messages": []})
    with pytest.raises(ConfigError, match="ChatRequest or a dict"):
        prepare_request("hello")  # type: ignore[arg-type]


def test_unknown_model_names_nearest_ids() -> None:
    with pytest.raises(UnknownModelError, match="claude-opus-4-7"):
        prepare_request(req([user()], model="claude-opus-4-77"))


# ----------------------------------------------------------------------------- system and turns


def test_system_and_developer_lifted_and_joined_with_blank_lines() -> None:
    out = prepare_request(
        req([{"role": "system", "content": "A."}, {"role": "developer", "content": [text("B.")]}, user()])
    )
    assert out["system"] == "A.\n\nB."
    assert out["messages"] == [{"role": "user", "content": [text("hi")]}]
    assert out.notes == []


def test_mid_conversation_system_is_lifted_and_noted() -> None:
    out = prepare_request(
        req([user(), {"role": "assistant", "content": "ok"}, {"role": "system", "content": "S"}, user("2")])
    )
    assert out["system"] == "S"
    assert [m["role"] for m in out["messages"]] == ["user", "assistant", "user"]
    assert any("messages[2] (system) lifted" in n for n in out.notes)


def test_system_with_cache_control_kept_as_blocks() -> None:
    cached = {"type": "text", "text": "big prompt", "cache_control": {"type": "ephemeral"}}
    out = prepare_request(req([{"role": "system", "content": [cached]}, user()]))
    assert out["system"] == [cached]


def test_system_only_prompt_gets_the_dummy_user_message() -> None:
    # regression: a system-only prompt crashed with IndexError
    out = prepare_request(req([{"role": "system", "content": "S"}]))
    assert out["messages"] == [{"role": "user", "content": [text(DUMMY_USER_MESSAGE)]}]
    assert any(DUMMY_USER_MESSAGE in n for n in out.notes)


def test_first_non_user_turn_gets_the_dummy_user_message() -> None:
    out = prepare_request(req([{"role": "assistant", "content": "Hello!"}, user()]))
    assert DUMMY_USER_MESSAGE == "User initializing bootup sequence."
    assert out["messages"][0] == {"role": "user", "content": [text(DUMMY_USER_MESSAGE)]}
    assert out["messages"][1] == {"role": "assistant", "content": [text("Hello!")]}


def test_consecutive_same_role_messages_merge() -> None:
    out = prepare_request(
        req(
            [
                user("a"),
                user("b"),
                {"role": "assistant", "content": "c"},
                {"role": "assistant", "content": "d"},
                user("e"),
            ]
        )
    )
    assert out["messages"] == [
        {"role": "user", "content": [text("a"), text("b")]},
        {"role": "assistant", "content": [text("c"), text("d")]},
        {"role": "user", "content": [text("e")]},
    ]


def test_empty_user_message_is_config_error_naming_the_index() -> None:
    # regression: empty user content failed an assertion
    with pytest.raises(ConfigError, match=r"messages\[1\]: user message has empty content"):
        prepare_request(req([user(), {"role": "user", "content": ""}]))


def test_empty_assistant_message_skipped_and_noted() -> None:
    out = prepare_request(req([user("a"), {"role": "assistant", "content": ""}, user("b")]))
    assert out["messages"] == [{"role": "user", "content": [text("a"), text("b")]}]
    assert any("messages[1]: empty assistant message not sent" in n for n in out.notes)


# ----------------------------------------------------------------------------- tools in history


def tool_conversation() -> list[dict[str, Any]]:
    return [
        user("compute"),
        {
            "role": "assistant",
            "content": "Let me compute.",
            "tool_calls": [call("call_1"), call("call_2", '{"expr": "2*3"}')],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "2"},
        {"role": "tool", "tool_call_id": "call_2", "content": ""},
        user("thanks"),
    ]


def test_tool_calls_and_results() -> None:
    out = prepare_request(req(tool_conversation(), tools=[CALC]))
    assert out["messages"][1] == {
        "role": "assistant",
        "content": [
            text("Let me compute."),
            {"type": "tool_use", "id": "call_1", "name": "calc", "input": {"expr": "1+1"}},
            {"type": "tool_use", "id": "call_2", "name": "calc", "input": {"expr": "2*3"}},
        ],
    }
    # consecutive tool messages merge into one user turn, results first, user text after them;
    # empty tool output becomes "" (not None)
    assert out["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "2"},
            {"type": "tool_result", "tool_use_id": "call_2", "content": ""},
            text("thanks"),
        ],
    }
    assert len(out["messages"]) == 3


def test_user_text_before_tool_results_is_moved_after_them() -> None:
    # regression: [text, tool_result] is a 400
    messages = [
        user("go"),
        {"role": "assistant", "tool_calls": [call("c1")]},
        user("alert"),
        {"role": "tool", "tool_call_id": "c1", "content": None},
    ]
    out = prepare_request(req(messages, tools=[CALC]))
    assert out["messages"][2]["content"] == [{"type": "tool_result", "tool_use_id": "c1", "content": ""}, text("alert")]
    assert any("tool results moved before" in n for n in out.notes)


def test_tool_result_is_error_and_list_content() -> None:
    messages = [
        user(),
        {"role": "assistant", "tool_calls": [call("c1")]},
        {"role": "tool", "tool_call_id": "c1", "content": [text("bad "), text("input")], "is_error": True},
    ]
    out = prepare_request(req(messages, tools=[CALC]))
    assert out["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "c1", "content": "bad input", "is_error": True}
    ]
    assert out.dropped == {}


def test_tool_message_without_id_refused() -> None:
    with pytest.raises(ConfigError, match=r"messages\[1\]\.tool_call_id is required"):
        prepare_request(req([user(), {"role": "tool", "content": "x"}]))


def test_invalid_tool_arguments_name_the_message_index() -> None:
    # regression: non-JSON stored arguments gave a demjson error
    messages = [
        user(),
        {"role": "assistant", "tool_calls": [call("c1", "{not json")]},
        {"role": "tool", "tool_call_id": "c1", "content": "x"},
    ]
    with pytest.raises(ConfigError, match=r"messages\[1\]\.tool_calls\[0\]\.function\.arguments"):
        prepare_request(req(messages, tools=[CALC]))


def test_odd_tool_ids_are_sanitised_consistently() -> None:
    messages = [
        user(),
        {"role": "assistant", "tool_calls": [call("call:1/ü")]},
        {"role": "tool", "tool_call_id": "call:1/ü", "content": "x"},
    ]
    out = prepare_request(req(messages, tools=[CALC]))
    assert out["messages"][1]["content"][0]["id"] == "call_1__"
    assert out["messages"][2]["content"][0]["tool_use_id"] == "call_1__"
    assert any("call_1__" in n for n in out.notes)


def test_unanswered_tool_call_refused_naming_the_message() -> None:
    messages = [
        user(),
        {"role": "assistant", "tool_calls": [call("c1"), call("c2")]},
        {"role": "tool", "tool_call_id": "c1", "content": "2"},
    ]
    with pytest.raises(ConfigError, match=r"messages\[1\]\.tool_calls: id 'c2' has no tool message"):
        prepare_request(req(messages, tools=[CALC]))


def test_stray_tool_result_refused_naming_the_message() -> None:
    messages = [
        user(),
        {"role": "assistant", "content": "no tools"},
        {"role": "tool", "tool_call_id": "zz", "content": "2"},
    ]
    with pytest.raises(ConfigError, match=r"messages\[2\]\.tool_call_id='zz' answers no tool call"):
        prepare_request(req(messages, tools=[CALC]))


def test_mixed_assistant_content_keeps_everything_in_order() -> None:
    # regression: text + reasoning dropped the text; a lone reasoning block dropped the thinking
    history = thinking_history()
    history[1]["content"] = "Let me check."
    out = prepare_request(req(history, model=FABLE, tools=[CALC]))
    assert [b["type"] for b in out["messages"][1]["content"]] == [
        "thinking", "redacted_thinking", "thinking", "text", "tool_use",
    ]  # fmt: skip
    lone = [user(), {"role": "assistant", "content": None, "thinking_blocks": [{"thinking": "t", "signature": "s"}]}]
    out = prepare_request(req([*lone, user("again")], model=FABLE))
    assert out["messages"][1]["content"] == [{"type": "thinking", "thinking": "t", "signature": "s"}]


# ----------------------------------------------------------------------------- thinking replay


def thinking_history() -> list[dict[str, Any]]:
    return [
        user("q"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call("c1")],
            "reasoning_content": compose_reasoning(["step 1\n", None, "step 2"], None),
            "thinking_blocks": [
                {"type": "thinking", "thinking": "step 1\n", "signature": "sig/A+=="},
                {"type": "redacted_thinking", "data": "opaque=="},
                {"type": "thinking", "thinking": "step 2", "signature": "sig/B"},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "2"},
    ]


def test_thinking_blocks_replayed_first_and_byte_exact() -> None:
    out = prepare_request(req(thinking_history(), model=FABLE, tools=[CALC]))
    assert out["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "step 1\n", "signature": "sig/A+=="},
        {"type": "redacted_thinking", "data": "opaque=="},
        {"type": "thinking", "thinking": "step 2", "signature": "sig/B"},
        {"type": "tool_use", "id": "c1", "name": "calc", "input": {"expr": "1+1"}},
    ]
    assert out.notes == []  # reasoning_content is the blocks' text: nothing else to send


def test_omitted_display_thinking_replayed_with_empty_text() -> None:
    history = thinking_history()
    history[1]["thinking_blocks"] = [{"type": "thinking", "thinking": "", "signature": "s"}]
    history[1]["reasoning_content"] = None
    out = prepare_request(req(history, model=FABLE, tools=[CALC]))
    assert out["messages"][1]["content"][0] == {"type": "thinking", "thinking": "", "signature": "s"}


def test_unreplayable_thinking_blocks_not_sent_and_noted() -> None:
    history = thinking_history()
    history[1]["thinking_blocks"][2]["replayable"] = False
    history[1]["thinking_blocks"].append({"type": "thinking", "thinking": "cut", "signature": None})
    out = prepare_request(req(history, model=FABLE, tools=[CALC]))
    types = [b["type"] for b in out["messages"][1]["content"]]
    assert types == ["thinking", "redacted_thinking", "tool_use"]
    assert sum("not replayable" in n for n in out.notes) == 2
    assert any("thinking_blocks[2]" in n for n in out.notes)


def test_reasoning_without_blocks_and_without_strategy_is_noted() -> None:
    messages = [user(), {"role": "assistant", "content": "4", "reasoning_content": "2+2"}, user("ok")]
    out = prepare_request(req(messages))
    assert out["messages"][1]["content"] == [text("4")]
    assert any("reasoning_content not sent" in n for n in out.notes)


# ----------------------------------------------------------------------------- field mapping


def test_stop_user_and_metadata() -> None:
    out = prepare_request(req([user()], stop="END", user="researcher-7"))
    assert out["stop_sequences"] == ["END"]
    assert out["metadata"] == {"user_id": "researcher-7"}
    out = prepare_request(req([user()], stop=["a", "b"], metadata={"user_id": "u", "team": "x"}))
    assert out["stop_sequences"] == ["a", "b"]
    assert out["metadata"] == {"user_id": "u"}
    assert "metadata.team" in out.dropped


def test_max_tokens_mapping() -> None:
    assert prepare_request(req([user()], max_tokens=100))["max_tokens"] == 100
    assert prepare_request(req([user()], max_completion_tokens=200))["max_tokens"] == 200
    assert prepare_request(req([user()], max_tokens=200, max_completion_tokens=200))["max_tokens"] == 200
    with pytest.raises(ConfigError, match="disagree"):
        prepare_request(req([user()], max_tokens=100, max_completion_tokens=200))
    with pytest.raises(ConfigError, match=rf"max_tokens=200000 is above {OPUS_47}"):
        prepare_request(req([user()], max_tokens=200000))


def test_budget_raises_max_tokens_only_when_the_caller_did_not_set_it() -> None:
    # regression: max_tokens None gave a TypeError next to a budget
    budget = ThinkingConfig(mode="budget", budget_tokens=10000)
    out = prepare_request(req([user()], model=OLD), thinking=budget)
    assert out["max_tokens"] == 10000 + DEFAULT_MAX_TOKENS
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 10000}
    assert any("max_tokens not given" in n for n in out.notes)
    capped = prepare_request(req([user()], model=OLD), thinking={"mode": "budget", "budget_tokens": 63000})
    assert capped["max_tokens"] == 64000
    # regression: large max_tokens hit the SDK's non-streaming guard with no warning
    assert any("stream it" in n for n in capped.notes)
    with pytest.raises(ConfigError, match="budget_tokens=10000 must be below max_tokens=8000"):
        prepare_request(req([user()], model=OLD, max_tokens=8000), thinking=budget)


def test_response_format_json_schema() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema, "strict": True}}
    out = prepare_request(req([user()], response_format=fmt))
    assert out["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert "response_format" not in out.dropped
    assert "output_config" not in prepare_request(req([user()], response_format={"type": "text"}))
    json_object = prepare_request(req([user()], response_format={"type": "json_object"}))
    assert "output_config" not in json_object and "response_format" in json_object.dropped
    with pytest.raises(ConfigError, match=r"response_format\.json_schema\.schema is required"):
        prepare_request(req([user()], response_format={"type": "json_schema", "json_schema": {"name": "x"}}))
    with pytest.raises(ConfigError, match=r"response_format\.type='yaml'"):
        prepare_request(req([user()], response_format={"type": "yaml"}))


def test_reasoning_effort_to_output_config() -> None:
    assert prepare_request(req([user()], reasoning_effort="high"))["output_config"] == {"effort": "high"}
    minimal = prepare_request(req([user()], reasoning_effort="minimal"))
    assert minimal["output_config"] == {"effort": "low"} and any("'minimal'" in n for n in minimal.notes)
    with pytest.raises(ConfigError, match=rf"reasoning_effort='xhigh' is not a level {HAIKU_55} has"):
        prepare_request(req([user()], model=HAIKU_55, reasoning_effort="xhigh"))
    with pytest.raises(ConfigError, match=rf"reasoning_effort='low': {OLD} does not accept"):
        prepare_request(req([user()], model=OLD, reasoning_effort="low"))
    with pytest.raises(ConfigError, match=r"reasoning_effort='none'.*mode='off'"):
        prepare_request(req([user()], reasoning_effort="none"))


def test_thinking_effort_takes_precedence_over_reasoning_effort() -> None:
    out = prepare_request(req([user()], reasoning_effort="low"), thinking=ThinkingConfig(effort="max"))
    assert out["output_config"] == {"effort": "max"}
    assert out["thinking"] == {"type": "adaptive"}
    assert "reasoning_effort" in out.dropped
    combined = prepare_request(req([user()], reasoning_effort="low"), thinking=ThinkingConfig(mode="off"))
    assert combined["output_config"] == {"effort": "low"} and combined["thinking"] == {"type": "disabled"}
    with pytest.raises(ConfigError, match="effort <= 'high'"):
        prepare_request(req([user()], model=HAIKU_55, reasoning_effort="max"), thinking={"mode": "off"})


def test_effort_and_format_together() -> None:
    fmt = {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}}
    out = prepare_request(req([user()], reasoning_effort="medium", response_format=fmt))
    assert out["output_config"] == {"effort": "medium", "format": {"type": "json_schema", "schema": {"type": "object"}}}


def test_images() -> None:
    parts = [
        text("what is this?"),
        {"type": "image_url", "image_url": {"url": "data:image/PNG;base64,iVBORw0KGgo=", "detail": "high"}},
        {"type": "image_url", "image_url": "https://example.org/cat.jpg"},
    ]
    out = prepare_request(req([{"role": "user", "content": parts}]))
    assert out["messages"][0]["content"] == [
        text("what is this?"),
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "url", "url": "https://example.org/cat.jpg"}},
    ]
    assert "messages[0].content[1].image_url.detail" in out.dropped


@pytest.mark.parametrize(
    ("part", "match"),
    [
        ({"type": "image_url", "image_url": {"url": "data:image/bmp;base64,AA"}}, "image/bmp"),
        ({"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}, "data URL or an http"),
        ({"type": "image_url", "image_url": {}}, r"image_url\.url is required"),
        ({"type": "input_audio", "input_audio": {}}, r"content\[0\]\.type='input_audio'"),
    ],
)
def test_bad_content_parts(part: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        prepare_request(req([{"role": "user", "content": [part]}]))


def test_openai_only_and_sampling_fields_are_dropped_and_reported() -> None:
    # regression: these leaked through (400) or were lost silently
    fields = {
        "temperature": 0.7,
        "top_p": 0.9,
        "top_k": 5,
        "n": 2,
        "seed": 1,
        "logprobs": True,
        "top_logprobs": 3,
        "logit_bias": {"1": 2},
        "presence_penalty": 0.5,
        "frequency_penalty": 0.5,
        "stream": True,
        "stream_options": {"include_usage": True},
        "service_tier": "flex",
        "modalities": ["text"],
    }
    out = prepare_request({"model": OPUS_47, "messages": [user()], **fields})
    assert set(out.dropped) == set(fields)
    assert "2026-10-21" in out.dropped["temperature"]
    assert "'flex'" in out.dropped["service_tier"]
    assert not set(fields) & set(out)


def test_none_valued_extras_are_not_reported_and_anthropic_fields_pass() -> None:
    out = prepare_request(req([user()], temperature=None, service_tier="auto", cache_control={"type": "ephemeral"}))
    assert out.dropped == {}
    assert out["service_tier"] == "auto"
    assert out["cache_control"] == {"type": "ephemeral"}


def test_message_fields_without_anthropic_counterpart_are_reported() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "hi", "name": "alice"},
        {"role": "assistant", "content": [text("ok"), {"type": "refusal", "refusal": "no"}], "audio": {"id": "a"}},
        user("more"),
    ]
    out = prepare_request(req(messages))
    assert set(out.dropped) == {"messages[0].name", "messages[1].content[1]", "messages[1].audio"}
    assert out["messages"][1]["content"] == [text("ok")]


# ----------------------------------------------------------------------------- tools and tool_choice


def test_tools_and_tool_choice_mapping() -> None:
    out = prepare_request(req([user()], model=OLD, tools=[CALC], tool_choice="required", parallel_tool_calls=False))
    assert out["tools"] == [
        {"name": "calc", "description": "", "input_schema": CALC["function"]["parameters"]}  # type: ignore[index]
    ]
    assert out["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}


def test_tool_choice_without_tools_is_dropped_and_reported() -> None:
    # regression: sent anyway (400); empty tools [] sent as is
    out = prepare_request(req([user()], tools=[], tool_choice="auto", parallel_tool_calls=False))
    assert "tools" not in out and "tool_choice" not in out
    assert set(out.dropped) == {"tools", "tool_choice", "parallel_tool_calls"}


def test_forced_tool_choice_with_thinking_refused_or_downgraded() -> None:
    # regression: a forced tool_choice with thinking was passed through
    request = req([user()], model=OLD, tools=[CALC], tool_choice={"type": "function", "function": {"name": "calc"}})
    budget = ThinkingConfig(mode="budget", budget_tokens=2000)
    with pytest.raises(ConfigError, match=rf"tool_choice: {OLD} rejects forced tool use"):
        prepare_request(request, thinking=budget)
    out = prepare_request(request, thinking=budget, on_forced_tool_choice="downgrade")
    assert out["tool_choice"] == {"type": "auto"}
    assert any("downgraded" in n for n in out.notes)
    assert prepare_request(request)["tool_choice"] == {"type": "tool", "name": "calc"}  # no thinking: fine


def test_forced_tool_choice_on_a_model_that_thinks_by_default() -> None:
    """Adaptive thinking does not forbid forced tool use (recorded real traffic: a 200, no thinking)."""
    request = req([user()], model=HAIKU_55, tools=[CALC], tool_choice="required")
    assert prepare_request(request)["tool_choice"] == {"type": "any"}
    assert prepare_request(request, thinking={"mode": "adaptive"})["tool_choice"] == {"type": "any"}
    assert prepare_request(request, thinking={"mode": "off"})["tool_choice"] == {"type": "any"}
    with pytest.raises(ConfigError, match=rf"{FABLE} rejects forced tool use"):
        prepare_request(req([user()], model=FABLE, tools=[CALC], tool_choice="required"))


# ----------------------------------------------------------------------------- inner thoughts: kwargs


def test_kwargs_strategy_injects_into_every_tool() -> None:
    ping = {"type": "function", "function": {"name": "ping"}}
    out = prepare_request(req([user()], tools=[CALC, ping]), inner_thoughts=InnerThoughts(strategy="kwargs"))
    for tool in out["tools"]:
        assert next(iter(tool["input_schema"]["properties"])) == INNER_THOUGHTS_KEY
        assert tool["input_schema"]["required"][0] == INNER_THOUGHTS_KEY
    assert "system" not in out


def test_kwargs_history_puts_thoughts_back_into_the_first_tool_call() -> None:
    # regression: the input became the dumped tool-call object and thoughts were duplicated as text
    messages = [
        user(),
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": "I need calc",
            "tool_calls": [call("c1"), call("c2")],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "2"},
        {"role": "tool", "tool_call_id": "c2", "content": "2"},
    ]
    out = prepare_request(req(messages, tools=[CALC]), inner_thoughts={"strategy": "kwargs"})
    blocks = out["messages"][1]["content"]
    assert [b["type"] for b in blocks] == ["tool_use", "tool_use"]
    assert blocks[0]["input"] == {"inner_thoughts": "I need calc", "expr": "1+1"}
    assert next(iter(blocks[0]["input"])) == INNER_THOUGHTS_KEY
    assert blocks[1]["input"] == {"expr": "1+1"}


def test_kwargs_history_keeps_thoughts_already_in_the_arguments() -> None:
    messages = [
        user(),
        {
            "role": "assistant",
            "reasoning_content": "x",
            "tool_calls": [call("c1", '{"inner_thoughts": "orig", "expr": "1"}')],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "1"},
    ]
    out = prepare_request(req(messages, tools=[CALC]), inner_thoughts={"strategy": "kwargs"})
    assert out["messages"][1]["content"][0]["input"] == {"inner_thoughts": "orig", "expr": "1"}


def test_kwargs_history_with_native_thinking_separates_the_thoughts() -> None:
    history = thinking_history()
    history[1]["reasoning_content"] = compose_reasoning(["step 1\n", "step 2"], "and my inner thoughts")
    out = prepare_request(req(history, model=FABLE, tools=[CALC]), inner_thoughts={"strategy": "kwargs"})
    tool_use = out["messages"][1]["content"][3]
    assert tool_use["input"] == {"inner_thoughts": "and my inner thoughts", "expr": "1+1"}


# ----------------------------------------------------------------------------- inner thoughts: xml


def test_xml_strategy_adds_instructions_to_the_system_prompt() -> None:
    out = prepare_request(
        req([{"role": "system", "content": "Be kind."}, user()]), inner_thoughts={"strategy": "xml", "tag": "scratch"}
    )
    assert out["system"] == "Be kind.\n\n" + xml_instructions("scratch")


def test_xml_history_wrapped_well_formed_before_content() -> None:
    # regression: add_xml_tag wrote "</tag" with no ">"
    messages = [user(), {"role": "assistant", "content": "4", "reasoning_content": "2+2=4"}, user("next")]
    out = prepare_request(req(messages), inner_thoughts={"strategy": "xml"})
    assert out["messages"][1]["content"] == [text("<thinking>2+2=4</thinking>"), text("4")]


@pytest.mark.parametrize(
    ("reasoning", "content", "expected"),
    [
        ("<thinking>done</thinking>", "4", [text("<thinking>done</thinking>"), text("4")]),
        ("done", "<thinking>done</thinking>4", [text("<thinking>done</thinking>4")]),
    ],
)
def test_xml_history_not_double_wrapped(reasoning: str, content: str, expected: list[dict[str, str]]) -> None:
    messages = [user(), {"role": "assistant", "content": content, "reasoning_content": reasoning}, user("n")]
    out = prepare_request(req(messages), inner_thoughts={"strategy": "xml"})
    assert out["messages"][1]["content"] == expected


def test_xml_prefill_appends_the_opening_tag_on_prefill_models() -> None:
    out = prepare_request(
        req([user()], model=OLD), inner_thoughts=InnerThoughts(strategy="xml", tag="think", prefill=True)
    )
    assert out["messages"][-1] == {"role": "assistant", "content": [text("<think>")]}
    assert xml_instructions("think") in out["system"]


def test_xml_prefill_refused_where_the_model_rejects_prefill() -> None:
    # regression: the "opus" substring check; here the catalog decides, naming the model
    with pytest.raises(ConfigError, match=rf"inner_thoughts\.prefill=True: {OPUS_47} rejects assistant prefill"):
        prepare_request(req([user()]), inner_thoughts={"strategy": "xml", "prefill": True})


@pytest.mark.parametrize("tag", [None, "", "a b", "<t>"])
def test_bad_tags_refused_before_anything_is_built(tag: object) -> None:
    # regression: a None tag produced the literal "<None>"
    with pytest.raises(ConfigError, match=r"inner_thoughts|tag"):
        prepare_request(req([user()], model=OLD), inner_thoughts={"strategy": "xml", "tag": tag, "prefill": True})


def test_xml_prefill_refused_with_native_thinking() -> None:
    strategy = {"strategy": "xml", "prefill": True}
    with pytest.raises(ConfigError, match="cannot be combined with native thinking"):
        prepare_request(
            req([user()], model=OPUS_45, max_tokens=5000),
            thinking={"mode": "budget", "budget_tokens": 2000},
            inner_thoughts=strategy,
        )
    out = prepare_request(req([user()], model=OPUS_45), thinking={"mode": "off"}, inner_thoughts=strategy)
    assert out["thinking"] == {"type": "disabled"}


def test_xml_prefill_after_a_final_assistant_message_refused() -> None:
    # regression: the prefill could sit after an existing final assistant message
    with pytest.raises(ConfigError, match="already ends with an assistant turn"):
        prepare_request(
            req([user(), {"role": "assistant", "content": "So"}], model=OLD),
            inner_thoughts={"strategy": "xml", "prefill": True},
        )


def test_trailing_assistant_message() -> None:
    with pytest.raises(ConfigError, match=rf"messages\[1\]: {OPUS_47} rejects a final assistant message"):
        prepare_request(req([user(), {"role": "assistant", "content": "Sure"}]))
    out = prepare_request(req([user(), {"role": "assistant", "content": "Sure"}], model=OLD))
    assert out["messages"][-1] == {"role": "assistant", "content": [text("Sure")]}
    with pytest.raises(ConfigError, match="cannot end with whitespace"):
        prepare_request(req([user(), {"role": "assistant", "content": "Sure "}], model=OLD))


# ----------------------------------------------------------------------------- logging, purity, SDK


def test_dropped_and_notes_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="labkit.convert._request"):
        prepare_request(req([{"role": "assistant", "content": "x"}, user()], temperature=0.1))
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("temperature" in m for m in messages)
    assert any(DUMMY_USER_MESSAGE in m for m in messages)


def test_output_shares_no_objects_with_the_input() -> None:
    request = req(thinking_history(), model=FABLE, tools=[CALC], cache_control={"type": "ephemeral"})
    out = prepare_request(request)
    out["tools"][0]["input_schema"]["properties"]["expr"]["type"] = "integer"
    out["cache_control"]["type"] = "changed"
    assert CALC["function"]["parameters"]["properties"]["expr"]["type"] == "string"  # type: ignore[index]
    assert request["cache_control"] == {"type": "ephemeral"}


json_leaf = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5)
messages_strategy = st.lists(
    st.one_of(
        st.builds(lambda t: {"role": "user", "content": t}, st.text(min_size=1, max_size=8)),
        st.builds(
            lambda t: {"role": "user", "content": [{"type": "text", "text": t}]}, st.text(min_size=1, max_size=8)
        ),
        st.builds(lambda t: {"role": "system", "content": t}, st.text(max_size=8)),
        st.builds(
            lambda t, r, args: {
                "role": "assistant",
                "content": t,
                "reasoning_content": r,
                "tool_calls": [call("c1", json.dumps(args))],
                "thinking_blocks": [{"type": "thinking", "thinking": r or "", "signature": "s"}],
            },
            st.text(max_size=8),
            st.none() | st.text(max_size=8),
            st.dictionaries(st.text(max_size=4), json_leaf, max_size=3),
        ),
        st.builds(lambda t: {"role": "tool", "tool_call_id": "c1", "content": t}, st.none() | st.text(max_size=8)),
    ),
    min_size=1,
    max_size=8,
).filter(lambda ms: ms[-1]["role"] != "assistant")


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    messages=messages_strategy,
    strategy=st.sampled_from([None, {"strategy": "kwargs"}, {"strategy": "xml"}, {"strategy": "none"}]),
    extra=st.fixed_dictionaries(
        {}, optional={"temperature": st.floats(0, 1), "stop": st.text(max_size=3), "user": st.text(max_size=3)}
    ),
)
def test_prepare_request_never_mutates_its_input(
    messages: list[dict[str, Any]], strategy: dict[str, str] | None, extra: dict[str, Any]
) -> None:
    request = req(messages, model=FABLE, tools=[CALC], **extra)
    before = copy.deepcopy(request)
    try:
        out = prepare_request(request, inner_thoughts=strategy)
    except ConfigError:
        out = None
    assert request == before
    if out is not None:
        assert out["messages"][0]["role"] == "user"
        model = ChatRequest.model_validate(copy.deepcopy(before))
        prepare_request(model, inner_thoughts=strategy)
        assert model == ChatRequest.model_validate(before)


words = st.text(alphabet='abc xyz<>/{}"\\é😀', min_size=1, max_size=12).filter(lambda t: t.strip() != "")
strategies = st.sampled_from([None, {"strategy": "kwargs"}, {"strategy": "xml"}, {"strategy": "none"}])


@st.composite
def conversations(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Well-formed OpenAI conversations: user turns, tool rounds with matching results, replies."""
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": draw(st.sampled_from(["system", "developer"])), "content": draw(words)})
    ids = iter(f"call_{n}" for n in range(100))
    for _ in range(draw(st.integers(1, 3))):
        messages.append(user(draw(words)))
        for _ in range(draw(st.integers(0, 2))):
            calls = [call(next(ids), json.dumps({"expr": draw(words)})) for _ in range(draw(st.integers(1, 2)))]
            content = draw(st.none() | words)
            messages.append(
                {
                    "role": "assistant",
                    "content": content,
                    "reasoning_content": draw(st.none() | words),
                    "tool_calls": calls,
                }
            )
            for c in calls:
                messages.append(
                    {"role": "tool", "tool_call_id": c["id"], "content": draw(st.none() | st.just("") | words)}
                )
            if draw(st.booleans()):
                messages.append(user(draw(words)))
        if draw(st.booleans()):
            messages.append({"role": "assistant", "content": draw(words), "reasoning_content": draw(st.none() | words)})
        if draw(st.booleans()):
            messages.append({"role": "system", "content": draw(words)})
    if messages[-1]["role"] in ("assistant", "system", "developer"):
        messages.append(user(draw(words)))
    return messages


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(messages=conversations(), strategy=strategies)
def test_well_formed_conversations_always_prepare_to_well_formed_messages(
    messages: list[dict[str, Any]], strategy: dict[str, str] | None
) -> None:
    before = copy.deepcopy(messages)
    out = prepare_request(req(messages, tools=[CALC]), inner_thoughts=strategy)
    assert messages == before
    roles = [m["role"] for m in out["messages"]]
    assert roles[0] == "user" and roles[-1] == "user"
    assert all(a != b for a, b in itertools.pairwise(roles))  # alternating after merging
    for turn in out["messages"]:
        types = [b["type"] for b in turn["content"]]
        assert types == sorted(types, key=lambda t: t != "tool_result")  # results first
        assert all(b["text"] for b in turn["content"] if b["type"] == "text")  # no empty text blocks
    calls = sum(len(m.get("tool_calls") or []) for m in messages)
    blocks = [b for m in out["messages"] for b in m["content"]]
    assert sum(b["type"] == "tool_use" for b in blocks) == calls
    assert sum(b["type"] == "tool_result" for b in blocks) == calls
    if strategy == {"strategy": "xml"}:
        assistant_texts = [
            b["text"] for m in out["messages"] if m["role"] == "assistant" for b in m["content"] if b["type"] == "text"
        ]
        for t in assistant_texts:
            if t.startswith("<thinking>"):
                assert t.endswith("</thinking>")  # well-formed, never "</thinking" without ">"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages=conversations(), strategy=strategies)
def test_the_emulator_accepts_every_prepared_conversation(
    emulator_client: anthropic.Anthropic, messages: list[dict[str, Any]], strategy: dict[str, str] | None
) -> None:
    kwargs = prepare_request(req(messages, tools=[CALC], max_tokens=1024), inner_thoughts=strategy)
    reply = emulator_client.messages.create(**kwargs)
    assert reply.stop_reason is not None


@pytest.fixture(scope="module")
def emulator_client() -> anthropic.Anthropic:
    from labkit.emulator import Emulator

    return Emulator(seed=0, latency="none").client()


def test_kwargs_are_accepted_by_the_sdk_unchanged() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        body = {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": FABLE,
            "content": [text("ok")],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
        return httpx2.Response(200, json=body)

    kwargs = prepare_request(
        req(
            thinking_history(),
            model=FABLE,
            tools=[CALC],
            stop="X",
            user="u",
            temperature=0.5,
            reasoning_effort="low",
            service_tier="auto",
            cache_control={"type": "ephemeral"},
            response_format={"type": "json_schema", "json_schema": {"schema": {"type": "object"}}},
        ),
        thinking=ThinkingConfig(display="summarized"),
        inner_thoughts={"strategy": "kwargs"},
    )
    fake_key = "test-not-a-real-key"
    client = anthropic.Anthropic(
        api_key=fake_key,
        base_url="http://127.0.0.1:9",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    client.messages.create(**kwargs)
    assert seen == [json.loads(json.dumps(dict(kwargs)))]
    assert {"service_tier", "cache_control", "output_config", "thinking", "metadata"} <= seen[0].keys()


# ------------------------------------------------------------- code standards (no asserts, no I/O in pure modules)

OWN_MODULES = ["_request.py", "_history.py", "_thinking.py", "_tools.py", "_inner_thoughts.py", "_arguments.py"]
FORBIDDEN = {"httpx", "httpx2", "pandas", "matplotlib", "ipywidgets", "sqlite3", "tqdm", "time", "random", "asyncio"}


@pytest.mark.parametrize("name", OWN_MODULES)
def test_pure_modules_have_no_asserts_and_no_io_imports(name: str) -> None:
    tree = ast.parse((Path(__file__).parent.parent / "labkit" / "convert" / name).read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & FORBIDDEN
    assert "print(" not in (Path(__file__).parent.parent / "labkit" / "convert" / name).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- end to end (emulator in process)


@pytest.mark.parametrize(
    ("model", "thinking", "strategy"),
    [
        (FABLE, ThinkingConfig(effort="high", display="summarized"), None),
        (FABLE, None, InnerThoughts(strategy="kwargs")),
        (OPUS_47, ThinkingConfig(mode="off"), InnerThoughts(strategy="xml")),
    ],
)
def test_multi_turn_tool_conversation_replays_without_a_400(
    model: str, thinking: ThinkingConfig | None, strategy: InnerThoughts | None
) -> None:
    from labkit.convert._response import to_chat_completion
    from labkit.emulator import Emulator
    from labkit.tasks import TOOL_SPECS, load_tasks, run_tool, score

    client = Emulator(seed=0, latency="none").client()
    task = load_tasks(category="tool")[0]
    messages: list[dict[str, Any]] = [{"role": "user", "content": task.prompt}]
    for _ in range(4):
        kwargs = prepare_request(
            req(messages, model=model, tools=list(TOOL_SPECS), max_tokens=8000),
            thinking=thinking,
            inner_thoughts=strategy,
        )
        message = to_chat_completion(client.messages.create(**kwargs), inner_thoughts=strategy).choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        for tool_call in message.tool_calls:
            result = run_tool(tool_call.function.name, json.loads(tool_call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": result})
    assert messages[1]["tool_calls"]
    if thinking is not None and thinking.mode != "off":
        assert messages[1]["thinking_blocks"]
    if strategy is not None:
        assert messages[1]["reasoning_content"]
    assert score(task, messages[-1]["content"])


def test_reasoning_effort_turns_thinking_on_where_it_is_off_by_default() -> None:
    out = prepare_request(req([user()], reasoning_effort="low"))  # opus 4.7: no thinking unless asked
    assert out["thinking"] == {"type": "adaptive"} and out["output_config"] == {"effort": "low"}
    assert any("adaptive thinking turned on" in n for n in out.notes)
    always = prepare_request(req([user()], model=FABLE, reasoning_effort="low"))  # thinks anyway: nothing added
    assert "thinking" not in always and always["output_config"] == {"effort": "low"}
    inner = prepare_request(req([user()], reasoning_effort="low"), inner_thoughts="xml")  # inner thoughts instead
    assert "thinking" not in inner
    assert prepare_request(req([user()], reasoning_effort="low"), thinking="off")["thinking"] == {"type": "disabled"}
