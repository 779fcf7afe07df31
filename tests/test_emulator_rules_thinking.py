"""Thinking rules: config vs catalog, effort, forced tool choice, continuation order, signatures."""

from __future__ import annotations

from typing import Any

import pytest
from rules_support import CALC, SIGNER, H, bad, ok, req, tool_turn

from labkit.core._catalog import THINKING_TYPES, ModelInfo, list_models
from labkit.emulator.rules._problems import ApiProblem
from labkit.emulator.rules._signing import reply_prefix
from labkit.emulator.rules._validate import validate_count_tokens_request

LIVE: list[ModelInfo] = [m for m in list_models() if m.lifecycle != "retired"]  # type: ignore[union-attr]


def _config(kind: str) -> dict[str, Any]:
    return {"type": kind, "budget_tokens": 1024} if kind == "enabled" else {"type": kind}


@pytest.mark.parametrize("info", LIVE, ids=lambda m: m.id)
@pytest.mark.parametrize("kind", THINKING_TYPES)
def test_thinking_type_accepted_exactly_where_the_catalog_says(info: ModelInfo, kind: str) -> None:
    body = req(info.id, thinking=_config(kind))
    if kind in info.thinking_types:
        assert ok(body) == info.id
    else:
        bad(body, f"thinking.type.{kind} is not supported for")


def test_enabled_on_adaptive_only_model() -> None:
    message = bad(req(thinking={"type": "enabled", "budget_tokens": 1024}), "thinking.type.enabled")
    assert message == (
        "thinking.type.enabled is not supported for this model. "
        "Use thinking.type.adaptive and output_config.effort to control thinking behavior."
    )


def test_disabled_on_always_thinking_model() -> None:
    bad(req(thinking={"type": "disabled"}), "thinking.type.disabled is not supported for this model. Use thinking")
    message = bad(req("claude-sonnet-5-5", thinking={"type": "disabled"}), "thinking.type.disabled")
    assert "thinking.type.between_tools" in message


def test_adaptive_on_budget_only_model() -> None:
    bad(req("claude-haiku-4-5", thinking={"type": "adaptive"}), "thinking.type.adaptive is not supported")


def test_between_tools_only_on_sonnet_5_5() -> None:
    bad(req("claude-opus-5", thinking={"type": "between_tools"}), "thinking.type.between_tools is not supported")
    assert ok(req("claude-sonnet-5-5", thinking={"type": "between_tools"})) == "claude-sonnet-5-5"


@pytest.mark.parametrize("budget", [0, 1023])
def test_budget_below_minimum(budget: int) -> None:
    body = req("claude-sonnet-4-6", thinking={"type": "enabled", "budget_tokens": budget})
    bad(body, "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")


@pytest.mark.parametrize("budget", [2048, 4096])
def test_budget_not_below_max_tokens(budget: int) -> None:
    body = req("claude-sonnet-4-6", max_tokens=2048, thinking={"type": "enabled", "budget_tokens": budget})
    bad(body, "thinking.enabled.budget_tokens: must be less than max_tokens")


def test_interleaved_beta_lifts_the_max_tokens_bound() -> None:
    body = req("claude-sonnet-4-5", max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 8000})
    assert ok(body, {**H, "anthropic-beta": "interleaved-thinking-2025-05-14"}) == "claude-sonnet-4-5"


def test_budget_shape() -> None:
    bad(req("claude-sonnet-4-6", thinking={"type": "enabled"}), "thinking.enabled.budget_tokens: Field required")
    bad(req(thinking={"type": "maybe"}), "thinking.type: Input tag 'maybe' found using 'type'")
    bad(req(thinking="adaptive"), "thinking: Input should be a valid dictionary")
    extra = {"type": "adaptive", "budget_tokens": 2000}
    bad(req(thinking=extra), "thinking.adaptive.budget_tokens: Extra inputs are not permitted")


