"""Tests for labkit.convert._tools: OpenAI tools / tool_choice -> Anthropic."""

from __future__ import annotations

import copy

import pytest

from labkit.convert._inner_thoughts import INNER_THOUGHTS_KEY
from labkit.convert._tools import convert_tool, convert_tool_choice, convert_tools, unknown_tool_fields
from labkit.core._errors import ConfigError
from labkit.core._wire import Tool

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "strict": True,
    },
}


def test_convert_tool_full() -> None:
    assert convert_tool(WEATHER) == {
        "name": "get_weather",
        "description": "Weather for a city.",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "strict": True,
    }


def test_convert_tool_accepts_wire_model_and_never_mutates() -> None:
    original = copy.deepcopy(WEATHER)
    out = convert_tool(Tool.model_validate(WEATHER))
    out["input_schema"]["properties"]["x"] = {}
    assert original == WEATHER
    assert convert_tool(WEATHER)["input_schema"] is not WEATHER["function"]["parameters"]  # type: ignore[index]


def test_no_parameters_and_no_description() -> None:
    # regression: parameters=None crashed, description None was sent as null
    out = convert_tool({"type": "function", "function": {"name": "ping", "parameters": None}})
    assert out == {"name": "ping", "description": "", "input_schema": {"type": "object", "properties": {}}}
    assert "strict" not in out


def test_schema_without_properties_gets_them() -> None:
    out = convert_tool({"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}})
    assert out["input_schema"] == {"type": "object", "properties": {}}


def test_non_object_schema_refused() -> None:
    with pytest.raises(ConfigError, match=r"tools\[0\]\.function\.parameters must be .* 'object'"):
        convert_tool({"type": "function", "function": {"name": "f", "parameters": {"type": "array"}}})


def test_inner_thoughts_injected_first_even_without_parameters() -> None:
    out = convert_tools([WEATHER, {"type": "function", "function": {"name": "ping"}}], inner_thoughts=True)
    for tool in out:
        assert next(iter(tool["input_schema"]["properties"])) == INNER_THOUGHTS_KEY
        assert tool["input_schema"]["required"][0] == INNER_THOUGHTS_KEY
    assert out[0]["input_schema"]["required"] == [INNER_THOUGHTS_KEY, "city"]


@pytest.mark.parametrize("name", ["", "has space", "dot.name", "ünï", "x" * 129, "a/b"])
def test_invalid_names_refused(name: str) -> None:
    with pytest.raises(ConfigError, match=r"tools\[1\]\.function\.name=.*pattern"):
        convert_tools([WEATHER, {"type": "function", "function": {"name": name}}])


@pytest.mark.parametrize("name", ["a", "A-b_9", "x" * 128])
def test_valid_names(name: str) -> None:
    assert convert_tool({"type": "function", "function": {"name": name}})["name"] == name


def test_duplicate_names_refused() -> None:
    with pytest.raises(ConfigError, match=r"tools\[1\].*defined twice"):
        convert_tools([WEATHER, WEATHER])


def test_malformed_tool_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"tools\[0\]\.function"):
        convert_tools([{"type": "function"}])
    with pytest.raises(ConfigError, match=r"tools\[0\] must be an object"):
        convert_tools(["get_weather"])  # type: ignore[list-item]


def test_order_kept() -> None:
    tools = [{"type": "function", "function": {"name": n}} for n in ["c", "a", "b"]]
    assert [t["name"] for t in convert_tools(tools)] == ["c", "a", "b"]


def test_unknown_fields_listed() -> None:
    tool = Tool.model_validate({"type": "function", "function": {"name": "f", "x_extra": 1}, "cache_it": True})
    assert unknown_tool_fields([tool]) == ["tools[0].cache_it", "tools[0].function.x_extra"]


# ----------------------------------------------------------------------------- tool_choice


@pytest.mark.parametrize(
    ("openai", "anthropic"),
    [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
        ({"type": "function", "function": {"name": "get_weather"}}, {"type": "tool", "name": "get_weather"}),
        ({"type": "any"}, {"type": "any"}),
        ({"type": "tool", "name": "get_weather"}, {"type": "tool", "name": "get_weather"}),
        (None, None),
    ],
)
def test_tool_choice_mapping(openai: str | dict[str, object] | None, anthropic: dict[str, object] | None) -> None:
    assert convert_tool_choice(openai, tool_names=["get_weather"]) == anthropic


def test_parallel_false_disables_parallel_use() -> None:
    assert convert_tool_choice(None, parallel_tool_calls=False) == {"type": "auto", "disable_parallel_tool_use": True}
    assert convert_tool_choice("required", parallel_tool_calls=False) == {
        "type": "any",
        "disable_parallel_tool_use": True,
    }
    assert convert_tool_choice("none", parallel_tool_calls=False) == {"type": "none"}
    assert convert_tool_choice("auto", parallel_tool_calls=True) == {"type": "auto"}


def test_tool_choice_input_not_mutated() -> None:
    choice = {"type": "tool", "name": "f"}
    convert_tool_choice(choice, parallel_tool_calls=False, tool_names=["f"])
    assert choice == {"type": "tool", "name": "f"}


@pytest.mark.parametrize(
    ("choice", "match"),
    [
        ("sometimes", "not one of"),
        ({"type": "function", "function": {"name": "nope"}}, r"tool_choice\.function\.name='nope' names no tool"),
        ({"type": "function"}, r"tool_choice\.function\.name is required"),
        ({"type": "tool", "name": "nope"}, r"tool_choice\.name='nope'"),
        ({"type": "weird"}, r"tool_choice\.type='weird'"),
        (3, "string or an object"),
    ],
)
def test_bad_tool_choice(choice: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        convert_tool_choice(choice, tool_names=["get_weather"])  # type: ignore[arg-type]
