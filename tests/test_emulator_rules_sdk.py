"""The emulator's rules through the official SDK: each mistake is an `anthropic.BadRequestError`
(or NotFoundError) whose API message names the field, and real replies replay cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from labkit.emulator import Emulator
from labkit.tasks import TOOL_SPECS, load_tasks, run_tool

CALC = {"name": "calc", "description": "Evaluate arithmetic.", "input_schema": {"type": "object"}}
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture(scope="module")
def client() -> Iterator[anthropic.Anthropic]:
    with Emulator(seed=0).client(max_retries=0) as sdk:
        yield sdk


def rejected(client: anthropic.Anthropic, prefix: str, *, count: bool = False, **kwargs: Any) -> str:
    """Send through the SDK; assert a 400 invalid_request_error whose message starts with ``prefix``."""
    kwargs.setdefault("model", "claude-opus-5-5")
    kwargs.setdefault("messages", HI)
    with pytest.raises(anthropic.BadRequestError) as caught:
        if count:
            client.messages.count_tokens(**kwargs)
        else:
            kwargs.setdefault("max_tokens", 2048)
            client.messages.create(**kwargs)
    err = caught.value
    assert err.status_code == 400
    assert err.type == "invalid_request_error"
    assert err.request_id
    assert err.api_message is not None and err.api_message.startswith(prefix), err.api_message
    return err.api_message


def test_unknown_model_is_not_found(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(model="claude-nonexistent-9", max_tokens=10, messages=HI)
    assert caught.value.api_message == "model: claude-nonexistent-9"
    assert caught.value.type == "not_found_error"


def test_empty_messages(client: anthropic.Anthropic) -> None:
    rejected(client, "messages: at least one message is required", messages=[])


def test_empty_text_block(client: anthropic.Anthropic) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": ""}]}]
    rejected(client, "messages: text content blocks must be non-empty", messages=messages)


def test_max_tokens_above_limit(client: anthropic.Anthropic) -> None:
    message = rejected(client, "max_tokens: 200000 > 128000", max_tokens=200_000, stream=True)
    assert message.endswith("maximum allowed number of output tokens for claude-opus-5-5")


def test_budget_rules(client: anthropic.Anthropic) -> None:
    model = "claude-sonnet-4-6"
    low = {"type": "enabled", "budget_tokens": 512}
    rejected(client, "thinking.enabled.budget_tokens: Input should be greater", model=model, thinking=low)
    high = {"type": "enabled", "budget_tokens": 4096}
    rejected(client, "thinking.enabled.budget_tokens: must be less than max_tokens", model=model, thinking=high)


def test_enabled_on_adaptive_only_model(client: anthropic.Anthropic) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    rejected(client, "thinking.type.enabled is not supported for this model.", thinking=thinking)


def test_disabled_on_always_thinking_model(client: anthropic.Anthropic) -> None:
    rejected(client, "thinking.type.disabled is not supported for this model.", thinking={"type": "disabled"})


def test_effort_level_the_model_lacks(client: anthropic.Anthropic) -> None:
    model = "claude-haiku-5-5"
    rejected(client, "output_config.effort: 'xhigh' is not supported", model=model, output_config={"effort": "xhigh"})


@pytest.mark.parametrize(("field", "value"), [("temperature", 1.0), ("top_p", 0.9), ("top_k", 40)])
def test_sampling_parameters(client: anthropic.Anthropic, field: str, value: float) -> None:
    rejected(client, f"{field}: Extra inputs are not permitted", model="claude-sonnet-4-6", extra_body={field: value})


def test_sampling_on_old_version_for_new_models(client: anthropic.Anthropic) -> None:
    rejected(
        client,
        "temperature: `temperature` is deprecated for this model.",
        model="claude-opus-4-7",
        extra_body={"temperature": 0.3},
        extra_headers={"anthropic-version": "2023-06-01"},
    )


def test_prefill(client: anthropic.Anthropic) -> None:
    messages = [*HI, {"role": "assistant", "content": "<answer>"}]
    rejected(client, "This model does not support assistant message prefill.", messages=messages)


MANUAL = {"type": "enabled", "budget_tokens": 1024}


def test_forced_tool_choice_with_thinking(client: anthropic.Anthropic) -> None:
    message = rejected(
        client,
        "Thinking may not be enabled",
        model="claude-sonnet-4-6",
        tools=[CALC],
        tool_choice={"type": "any"},
        thinking=MANUAL,
    )
    assert message == "Thinking may not be enabled when tool_choice forces tool use."


def test_forced_tool_choice_on_model_that_forbids_it(client: anthropic.Anthropic) -> None:
    rejected(client, "tool_choice.type: `tool` (forced", tools=[CALC], tool_choice={"type": "tool", "name": "calc"})


def test_invalid_tool_name(client: anthropic.Anthropic) -> None:
    tool = {"name": "get weather", "input_schema": {"type": "object"}}
    rejected(client, "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'", tools=[tool])


def test_continuation_without_thinking_block(client: anthropic.Anthropic) -> None:
    messages = [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "calc", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "4"}]},
    ]
    message = rejected(
        client, "messages.1.content.0.type: Expected `thinking`", model="claude-sonnet-4-6", thinking=MANUAL,
        tools=[CALC], messages=messages,
    )  # fmt: skip
    assert "but found `tool_use`" in message


def test_forged_signature(client: anthropic.Anthropic) -> None:
    forged = [{"type": "thinking", "thinking": "2+2=4", "signature": "Zm9yZ2Vk"}, {"type": "text", "text": "4"}]
    messages = [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": forged},
        {"role": "user", "content": "Thanks"},
    ]
    rejected(client, "messages.1.content.0: Invalid `signature` in `thinking` block.", messages=messages)


def test_count_tokens_refuses_max_tokens(client: anthropic.Anthropic) -> None:
    rejected(client, "max_tokens: Extra inputs are not permitted", count=True, extra_body={"max_tokens": 10})


def test_count_tokens_applies_thinking_rules(client: anthropic.Anthropic) -> None:
    thinking = {"type": "enabled", "budget_tokens": 2048}
    rejected(client, "thinking.type.enabled is not supported", count=True, thinking=thinking)


def test_extra_top_level_field(client: anthropic.Anthropic) -> None:
    rejected(client, "frequency_penalty: Extra inputs are not permitted", extra_body={"frequency_penalty": 0.1})


# --- real replies replay cleanly; edited replays do not -----------------------------------------

TOOLS = [
    {"name": spec["function"]["name"], "description": spec["function"]["description"],
     "input_schema": spec["function"]["parameters"]}
    for spec in TOOL_SPECS
]  # fmt: skip
LOOPS = [
    ("claude-opus-5-5", None),
    ("claude-sonnet-5-5", {"type": "between_tools"}),
    ("claude-haiku-5-5", {"type": "adaptive", "display": "summarized"}),
    ("claude-sonnet-4-6", {"type": "enabled", "budget_tokens": 2048}),
    ("claude-haiku-4-5", {"type": "enabled", "budget_tokens": 1024}),
    ("claude-opus-4-8", None),
]


def _tool_loop(client: anthropic.Anthropic, model: str, thinking: Any, *, stream: bool) -> list[Any]:
    """Run a tool task to its end, replaying each reply's content objects as the SDK returns them."""
    task = load_tasks(category="tool")[0]
    messages: list[Any] = [{"role": "user", "content": task.prompt}]
    extra = {"thinking": thinking} if thinking else {}
    for _ in range(8):
        if stream:
            with client.messages.stream(model=model, max_tokens=8000, messages=messages, tools=TOOLS, **extra) as s:
                reply = s.get_final_message()
        else:
            reply = client.messages.create(model=model, max_tokens=8000, messages=messages, tools=TOOLS, **extra)
        messages.append({"role": "assistant", "content": reply.content})
        if reply.stop_reason != "tool_use":
            return messages
        results = [
            {"type": "tool_result", "tool_use_id": block.id, "content": run_tool(block.name, block.input)}
            for block in reply.content
            if block.type == "tool_use"
        ]
        messages.append({"role": "user", "content": results})
    raise AssertionError("the tool loop did not finish in 8 replies")


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
@pytest.mark.parametrize(("model", "thinking"), LOOPS, ids=[m for m, _ in LOOPS])
def test_tool_loop_replays_are_accepted(client: anthropic.Anthropic, model: str, thinking: Any, stream: bool) -> None:
    messages = _tool_loop(client, model, thinking, stream=stream)
    assert len(messages) >= 3
    assert any(getattr(b, "type", "") == "tool_use" for m in messages[1:2] for b in m["content"])