def test_display_values() -> None:
    bad(req(thinking={"type": "adaptive", "display": "full"}), "thinking.adaptive.display: Input should be")
    bad(req(thinking={"type": "adaptive", "display": "updates"}), "thinking.adaptive.display:")
    beta = {**H, "anthropic-beta": "thinking-display-updates-2026-08-18"}
    assert ok(req(thinking={"type": "adaptive", "display": "updates"}), beta) == "claude-opus-5-5"
    assert ok(req(thinking={"type": "adaptive", "display": "omitted"})) == "claude-opus-5-5"


# --- effort --------------------------------------------------------------------------------------


def test_effort_level_the_model_lacks() -> None:
    body = req("claude-haiku-5-5", output_config={"effort": "xhigh"})
    bad(body, "output_config.effort: 'xhigh' is not supported for claude-haiku-5-5")


def test_effort_on_model_without_effort() -> None:
    body = req("claude-sonnet-4-5", output_config={"effort": "low"})
    bad(body, "output_config.effort: effort is not supported for claude-sonnet-4-5")


def test_effort_value_must_be_known() -> None:
    bad(req(output_config={"effort": "extreme"}), "output_config.effort: Input should be 'low', 'medium'")


def test_disabled_thinking_caps_effort() -> None:
    body = req("claude-opus-5", thinking={"type": "disabled"}, output_config={"effort": "xhigh"})
    bad(body, "output_config.effort: 'xhigh' is not supported with thinking.type.disabled")
    ok_body = req("claude-opus-5", thinking={"type": "disabled"}, output_config={"effort": "high"})
    assert ok(ok_body) == "claude-opus-5"


def test_output_config_shape() -> None:
    bad(req(output_config={"effort": "low", "budget": 3}), "output_config.budget: Extra inputs are not permitted")
    fmt = {"format": {"type": "json_object"}}
    bad(req(output_config=fmt), "output_config.format.type: Input tag 'json_object'")


MANUAL = {"type": "enabled", "budget_tokens": 1024}


# --- forced tool choice --------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "claude-opus-4-6", "claude-haiku-4-5"])
def test_forced_tool_choice_with_manual_thinking(model: str) -> None:
    body = req(model, tools=[CALC], tool_choice={"type": "any"}, thinking={"type": "enabled", "budget_tokens": 1024})
    assert bad(body, "Thinking may not") == "Thinking may not be enabled when tool_choice forces tool use."


@pytest.mark.parametrize(
    ("model", "thinking"), [("claude-opus-4-6", {"type": "adaptive"}), ("claude-opus-4-8", {"type": "adaptive"}),
                            ("claude-opus-5", None)],
)  # fmt: skip
def test_forced_tool_choice_with_adaptive_thinking_is_accepted(model: str, thinking: dict[str, Any] | None) -> None:
    """Real traffic: pydantic-ai's recorded opus-4-6 request with adaptive thinking and tool_choice
    ``any`` got a 200 (the model answered with the tool call and no thinking)."""
    body = req(model, tools=[CALC], tool_choice={"type": "any"}, thinking=thinking if thinking else ...)
    assert ok(body) == model


def test_forced_tool_choice_without_thinking_is_fine_where_allowed() -> None:
    body = req("claude-opus-4-8", tools=[CALC], tool_choice={"type": "tool", "name": "calc"})
    assert ok(body) == "claude-opus-4-8"


@pytest.mark.parametrize("model", ["claude-opus-5-5", "claude-sonnet-5-5", "claude-fable-5-1"])
def test_forced_tool_choice_on_models_that_forbid_it(model: str) -> None:
    bad(req(model, tools=[CALC], tool_choice={"type": "any"}), "tool_choice.type: `any` (forced tool use)")


# --- replayed thinking ---------------------------------------------------------------------------


def test_tool_continuation_must_start_with_thinking() -> None:
    body = tool_turn(req("claude-sonnet-4-6", tools=[CALC], thinking=MANUAL), thinking=None)
    message = bad(body, "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`.")
    assert "a final `assistant` message must start with a thinking block" in message


