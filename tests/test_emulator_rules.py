"""Request validation: every rule gets a 400/404/413 whose message names the field first."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import CALC, LIVE_MODELS, OLD, SIGNER, H, bad, ok, problem, req

import labkit
from labkit.core._catalog import get_model
from labkit.emulator.rules._problems import ApiProblem
from labkit.emulator.rules._validate import check_body_size, validate_count_tokens_request, validate_messages_request

# --- model, version, top-level fields ------------------------------------------------------------


@pytest.mark.parametrize("model", LIVE_MODELS)
def test_minimal_request_is_valid_for_every_live_model(model: str) -> None:
    assert ok(req(model)) == get_model(model).id


def test_unknown_model_is_404() -> None:
    err = problem(req("claude-nonexistent-9"))
    assert (err.status, err.error_type, err.message) == (404, "not_found_error", "model: claude-nonexistent-9")


def test_retired_model_is_404() -> None:
    err = problem(req("claude-mythos-preview"))
    assert (err.status, err.message) == (404, "model: claude-mythos-preview")


def test_model_is_required() -> None:
    bad(req(model=...), "model: Field required")


def test_anthropic_version_is_required_and_known() -> None:
    bad(req(), "anthropic-version: header is required", headers={})
    bad(req(), "anthropic-version: '2099-01-01' is not a valid version", headers={"anthropic-version": "2099-01-01"})


def test_headers_are_case_insensitive() -> None:
    assert ok(req(), {"Anthropic-Version": "2026-10-21"}) == "claude-opus-5-5"


def test_body_must_be_an_object() -> None:
    bad([1, 2], "body: Input should be a valid dictionary or object")


def test_unknown_top_level_field_is_extra_input() -> None:
    assert bad(req(frequency_penalty=0.5), "frequency_penalty: Extra inputs are not permitted")


def test_every_ga_body_field_is_accepted() -> None:
    body = req(
        "claude-opus-4-8",
        system=[{"type": "text", "text": "Be brief."}],
        stream=False,
        stop_sequences=["END"],
        metadata={"user_id": "u-1"},
        tools=[CALC],
        tool_choice={"type": "auto", "disable_parallel_tool_use": True},
        thinking={"type": "adaptive", "display": "summarized"},
        output_config={"effort": "xhigh", "format": {"type": "json_schema", "schema": {"type": "object"}}},
        service_tier="auto",
        speed="standard",
        cache_control={"type": "ephemeral", "ttl": "1h"},
        container="container_1",
        inference_geo="us",
        diagnostics={"previous_message_id": None},
    )
    assert ok(body) == "claude-opus-4-8"


def test_beta_fields_need_a_beta_header() -> None:
    bad(req(context_management={}), "context_management: Extra inputs are not permitted")
    assert ok(req(context_management={}), {**H, "anthropic-beta": "context-management-2025-06-27"})


@pytest.mark.parametrize(("field", "value"), [("temperature", 1.0), ("top_p", 0.9), ("top_k", 5)])
def test_sampling_parameters_rejected_under_2026_10_21(field: str, value: float) -> None:
    bad(req("claude-sonnet-4-6", **{field: value}), f"{field}: Extra inputs are not permitted")


def test_sampling_on_2023_06_01_rejected_on_opus_4_7_and_later() -> None:
    assert bad(req("claude-opus-4-7", temperature=0.5), "temperature:", OLD).endswith(
        "`temperature` is deprecated for this model."
    )
    bad(req("claude-fable-5-2", top_k=40), "top_k: `top_k` is deprecated for this model.", OLD)
    assert ok(req("claude-sonnet-4-6", temperature=0.2, top_p=0.9, top_k=40), OLD) == "claude-sonnet-4-6"


def test_sampling_on_2023_06_01_with_budget_thinking() -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    bad(req("claude-sonnet-4-6", temperature=0.5, thinking=thinking), "temperature: `temperature` may only be", OLD)
    bad(req("claude-sonnet-4-6", top_k=5, thinking=thinking), "top_k: `top_k` is not allowed", OLD)
    bad(req("claude-sonnet-4-6", top_p=0.5, thinking=thinking), "top_p: `top_p` must be between 0.95 and 1", OLD)
    bad(req("claude-sonnet-4-6", temperature=1.5), "temperature: Input should be a number between 0 and 1", OLD)


@pytest.mark.parametrize(
    ("fields", "prefix"),
    [
        ({"stream": "yes"}, "stream: Input should be a valid boolean"),
        ({"stop_sequences": "END"}, "stop_sequences: Input should be a valid list"),
        ({"metadata": {"user_id": "u", "email": "x"}}, "metadata.email: Extra inputs are not permitted"),
        ({"service_tier": "priority"}, "service_tier: Input should be 'auto' or 'standard_only'"),
        ({"speed": "warp"}, "speed: Input should be 'standard' or 'fast'"),
        ({"system": [{"type": "text", "text": ""}]}, "system: text content blocks must be non-empty"),
        ({"cache_control": {"type": "ephemeral", "ttl": "2h"}}, "cache_control.ttl: Input should be '5m' or '1h'"),
    ],
)
def test_top_level_field_types(fields: dict[str, Any], prefix: str) -> None:
    bad(req(**fields), prefix)


def test_body_size_limit_is_413() -> None:
    check_body_size(1000)
    with pytest.raises(ApiProblem) as caught:
        check_body_size(33 * 1024 * 1024)
    assert (caught.value.status, caught.value.error_type) == (413, "request_too_large")


# --- max_tokens ----------------------------------------------------------------------------------


def test_max_tokens_above_model_limit() -> None:
    assert bad(req(max_tokens=200_000), "max_tokens:") == (
        "max_tokens: 200000 > 128000, which is the maximum allowed number of output tokens for claude-opus-5-5"
    )
    bad(req("claude-haiku-4-5", max_tokens=64_001), "max_tokens: 64001 > 64000")


@pytest.mark.parametrize(
    ("value", "prefix"),
    [
        (..., "max_tokens: Field required"),
        (-1, "max_tokens: Input should be greater than or equal to 0"),
        ("100", "max_tokens: Input should be a valid integer"),
        (True, "max_tokens: Input should be a valid integer"),
    ],
)
def test_max_tokens_shape(value: Any, prefix: str) -> None:
    bad(req(max_tokens=value), prefix)


def test_max_tokens_zero_is_allowed() -> None:
    assert ok(req(max_tokens=0)) == "claude-opus-5-5"


# --- tools and tool_choice -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["get weather", "", "x" * 129, "café", "a.b"])
def test_invalid_tool_names(name: str) -> None:
    tool = {"name": name, "input_schema": {"type": "object"}}
    assert bad(req(tools=[CALC, tool]), "tools.1.custom.name:") == (
        "tools.1.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"
    )


def test_duplicate_tool_names() -> None:
    bad(req(tools=[CALC, CALC]), "tools: Tool names must be unique; duplicated: calc")


@pytest.mark.parametrize(
    ("tool", "prefix"),
    [
        ({"name": "calc"}, "tools.0.custom.input_schema: Field required"),
        ({"name": "calc", "input_schema": {"type": "array"}}, "tools.0.custom.input_schema.type: Input should be"),
        ({"name": "calc", "input_schema": "object"}, "tools.0.custom.input_schema: Input should be a valid dict"),
        ({**CALC, "parameters": {}}, "tools.0.custom.parameters: Extra inputs are not permitted"),
        ({"type": "function", "function": CALC}, "tools.0.type: Input tag 'function' found using 'type'"),
    ],
)
def test_tool_definition_shape(tool: dict[str, Any], prefix: str) -> None:
    bad(req(tools=[tool]), prefix)


def test_server_tools_are_accepted() -> None:
    tools = [CALC, {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]
    assert ok(req(tools=tools)) == "claude-opus-5-5"


def test_tool_choice_must_name_a_known_tool() -> None:
    choice = {"type": "tool", "name": "lookup"}
    bad(req("claude-opus-4-8", tools=[CALC], tool_choice=choice), "tool_choice.tool.name: Tool 'lookup' not found")


def test_forced_tool_choice_needs_tools() -> None:
    bad(req("claude-opus-4-8", tool_choice={"type": "any"}), "tool_choice: `tools` must be provided")


def test_tool_choice_shape() -> None:
    bad(req(tools=[CALC], tool_choice={"type": "required"}), "tool_choice.type: Input tag 'required'")
    none = {"type": "none", "disable_parallel_tool_use": True}
    bad(req(tools=[CALC], tool_choice=none), "tool_choice.none.disable_parallel_tool_use: Extra inputs")


# --- count_tokens --------------------------------------------------------------------------------


def test_count_tokens_takes_no_max_tokens() -> None:
    body = req(max_tokens=...)
    assert validate_count_tokens_request(body, H).id == "claude-opus-5-5"
    bad(req(), "max_tokens: Extra inputs are not permitted", count=True)


@pytest.mark.parametrize(
    "field",
    ["stream", "stop_sequences", "metadata", "service_tier", "container", "inference_geo", "temperature"],
)
def test_count_tokens_refuses_generation_fields(field: str) -> None:
    body = {**req(max_tokens=...), field: "x"}
    bad(body, f"{field}: Extra inputs are not permitted", count=True)


def test_count_tokens_applies_the_same_rules() -> None:
    body = req(max_tokens=..., thinking={"type": "enabled", "budget_tokens": 2048})
    bad(body, "thinking.type.enabled is not supported for this model.", count=True)
    assert problem(req("claude-nope", max_tokens=...), count=True).status == 404
    big_budget = req("claude-sonnet-4-6", max_tokens=..., thinking={"type": "enabled", "budget_tokens": 500_000})
    assert validate_count_tokens_request(big_budget, H).id == "claude-sonnet-4-6"


# --- properties and purity -----------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(max_tokens=st.integers(0, 200_000), budget=st.integers(0, 200_000))
def test_budget_and_max_tokens_accepted_exactly_inside_the_limits(max_tokens: int, budget: int) -> None:
    body = req("claude-sonnet-4-6", max_tokens=max_tokens, thinking={"type": "enabled", "budget_tokens": budget})
    valid = max_tokens <= 128_000 and 1024 <= budget < max_tokens
    if valid:
        assert ok(body) == "claude-sonnet-4-6"
    else:
        assert problem(body).message.split(":")[0] in ("max_tokens", "thinking.enabled.budget_tokens")


RULE_MODULES = ("_validate", "_base", "_messages", "_thinking", "_signing")
ALLOWED_IMPORTS = {"__future__", "base64", "binascii", "collections", "dataclasses", "hashlib", "hmac", "json", "re",
                   "typing", "labkit"}  # fmt: skip


@pytest.mark.parametrize("name", RULE_MODULES)
def test_rule_and_signing_modules_are_pure(name: str) -> None:
    source = (Path(labkit.__file__).parent / "emulator" / "rules" / f"{name}.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
            if node.module and node.module.startswith("labkit.emulator."):
                assert node.module.split(".")[:3] == ["labkit", "emulator", "rules"], node.module
                assert node.module.split(".")[-1] in (*RULE_MODULES, "_problems", "rules"), node.module
        else:
            continue
        assert roots <= ALLOWED_IMPORTS, f"{name}.py imports {roots - ALLOWED_IMPORTS}"


_WORDS = (
    "", "user", "assistant", "system", "text", "thinking", "tool_use", "tool_result", "enabled", "adaptive",
    "disabled", "any", "tool", "calc", "high", "xhigh", "claude-opus-5-5", "claude-sonnet-4-6", "object",
)  # fmt: skip
_KEYS = (
    "type", "role", "content", "text", "name", "input", "id", "tool_use_id", "thinking", "signature", "data",
    "budget_tokens", "effort", "input_schema", "display",
)  # fmt: skip
_FIELDS = (
    "max_tokens",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "output_config",
    "stream",
    "metadata",
)
_leaf = st.none() | st.booleans() | st.integers(-5, 300_000) | st.sampled_from(_WORDS)
_json = st.recursive(
    _leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4),
    max_leaves=20,
)
_bodies = st.fixed_dictionaries(
    {"model": st.sampled_from(["claude-opus-5-5", "claude-sonnet-4-6", "claude-haiku-4-5"])},
    optional=dict.fromkeys(_FIELDS, _json),
)


@settings(max_examples=150, deadline=None)
@given(body=_bodies)
def test_any_body_is_answered_with_an_api_problem_or_accepted(body: dict[str, Any]) -> None:
    """No input makes validation crash: it either accepts or raises an `ApiProblem` (never a 500)."""
    counted = {k: v for k, v in body.items() if k not in ("max_tokens", "stream", "metadata")}
    for validate, params in ((validate_messages_request, body), (validate_count_tokens_request, counted)):
        try:
            validate(params, H, signer=SIGNER)
        except ApiProblem as err:
            assert err.status in (400, 404) and err.message


_block = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "thinking", "redacted_thinking", "tool_use", "tool_result", "image"])},
    optional={
        "text": st.sampled_from(["", "hi", "x "]),
        "thinking": st.sampled_from(["", "step"]),
        "signature": st.sampled_from(["", "Zm9v", 3]),
        "data": st.just("Zm9v"),
        "id": st.sampled_from(["toolu_1", "toolu_2"]),
        "tool_use_id": st.sampled_from(["toolu_1", "toolu_2"]),
        "name": st.just("calc"),
        "input": st.sampled_from([{}, {"a": 1}]),
    },
)
_message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system"]),
        "content": st.sampled_from(["Hi", ""]) | st.lists(_block, max_size=3),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(["claude-opus-5-5", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-sonnet-5-5"]),
    messages=st.lists(_message, min_size=1, max_size=5),
    thinking=st.sampled_from([None, {"type": "adaptive"}, {"type": "enabled", "budget_tokens": 1024}]),
)
def test_any_conversation_is_answered_with_an_api_problem_or_accepted(
    model: str, messages: list[dict[str, Any]], thinking: dict[str, Any] | None
) -> None:
    body = req(model, messages=messages, tools=[CALC], thinking=thinking if thinking else ...)
    try:
        ok(body)
    except ApiProblem as err:
        assert err.status == 400 and err.message
