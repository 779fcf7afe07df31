"""labkit's local input-token estimate: breakdown, kwargs overhead, independence from the emulator tokenizer."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import labkit.tokens._estimate as estimate_module
from labkit.convert._inner_thoughts import inject_inner_thoughts
from labkit.core._errors import ConfigError
from labkit.tokens._estimate import (
    BLOCK_OVERHEAD,
    CHARS_PER_TOKEN,
    MESSAGE_OVERHEAD,
    estimate_request,
    estimate_text_tokens,
)
from labkit.tokens._tokenizer import count_request_tokens
from labkit.tokens._walk import TOOL_USE_SYSTEM_TOKENS

CALCULATOR = {
    "name": "calculator",
    "description": "Evaluate an arithmetic expression.",
    "input_schema": {
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "e.g. (347 * 14) - 200"}},
        "required": ["expression"],
    },
}


def _params(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "What is 347 * 14 - 200? Think step by step."}],
    }
    base.update(kw)
    return base


def test_text_rule() -> None:
    assert estimate_text_tokens("") == 0
    assert estimate_text_tokens("x" * 36) == 10
    assert estimate_text_tokens("x" * 37) == math.ceil(37 / CHARS_PER_TOKEN)


def test_breakdown_of_a_plain_request() -> None:
    est = estimate_request(_params(system="You are terse."))
    prompt = "What is 347 * 14 - 200? Think step by step."
    assert est.system == estimate_text_tokens("You are terse.")
    assert est.messages == MESSAGE_OVERHEAD + estimate_text_tokens(prompt)
    assert (est.tools, est.kwargs_overhead) == (0, 0)
    assert est.total == est.system + est.messages
    assert est.as_dict()["total"] == est.total


def test_tools_add_the_tool_system_prompt_by_tool_choice() -> None:
    auto = estimate_request(_params(tools=[CALCULATOR]))
    forced = estimate_request(_params(tools=[CALCULATOR], tool_choice={"type": "tool", "name": "calculator"}))
    assert auto.tools - forced.tools == TOOL_USE_SYSTEM_TOKENS["auto"] - TOOL_USE_SYSTEM_TOKENS["tool"]
    assert auto.tools > TOOL_USE_SYSTEM_TOKENS["auto"]


def test_kwargs_overhead_is_the_inner_thoughts_property() -> None:
    plain = estimate_request(_params(tools=[CALCULATOR]))
    injected_tool = {**CALCULATOR, "input_schema": inject_inner_thoughts(CALCULATOR["input_schema"])}
    injected = estimate_request(_params(tools=[injected_tool, injected_tool]))
    single = estimate_request(_params(tools=[injected_tool]))
    assert plain.kwargs_overhead == 0
    assert single.kwargs_overhead > 10  # the property name, its description and the required entry
    assert single.tools - plain.tools == single.kwargs_overhead
    assert injected.kwargs_overhead == 2 * single.kwargs_overhead
    assert single.total == single.system + single.messages + single.tools  # overhead inside tools


def test_block_content_and_tool_turns() -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "Compute it."}]},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Use the tool.", "signature": "sig"},
            {"type": "tool_use", "id": "t1", "name": "calculator", "input": {"expression": "1+1"}},
        ]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "2"}]},
        {"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "http://127.0.0.1/x.png"}}]},
    ]  # fmt: skip
    est = estimate_request(_params(messages=messages))
    assert est.messages > 4 * MESSAGE_OVERHEAD + 5 * BLOCK_OVERHEAD + 1600


def test_estimate_differs_from_the_emulator_tokenizer_but_is_in_range() -> None:
    params = _params(system="You are a careful assistant. " * 5, tools=[CALCULATOR])
    local, counted = estimate_request(params).total, count_request_tokens(params)
    assert local != counted  # a separate heuristic, so its error is measurable
    assert 0.5 < local / counted < 2.0


def test_estimate_module_does_not_use_the_emulator_tokenizer() -> None:
    tree = ast.parse(Path(estimate_module.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any("tokenizer" in (m or "") for m in imported)


@pytest.mark.parametrize(
    "params, what",
    [
        ("not a dict", "params must be a dict"),
        ({"messages": "hi"}, "messages"),
        ({"messages": ["hi"]}, r"messages\.0: a message must be an object"),
        ({"messages": [{"role": "user", "content": 5}]}, "content"),
        ({"messages": [], "tools": ["calculator"]}, "tool"),
        ({"messages": [{"role": "user", "content": [5]}]}, "content block"),
    ],
)
def test_bad_params_are_config_errors(params: Any, what: str) -> None:
    with pytest.raises(ConfigError, match=what):
        estimate_request(params)


@given(a=st.text(max_size=300), b=st.text(max_size=300))
def test_more_text_never_estimates_fewer_tokens(a: str, b: str) -> None:
    short = estimate_request(_params(messages=[{"role": "user", "content": a}])).total
    longer = estimate_request(_params(messages=[{"role": "user", "content": a + b}])).total
    assert longer >= short >= MESSAGE_OVERHEAD