@pytest.mark.parametrize("model", ["claude-opus-5-5", "claude-opus-5", "claude-fable-5"])
def test_adaptive_thinking_may_skip_a_tool_turn_s_thinking(model: str) -> None:
    """Real traffic: pydantic-ai's recorded tool loops on Opus 5, Sonnet 5 and Fable 5 (adaptive by
    default) replay assistant turns without thinking blocks and get 200s."""
    assert ok(tool_turn(req(model, tools=[CALC]), thinking=None)) == model


def test_tool_continuation_text_first_names_text() -> None:
    body = tool_turn(req("claude-sonnet-4-6", tools=[CALC], thinking={"type": "enabled", "budget_tokens": 1024}))
    body["messages"][1]["content"].insert(0, {"type": "text", "text": "Let me compute."})
    bad(body, "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`.")


def test_tool_continuation_without_thinking_when_thinking_is_off() -> None:
    assert ok(tool_turn(req("claude-opus-4-8", tools=[CALC]), thinking=None)) == "claude-opus-4-8"


@pytest.mark.parametrize("redacted", [False, True])
def test_signed_continuation_is_accepted(redacted: bool) -> None:
    assert ok(tool_turn(req("claude-opus-5-5", tools=[CALC]), redacted=redacted)) == "claude-opus-5-5"


def test_edited_thinking_text_fails_signature() -> None:
    body = tool_turn(req("claude-opus-5-5", tools=[CALC]))
    body["messages"][1]["content"][0]["thinking"] = "step 1 (edited)"
    assert bad(body, "messages.1.content.0:") == "messages.1.content.0: Invalid `signature` in `thinking` block."


def test_forged_signature_fails() -> None:
    body = tool_turn(req("claude-opus-4-8", tools=[CALC], thinking={"type": "adaptive"}))
    body["messages"][1]["content"][0]["signature"] = "c2lnbmF0dXJl"
    bad(body, "messages.1.content.0: Invalid `signature` in `thinking` block.")


def test_edited_history_fails_on_bound_models() -> None:
    body = tool_turn(req("claude-opus-5-5", tools=[CALC]))
    body["messages"][0]["content"] = "What is 3+3?"
    message = bad(body, "messages.1.content.0: Invalid `signature` in `thinking` block.")
    assert "The block is bound to a different conversation." in message
    system_edit = {**tool_turn(req("claude-opus-5-5", tools=[CALC])), "system": "New system prompt."}
    bad(system_edit, "messages.1.content.0: Invalid `signature` in `thinking` block. The block is bound")


def test_edited_history_is_fine_on_unbound_models() -> None:
    body = tool_turn(req("claude-sonnet-4-6", tools=[CALC], thinking={"type": "enabled", "budget_tokens": 1024}))
    body["messages"][0]["content"] = "What is 3+3?"
    assert ok(body) == "claude-sonnet-4-6"


def test_block_from_another_model_fails() -> None:
    body = tool_turn(req("claude-opus-5-5", tools=[CALC]))
    bad({**body, "model": "claude-fable-5-2"}, "messages.1.content.0: Invalid `signature` in `thinking` block.")


def test_edited_redacted_data_fails() -> None:
    body = tool_turn(req("claude-opus-5-5", tools=[CALC]), redacted=True)
    body["messages"][1]["content"][0]["data"] = "AAAA" + body["messages"][1]["content"][0]["data"][4:]
    bad(body, "messages.1.content.0: Invalid `data` in `redacted_thinking` block.")


def test_drop_block_beta_tolerates_prefix_mismatch_only() -> None:
    thinking = {"type": "adaptive", "block_binding": {"prefix_mismatch_behavior": "drop_block"}}
    body = tool_turn(req("claude-opus-5-5", tools=[CALC], thinking=thinking))
    body["messages"][0]["content"] = "What is 3+3?"
    beta = {**H, "anthropic-beta": "thinking-binding-controls-2026-08-01"}
    assert ok(body, beta) == "claude-opus-5-5"
    body["messages"][1]["content"][0]["thinking"] = "edited"
    bad(body, "messages.1.content.0: Invalid `signature`", beta)


