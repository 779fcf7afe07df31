"""Tests for labkit.convert._arguments: the one canonical JSON encoding of tool arguments."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.convert._arguments import canonical_arguments, parse_arguments
from labkit.core._errors import ConversionError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def test_canonical_is_json_dumps_with_readable_unicode_and_default_separators() -> None:
    obj = {"inner_thoughts": "café 😀", "n": [1, 2], "q": {"a": None}}
    assert canonical_arguments(obj) == '{"inner_thoughts": "café 😀", "n": [1, 2], "q": {"a": null}}'
    assert canonical_arguments(obj) == json.dumps(obj, ensure_ascii=False)


def test_canonical_keeps_key_order() -> None:
    assert canonical_arguments({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


def test_canonical_unencodable_is_conversion_error() -> None:
    with pytest.raises(ConversionError, match="cannot be encoded"):
        canonical_arguments({"x": object()})


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_round_trip(obj: dict[str, object]) -> None:
    text = canonical_arguments(obj)
    assert parse_arguments(text) == obj
    # stable: re-encoding the parsed value gives the same bytes (what makes both paths agree)
    assert canonical_arguments(parse_arguments(text)) == text


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_arguments_mean_no_arguments(text: str) -> None:
    assert parse_arguments(text) == {}


@pytest.mark.parametrize("text", ['{"a": 1', "{'a': 1}", "nope", '{"a": 1}{"b": 2}'])
def test_invalid_json_is_conversion_error(text: str) -> None:
    with pytest.raises(ConversionError, match="not valid JSON"):
        parse_arguments(text)


@pytest.mark.parametrize("text", ["[1, 2]", '"s"', "3", "null"])
def test_non_object_is_conversion_error(text: str) -> None:
    with pytest.raises(ConversionError, match="must be a JSON object"):
        parse_arguments(text)


def test_non_string_is_conversion_error() -> None:
    with pytest.raises(ConversionError, match="JSON string"):
        parse_arguments({"a": 1})  # type: ignore[arg-type]


def test_error_excerpt_is_short() -> None:
    with pytest.raises(ConversionError) as info:
        parse_arguments('{"a": "' + "x" * 5000)
    assert len(str(info.value)) < 300
