"""labkit.convert._fields: one reader for dicts and SDK objects."""

from __future__ import annotations

import pytest
from anthropic.types import TextBlock

from labkit.convert._fields import fields_of, plain, plain_value
from labkit.core import ConversionError


def test_dicts_and_sdk_objects_read_alike_without_copies() -> None:
    raw = {"type": "text", "text": "hi"}
    assert fields_of(raw, "block") is raw
    block = TextBlock(type="text", text="hi")
    assert fields_of(block, "block")["text"] == "hi"
    assert plain(block) == {"type": "text", "text": "hi"} and plain(raw) == raw and plain(raw) is not raw


def test_anything_else_names_what_and_where() -> None:
    with pytest.raises(ConversionError, match="event 4: a stream event must be an object, got str"):
        fields_of("oops", "a stream event", event_index=4)
    with pytest.raises(ConversionError, match="usage must be an object, got int"):
        fields_of(3, "usage")
    with pytest.raises(ConversionError, match="expected a dict or an SDK object"):
        plain(["x"])


def test_plain_value_copies_shared_parts_and_refuses_a_value_that_contains_itself() -> None:
    shared = {"type": "text", "text": "hi"}
    copied = plain_value({"a": shared, "b": [shared, (1, 2)]})
    assert copied == {"a": shared, "b": [shared, [1, 2]]} and copied["a"] is not shared
    looped: dict[str, object] = {"type": "text"}
    looped["text"] = {"type": looped}
    with pytest.raises(ConversionError, match="dict contains itself"):
        plain_value({"content_block": looped})
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ConversionError, match="nests too deep"):
        plain_value(deep)