def test_signature_is_required_on_thinking_blocks() -> None:
    body = tool_turn(req("claude-opus-5-5", tools=[CALC]))
    del body["messages"][1]["content"][0]["signature"]
    bad(body, "messages.1.content.0.signature: Field required")


def test_final_block_cannot_be_thinking() -> None:
    params = req("claude-haiku-4-5", thinking={"type": "enabled", "budget_tokens": 1024})
    sig = SIGNER.sign("t", model="claude-haiku-4-5", prefix=reply_prefix(params))
    last = {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": sig}]}
    body = {**params, "messages": [*params["messages"], last]}
    bad(body, "messages.1: The final block in an assistant message cannot be `thinking`.")


def test_final_assistant_thinking_when_thinking_disabled() -> None:
    params = req("claude-haiku-4-5")
    sig = SIGNER.sign("t", model="claude-haiku-4-5", prefix=reply_prefix(params))
    blocks = [{"type": "thinking", "thinking": "t", "signature": sig}, {"type": "text", "text": "The answer"}]
    body = {**params, "messages": [*params["messages"], {"role": "assistant", "content": blocks}]}
    bad(body, "messages.1: When thinking is disabled, an `assistant` message in the final position")


def test_replayed_multi_turn_conversation_verifies_every_block() -> None:
    first = tool_turn(req("claude-opus-5-5", tools=[CALC]))
    answer = {"role": "assistant", "content": [{"type": "text", "text": "4"}]}
    body = {**first, "messages": [*first["messages"], answer, {"role": "user", "content": "And 3+3?"}]}
    assert ok(body) == "claude-opus-5-5"
    body["messages"][1]["content"][0]["thinking"] = "tampered"
    bad(body, "messages.1.content.0: Invalid `signature`")


def test_count_tokens_verifies_signatures_only_with_a_signer() -> None:
    body = {k: v for k, v in tool_turn(req("claude-opus-5-5", tools=[CALC])).items() if k != "max_tokens"}
    body["messages"][1]["content"][0]["thinking"] = "tampered"
    assert validate_count_tokens_request(body, H).id == "claude-opus-5-5"
    with pytest.raises(ApiProblem, match="Invalid `signature`"):
        validate_count_tokens_request(body, H, signer=SIGNER)


def _second_call(body: dict[str, Any], *, thinking: bool) -> dict[str, Any]:
    """``body`` (ending in a tool_result) continued by another tool call and its result."""
    blocks: list[dict[str, Any]] = []
    if thinking:
        sig = SIGNER.sign("step 2", model=body["model"], prefix=reply_prefix(body))
        blocks.append({"type": "thinking", "thinking": "step 2", "signature": sig})
    blocks.append({"type": "tool_use", "id": "toolu_2", "name": "calc", "input": {"expr": "4*3"}})
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_2", "content": "12"}]}
    return {**body, "messages": [*body["messages"], {"role": "assistant", "content": blocks}, result]}


def test_later_calls_of_a_tool_loop_need_no_thinking_block() -> None:
    params = req("claude-sonnet-4-6", tools=[CALC], thinking={"type": "enabled", "budget_tokens": 1024})
    assert ok(_second_call(tool_turn(params), thinking=False)) == "claude-sonnet-4-6"
    assert ok(_second_call(tool_turn(req("claude-opus-5-5", tools=[CALC])), thinking=True)) == "claude-opus-5-5"


def test_first_call_of_a_tool_loop_needs_its_thinking_block() -> None:
    first = tool_turn(req("claude-sonnet-4-6", tools=[CALC], thinking=MANUAL), thinking=None)
    body = _second_call(first, thinking=True)
    bad(body, "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`.")


def test_a_new_prompt_starts_a_new_tool_loop() -> None:
    first = tool_turn(req("claude-opus-5-5", tools=[CALC]), thinking=None)
    first["thinking"] = {"type": "adaptive"}
    answered = [*first["messages"], {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 4*3?"}]
    body = _second_call({**first, "model": "claude-opus-4-8", "messages": answered}, thinking=True)
    assert ok(body) == "claude-opus-4-8"
