"""The emulator's rules through the official SDK: each mistake is an `anthropic.BadRequestError`
(or NotFoundError) whose API message names the field, and real replies replay cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from labkit.emulator import Emulator

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


def test_forced_tool_choice_with_thinking(client: anthropic.Anthropic) -> None:
    message = rejected(
        client,
        "Thinking may not be enabled",
        model="claude-opus-4-8",
        tools=[CALC],
        tool_choice={"type": "any"},
        thinking={"type": "adaptive"},
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
    message = rejected(client, "messages.1.content.0.type: Expected `thinking`", tools=[CALC], messages=messages)
    assert "but found `tool_use`" in message


def test_forged_signature(client: anthropic.Anthropic) -> None:
    messages = [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "2+2=4", "signature": "Zm9yZ2Vk"}]},
    ]
    messages[1]["content"].append({"type": "text", "text": "4"})  # type: ignore[attr-defined]
    messages.append({"role": "user", "content": "Thanks"})
    rejected(client, "messages.1.content.0: Invalid `signature` in `thinking` block.", messages=messages)


def test_count_tokens_refuses_max_tokens(client: anthropic.Anthropic) -> None:
    rejected(client, "max_tokens: Extra inputs are not permitted", count=True, extra_body={"max_tokens": 10})


def test_count_tokens_applies_thinking_rules(client: anthropic.Anthropic) -> None:
    thinking = {"type": "enabled", "budget_tokens": 2048}
    rejected(client, "thinking.type.enabled is not supported", count=True, thinking=thinking)


def test_extra_top_level_field(client: anthropic.Anthropic) -> None:
    rejected(client, "frequency_penalty: Extra inputs are not permitted", extra_body={"frequency_penalty": 0.1})
