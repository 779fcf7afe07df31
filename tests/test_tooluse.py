"""labkit.emulator.model._tooluse through the real SDK (and LiteLLM over loopback HTTP): a tool the
prompt names or that fits it is called with arguments from the prompt and schema, and its result
answers the question; with thinking on, the thinking block replays."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import anthropic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.emulator import Emulator
from labkit.emulator.serving._server import serve_in_thread

WEATHER = {"name": "get_weather", "description": "Current weather for a city.",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
CALCULATOR = {"name": "calculator", "description": "Evaluate an arithmetic expression.",
              "input_schema": {"type": "object", "properties": {"expression": {"type": "string"}},
                               "required": ["expression"]}}  # fmt: skip
MODEL = "claude-sonnet-4-5"


@pytest.fixture
def client() -> anthropic.Anthropic:
    return Emulator(seed=0).client()


def _tool_uses(message: Any) -> list[Any]:
    return [b for b in message.content if b.type == "tool_use"]


def test_a_named_tool_is_called_with_arguments_from_the_prompt(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model=MODEL, max_tokens=1024, tools=[WEATHER], messages=[  # type: ignore[list-item]
        {"role": "user", "content": "What's the weather in Paris? Use the get_weather tool."}])
    [call] = _tool_uses(message)
    assert message.stop_reason == "tool_use" and call.name == "get_weather" and call.input == {"city": "Paris"}


@pytest.mark.parametrize("thinking", [None, {"type": "enabled", "budget_tokens": 2048}])
def test_the_calculator_is_called_and_its_result_answers(client: anthropic.Anthropic, thinking: Any) -> None:
    extra = {"thinking": thinking} if thinking else {}
    asked = [{"role": "user", "content": "Use the calculator tool to compute 1234 * 5678."}]
    first = client.messages.create(model=MODEL, max_tokens=4096, tools=[CALCULATOR], messages=asked, **extra)  # type: ignore[arg-type]
    [call] = _tool_uses(first)
    assert call.input == {"expression": "1234 * 5678"}
    assert [b.type for b in first.content] == (["thinking", "tool_use"] if thinking else ["tool_use"])
    replayed = [b.model_dump(exclude_none=True) for b in first.content]  # the thinking block, signature and all
    result = {"type": "tool_result", "tool_use_id": call.id, "content": str(1234 * 5678)}
    final = client.messages.create(model=MODEL, max_tokens=4096, tools=[CALCULATOR], **extra,  # type: ignore[arg-type]
                                   messages=[*asked, {"role": "assistant", "content": replayed},
                                             {"role": "user", "content": [result]}])  # fmt: skip
    assert final.stop_reason == "end_turn" and final.content[-1].text.endswith("Answer: 7006652")  # type: ignore[union-attr]


def test_a_tool_that_fits_is_called_and_several_places_call_it_in_parallel(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model=MODEL, max_tokens=1024, tools=[WEATHER, CALCULATOR], messages=[  # type: ignore[list-item]
        {"role": "user", "content": "What's the weather in Paris and Rome?"}])
    assert [(c.name, c.input) for c in _tool_uses(message)] == [("get_weather", {"city": "Paris"}),
                                                                ("get_weather", {"city": "Rome"})]
    arithmetic = client.messages.create(model=MODEL, max_tokens=1024, tools=[WEATHER, CALCULATOR], messages=[  # type: ignore[list-item]
        {"role": "user", "content": "What is 17 * 23?"}])
    assert [(c.name, c.input) for c in _tool_uses(arithmetic)] == [("calculator", {"expression": "17 * 23"})]


@settings(max_examples=40, deadline=None)
@given(required=st.dictionaries(st.sampled_from(["city", "count", "ratio", "flag", "tags", "unit", "note"]),
                                st.sampled_from(["string", "integer", "number", "boolean", "array"]), min_size=1))
def test_every_required_property_is_filled_with_its_declared_type(required: dict[str, str]) -> None:
    schema = {"type": "object", "properties": {k: {"type": t} for k, t in required.items()}, "required": list(required)}
    tool = {"name": "lookup_city", "description": "Facts about a city.", "input_schema": schema}
    message = Emulator(seed=1).client().messages.create(model=MODEL, max_tokens=512, tools=[tool], messages=[  # type: ignore[list-item]
        {"role": "user", "content": "Use the lookup_city tool for 3 facts about Lisbon."}])
    [call] = _tool_uses(message)
    python = {"string": str, "integer": int, "number": float, "boolean": bool, "array": list}
    assert set(call.input) == set(required)
    for key, kind in required.items():
        value = call.input[key]
        assert isinstance(value, python[kind]) and not (kind in ("integer", "number") and isinstance(value, bool))


def test_tool_use_follows_the_assumption() -> None:
    suite_only = Emulator(assumptions={"tool_use": "suite_only"}).client()
    message = suite_only.messages.create(model=MODEL, max_tokens=1024, tools=[WEATHER], messages=[  # type: ignore[list-item]
        {"role": "user", "content": "What's the weather in Paris? Use the get_weather tool."}])
    assert not _tool_uses(message) and message.stop_reason == "end_turn"


LITELLM = """
import json, sys
import litellm
tools = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
asked = [{"role": "user", "content": "What's the weather in Paris? Use the get_weather tool."}]
reply = litellm.completion(model="anthropic/claude-sonnet-4-5", api_base=sys.argv[1], api_key="labkit-test-placeholder",
                           messages=asked, tools=tools, max_tokens=1024)
call = reply.choices[0].message.tool_calls[0]
print(json.dumps({"name": call.function.name, "arguments": json.loads(call.function.arguments),
                  "finish_reason": reply.choices[0].finish_reason}))
"""


def test_litellm_sees_the_same_tool_call_over_loopback_http() -> None:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}  # no fetch of LiteLLM's price list
    with serve_in_thread(Emulator(seed=0)) as url:
        done = subprocess.run([sys.executable, "-c", LITELLM, url], capture_output=True, text=True, timeout=180,
                              env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"name": "get_weather", "arguments": {"city": "Paris"}, "finish_reason": "tool_calls"}
