"""Tests for labkit.tokens._tokenizer: round trip, piece rules, speed and request counting."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.core import canonical_json
from labkit.core._errors import ConfigError
from labkit.tokens._tokenizer import (
    IMAGE_TOKENS,
    MESSAGE_OVERHEAD_TOKENS,
    REQUEST_OVERHEAD_TOKENS,
    count_request_tokens,
    count_tokens,
    tokenize,
)
from labkit.tokens._walk import TOOL_USE_SYSTEM_TOKENS


@given(st.text())
def test_round_trip_any_text(text: str) -> None:
    pieces = tokenize(text)
    assert "".join(pieces) == text
    assert all(pieces)
    assert count_tokens(text) == len(pieces)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200))
def test_round_trip_ascii_and_bounds(text: str) -> None:
    pieces = tokenize(text)
    assert "".join(pieces) == text
    assert len(pieces) <= len(text)


def test_piece_rules() -> None:
    assert tokenize("Hello world") == ["Hello", " world"]
    assert tokenize("123456 7") == ["123", "456", " 7"]
    assert tokenize(" strawberry") == [" stra", "wberry"]
    assert tokenize("a,b.") == ["a", ",", "b", "."]
    assert tokenize("line\n\nnext  ") == ["line", "\n\n", "next", "  "]
    assert tokenize("x_y") == ["x", "_", "y"]
    assert count_tokens("") == 0
    assert tokenize("") == []


def test_english_is_about_four_chars_a_token() -> None:
    text = "The quick brown fox jumps over the lazy dog while counting every letter carefully. " * 20
    ratio = len(text) / count_tokens(text)
    assert 3.5 <= ratio <= 6.5


def test_count_is_fast() -> None:
    text = "Step 12: 4821 * 7 = 33747, carry 3 into the next column of the multiplication.\n" * 2000
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        count_tokens(text)
        timings.append(time.perf_counter() - start)
    assert min(timings) / len(text) < 1e-6


def _base(messages: list[dict[str, object]], **extra: object) -> dict[str, object]:
    return {"model": "claude-opus-4-6", "max_tokens": 100, "messages": messages, **extra}


def test_request_counts_system_and_messages() -> None:
    params = _base([{"role": "user", "content": "Hello world"}], system="Be brief.")
    expected = REQUEST_OVERHEAD_TOKENS + count_tokens("Be brief.") + MESSAGE_OVERHEAD_TOKENS + 2
    assert count_request_tokens(params) == expected
    blocks_system = _base(
        [{"role": "user", "content": [{"type": "text", "text": "Hello world"}]}],
        system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    )
    assert count_request_tokens(blocks_system) == expected


def test_request_counts_every_block_kind() -> None:
    tool_input = {"expression": "12 * 34"}
    messages = [
        {"role": "user", "content": [{"type": "image", "source": {"type": "base64", "data": "AAAA"}}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Let me think.", "signature": "sig"},
                {"type": "tool_use", "id": "toolu_1", "name": "calculator", "input": tool_input},
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "408"}]},
        {
            "role": "user",
            "content": [{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "A b c"}}],
        },
    ]
    expected = (
        REQUEST_OVERHEAD_TOKENS
        + 4 * MESSAGE_OVERHEAD_TOKENS
        + IMAGE_TOKENS
        + count_tokens("Let me think.")
        + count_tokens("calculator")
        + count_tokens(canonical_json(tool_input))
        + count_tokens("408")
        + 3
    )
    assert count_request_tokens(_base(messages)) == expected


@pytest.mark.parametrize(("choice", "overhead"), [(None, 346), ("auto", 346), ("none", 346), ("any", 313)])
def test_tool_definitions_add_overhead(choice: str | None, overhead: int) -> None:
    schema = {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}
    tool = {"name": "lookup", "description": "Look up a fact.", "input_schema": schema}
    plain = _base([{"role": "user", "content": "Hi"}])
    extra: dict[str, object] = {"tools": [tool]}
    if choice is not None:
        extra["tool_choice"] = {"type": choice}
    with_tools = _base([{"role": "user", "content": "Hi"}], **extra)
    tool_tokens = count_tokens("lookup") + count_tokens("Look up a fact.") + count_tokens(canonical_json(schema))
    assert count_request_tokens(with_tools) - count_request_tokens(plain) == tool_tokens + overhead
    assert TOOL_USE_SYSTEM_TOKENS[choice or "auto"] == overhead


def test_empty_tool_list_adds_nothing() -> None:
    plain = _base([{"role": "user", "content": "Hi"}])
    assert count_request_tokens({**plain, "tools": []}) == count_request_tokens(plain)


def test_malformed_requests_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"messages\.0\.content\.0"):
        count_request_tokens(_base([{"role": "user", "content": ["oops"]}]))
    with pytest.raises(ConfigError, match=r"tools\.0"):
        count_request_tokens(_base([{"role": "user", "content": "x"}], tools=["bad"]))
    with pytest.raises(ConfigError, match="params"):
        count_request_tokens([])  # type: ignore[arg-type]