def _answered_with_thinking(client: anthropic.Anthropic, model: str) -> list[Any]:
    first = [{"role": "user", "content": "What is 123 * 456?"}]
    reply = client.messages.create(model=model, max_tokens=8000, messages=first)
    assert reply.content[0].type == "thinking"
    return [*first, {"role": "assistant", "content": reply.content}, {"role": "user", "content": "And 7 * 8?"}]


def test_edited_history_is_rejected_on_bound_models(client: anthropic.Anthropic) -> None:
    messages = _answered_with_thinking(client, "claude-fable-5-2")
    assert client.messages.create(model="claude-fable-5-2", max_tokens=8000, messages=messages).stop_reason
    messages[0] = {"role": "user", "content": "What is 124 * 456?"}
    message = rejected(client, "messages.1.content.0: Invalid `signature`", model="claude-fable-5-2", messages=messages)
    assert "bound to a different conversation" in message
    rejected(
        client,
        "messages.1.content.0: Invalid `signature`",
        model="claude-fable-5-2",
        messages=messages,
        system="You are a calculator.",
    )


def test_edited_thinking_is_rejected(client: anthropic.Anthropic) -> None:
    messages = _answered_with_thinking(client, "claude-opus-5-5")
    thinking = messages[1]["content"][0]
    messages[1] = {"role": "assistant", "content": [
        {"type": "thinking", "thinking": thinking.thinking + " (edited)", "signature": thinking.signature},
        *messages[1]["content"][1:],
    ]}  # fmt: skip
    rejected(client, "messages.1.content.0: Invalid `signature` in `thinking` block.", messages=messages)


def test_thinking_replayed_to_another_model_is_rejected(client: anthropic.Anthropic) -> None:
    messages = _answered_with_thinking(client, "claude-opus-5-5")
    rejected(client, "messages.1.content.0: Invalid `signature`", model="claude-sonnet-5-5", messages=messages)


def test_dropping_the_thinking_block_of_a_tool_call_is_rejected(client: anthropic.Anthropic) -> None:
    messages = _tool_loop(client, "claude-sonnet-4-6", MANUAL, stream=False)
    call = messages[1]["content"]
    messages = [messages[0], {"role": "assistant", "content": [b for b in call if b.type != "thinking"]}, messages[2]]
    rejected(client, "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`", messages=messages,
             tools=TOOLS, model="claude-sonnet-4-6", thinking=MANUAL)  # fmt: skip
