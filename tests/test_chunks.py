"""labkit.convert._chunks: fast-built chunks are indistinguishable from validated ones and track labkit.core._wire."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.convert._chunks import ChunkMaker, blank, build, make_chunk, make_tool_call, text_chunk
from labkit.core._wire import ChatCompletionChunk, ChunkChoice, Delta, FunctionCallDelta, ToolCallDelta, Usage


@pytest.mark.parametrize(
    ("delta", "choice", "extra"),
    [
        ({"content": "hi"}, None, {}),
        ({"reasoning_content": "r", "thinking_block": 2}, None, {}),
        ({}, {"finish_reason": "stop", "stop_reason": "end_turn"}, {"usage": Usage(prompt_tokens=1)}),
        ({}, None, {"passthrough": [{"type": "x"}]}),
        ({"tool_calls": [make_tool_call(1, "toolu_1", "f", None)]}, None, {}),
    ],
)
def test_fast_chunks_equal_validated_chunks(
    delta: dict[str, Any], choice: dict[str, Any] | None, extra: dict[str, Any]
) -> None:
    fast = make_chunk("msg_1", "m", delta, choice, extra)
    validated = ChatCompletionChunk(
        id="msg_1", model="m", choices=[ChunkChoice(delta=Delta(**delta), **(choice or {}))], **extra
    )
    assert fast == validated
    assert fast.model_dump() == validated.model_dump()
    assert fast.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)
    assert ChatCompletionChunk.model_validate_json(fast.model_dump_json()) == fast


def test_fast_chunks_can_be_mutated_and_copied_like_models() -> None:
    first, second = make_chunk("a", "m", {"content": "x"}), make_chunk("a", "m", {"content": "x"})
    first.choices[0].delta.content = "changed"
    first.note = "an extra field"  # type: ignore[attr-defined]
    assert second.choices[0].delta.content == "x"
    assert "note" not in second.model_dump()
    assert second.model_copy(deep=True) == second


def test_tool_call_deltas() -> None:
    assert make_tool_call(0, "toolu_1", "f", None) == ToolCallDelta(
        index=0, id="toolu_1", type="function", function=FunctionCallDelta(name="f")
    )
    assert make_tool_call(3, None, None, '{"a"') == ToolCallDelta(index=3, function=FunctionCallDelta(arguments='{"a"'))


@pytest.mark.parametrize("cls", [Delta, ChunkChoice, ChatCompletionChunk, ToolCallDelta, FunctionCallDelta])
def test_blank_covers_every_wire_field(cls: type) -> None:
    assert set(blank(cls)) == set(cls.model_fields)
    assert build(cls, blank(cls), {}).model_fields_set == set()


@pytest.mark.parametrize(
    ("field", "ordinal"), [("content", None), ("reasoning_content", None), ("reasoning_content", 3)]
)
def test_text_chunks_equal_validated_chunks(field: str, ordinal: int | None) -> None:
    fast = text_chunk("msg_1", "m", field, "piece", ordinal)
    values: dict[str, Any] = {field: "piece"} if ordinal is None else {field: "piece", "thinking_block": ordinal}
    validated = ChatCompletionChunk(id="msg_1", model="m", choices=[ChunkChoice(delta=Delta(**values))])
    assert fast == validated
    assert fast.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)


def test_body_chunks_equal_validated_chunks_and_record_their_pieces() -> None:
    parts: list[str] = []
    maker = ChunkMaker("msg_1", "m")
    made = [
        *maker.body(parts).content("a"),
        *maker.body(parts, 2).reasoning("b"),
        *maker.body(parts, 1).arguments('{"x"'),
    ]
    deltas = [
        Delta(content="a"),
        Delta(reasoning_content="b", thinking_block=2),
        Delta(tool_calls=[ToolCallDelta(index=1, function=FunctionCallDelta(arguments='{"x"'))]),
    ]
    assert parts == ["a", "b", '{"x"']
    for fast, delta in zip(made, deltas, strict=True):
        validated = ChatCompletionChunk(id="msg_1", model="m", choices=[ChunkChoice(delta=delta)])
        assert fast == validated
        assert fast.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)
        assert ChatCompletionChunk.model_validate_json(fast.model_dump_json()) == fast


def test_body_chunks_are_independent_objects() -> None:
    body = ChunkMaker("msg_1", "m").body([], 0)
    first, second = body.arguments("x")[0], body.arguments("x")[0]
    first.choices[0].delta.tool_calls[0].function.arguments = "changed"  # type: ignore[index, union-attr]
    first.extra_field = 1  # type: ignore[attr-defined]
    assert second.choices[0].delta.tool_calls[0].function.arguments == "x"  # type: ignore[index, union-attr]
    assert "extra_field" not in second.model_dump()
    assert second.model_copy(deep=True) == second


def test_maker_text_chunks() -> None:
    maker = ChunkMaker("msg_1", "m")
    assert maker.content("c") == text_chunk("msg_1", "m", "content", "c")
    assert maker.reasoning("r") == text_chunk("msg_1", "m", "reasoning_content", "r")
    assert maker.reasoning("r", 4) == text_chunk("msg_1", "m", "reasoning_content", "r", 4)


# ----------------------------------------------------------------------------- the pinned pydantic internals


def test_pydantic_is_inside_the_pinned_range() -> None:
    """`_chunks` writes pydantic's instance slots directly; pyproject pins the range that was checked.
    A pydantic outside it fails here, loudly, before any chunk could be built wrong."""
    import re
    import tomllib
    from pathlib import Path

    import pydantic
    from packaging.specifiers import SpecifierSet

    deps = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    pin = next(d for d in deps["dependencies"] if re.match(r"pydantic\b", d))
    spec = SpecifierSet(pin.removeprefix("pydantic").split(";")[0].strip())
    assert spec.contains(pydantic.VERSION), f"pydantic {pydantic.VERSION} is outside the pinned {spec}"
    assert "<" in str(spec), "the pydantic pin needs an upper bound: _chunks relies on its internals"


def test_the_slots_chunks_write_are_pydantics_instance_state() -> None:
    """The four slots `_fill` sets are exactly the per-instance state of a pydantic model, and a built
    object's state equals ``model_construct``'s for the same values, slot by slot."""
    from pydantic import BaseModel

    written = {"__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"}
    assert written <= set(BaseModel.__slots__) | {"__dict__"}
    assert set(BaseModel.__slots__) - {"__dict__", "__weakref__"} == written - {"__dict__"}
    values = {"content": "hi", "thinking_block": 1}
    built, constructed = build(Delta, blank(Delta), values), Delta.model_construct(**values)
    for slot in sorted(written):
        assert getattr(built, slot) == getattr(constructed, slot), slot
