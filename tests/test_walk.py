"""labkit.tokens._walk: the request traversal shared by the tokenizer and the local estimate."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.core import ConfigError
from labkit.tokens import count_request_tokens, estimate_request
from labkit.tokens._walk import TOOL_USE_SYSTEM_TOKENS, content_parts, request_parts

TOOL = {"name": "calc", "description": "Add.", "input_schema": {"type": "object", "properties": {}}}


def test_parts_carry_the_path_of_every_field() -> None:
    parts = request_parts({"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"},
                           {"role": "assistant", "content": [{"type": "text", "text": "Yo"}]}],
                           "tools": [TOOL], "tool_choice": {"type": "any"}})  # fmt: skip
    assert parts.system == "Be brief."
    assert [where for where, _ in parts.messages] == ["messages.0.content", "messages.1.content"]
    assert parts.tools == (("tools.0", TOOL),)
    assert parts.tool_choice == "any"
    assert parts.tool_system_tokens == TOOL_USE_SYSTEM_TOKENS["any"] == 313


def test_no_tools_no_tool_system_prompt() -> None:
    assert request_parts({"messages": [], "tool_choice": {"type": "any"}}).tool_system_tokens == 0
    assert request_parts({"messages": [], "tools": [TOOL], "tool_choice": "weird"}).tool_system_tokens == 346


def test_content_parts() -> None:
    assert content_parts(None, "system") == ""
    assert content_parts("text", "system") == "text"
    assert content_parts([{"type": "text"}, "x"], "messages.0.content") == [
        ("messages.0.content.0", {"type": "text"}), ("messages.0.content.1", "x")]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "params must be a dict"),
        ({"messages": "hi"}, "messages: must be a list"),
        ({"messages": [5]}, r"messages\.0: a message must be an object, not int"),
        ({"messages": [], "tools": {"a": 1}}, "tools: must be a list"),
        ({"messages": [], "tools": ["calc"]}, r"tools\.0: a tool must be an object, not str"),
    ],
)
def test_misshapen_requests_name_the_field(params: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        request_parts(params)
    with pytest.raises(ConfigError, match=message):  # both counters walk the same way
        count_request_tokens(params)
    with pytest.raises(ConfigError, match=message):
        estimate_request(params)


def test_content_of_the_wrong_type_names_its_path() -> None:
    with pytest.raises(ConfigError, match=r"messages\.0\.content: content must be a string or a list of blocks"):
        content_parts(7, "messages.0.content")
