"""Tests for labkit.convert._inner_thoughts: kwargs injection/extraction (whole and streamed) and XML tag splitting."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.convert._inner_thoughts import (
    INNER_THOUGHTS_DESCRIPTION,
    INNER_THOUGHTS_KEY,
    PartialThoughts,
    TagSplitter,
    inject_inner_thoughts,
    pop_inner_thoughts,
    split_tagged,
    xml_instructions,
)
from labkit.core._errors import ConversionError

# ----------------------------------------------------------------------------- helpers


def chunk(text: str, cuts: list[int]) -> list[str]:
    """Split ``text`` at the given (clamped, sorted) positions."""
    points = sorted({min(max(c, 0), len(text)) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(text[last:p])
        last = p
    pieces.append(text[last:])
    return pieces


def run_splitter(pieces: list[str], tag: str, start_inside: bool = False) -> tuple[str, str, list[tuple[str, str]]]:
    splitter = TagSplitter(tag, start_inside=start_inside)
    out: list[tuple[str, str]] = []
    for piece in pieces:
        out.extend(splitter.feed(piece))
    out.extend(splitter.flush())
    reasoning = "".join(t for part, t in out if part == "reasoning")
    content = "".join(t for part, t in out if part == "content")
    return reasoning, content, out


def stream_thoughts(pieces: list[str]) -> tuple[str, PartialThoughts]:
    partial = PartialThoughts()
    revealed = "".join(partial.feed(p) for p in pieces)
    return revealed, partial


# ----------------------------------------------------------------------------- inject / pop


def test_constants_are_the_contract() -> None:
    assert INNER_THOUGHTS_KEY == "inner_thoughts"
    assert INNER_THOUGHTS_DESCRIPTION == "Deep inner monologue private to you only."


def test_inject_puts_thoughts_first_in_properties_and_required() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}, "n": {"type": "integer"}}, "required": ["q"]}
    original = copy.deepcopy(schema)
    out = inject_inner_thoughts(schema)
    assert list(out["properties"]) == ["inner_thoughts", "q", "n"]
    assert out["properties"]["inner_thoughts"] == {"type": "string", "description": INNER_THOUGHTS_DESCRIPTION}
    assert out["required"] == ["inner_thoughts", "q"]
    assert schema == original  # never mutated
    assert out["properties"] is not schema["properties"]


@pytest.mark.parametrize("schema", [None, {}, {"type": "object"}, {"type": "object", "properties": {}}])
def test_inject_zero_argument_tools(schema: dict[str, object] | None) -> None:
    out = inject_inner_thoughts(schema)
    assert out["type"] == "object"
    assert list(out["properties"]) == ["inner_thoughts"]
    assert out["required"] == ["inner_thoughts"]


def test_inject_existing_key_moves_first_without_duplicates() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "inner_thoughts": {"type": "string", "description": "mine"}},
        "required": ["a", "inner_thoughts"],
    }
    out = inject_inner_thoughts(schema)
    assert list(out["properties"]) == ["inner_thoughts", "a"]
    assert out["properties"]["inner_thoughts"]["description"] == "mine"
    assert out["required"] == ["inner_thoughts", "a"]


def test_inject_keeps_extra_schema_keys() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    assert inject_inner_thoughts(schema)["additionalProperties"] is False


def test_pop_thoughts() -> None:
    tool_input = {"inner_thoughts": "hmm", "q": 1}
    thoughts, rest = pop_inner_thoughts(tool_input)
    assert (thoughts, rest) == ("hmm", {"q": 1})
    assert tool_input == {"inner_thoughts": "hmm", "q": 1}


def test_pop_missing_and_null_and_non_string() -> None:
    assert pop_inner_thoughts({"q": 1}) == (None, {"q": 1})
    assert pop_inner_thoughts({"inner_thoughts": None, "q": 1}) == (None, {"q": 1})
    assert pop_inner_thoughts({"inner_thoughts": ["a", 1]}) == ('["a", 1]', {})
    assert pop_inner_thoughts({"inner_thoughts": 3}) == ("3", {})


# ----------------------------------------------------------------------------- PartialThoughts


def test_partial_reveals_while_streaming() -> None:
    partial = PartialThoughts()
    assert partial.feed('{"inner_') == ""
    assert partial.feed('thoughts": "I sho') == "I sho"
    assert partial.feed("uld look") == "uld look"
    assert partial.feed(' it up", "q": "cats"}') == " it up"
    assert partial.finish() == ("I should look it up", {"q": "cats"})


@pytest.mark.parametrize(
    ("pieces", "expected_steps"),
    [
        (['{"inner_thoughts": "a\\', 'nb"}'], ["a", "\nb"]),
        (['{"inner_thoughts": "a\\u00', 'e9b"}'], ["a", "éb"]),
        (['{"inner_thoughts": "x\\ud83d', '\\ude00y"}'], ["x", "😀y"]),
        (['{"inner_thoughts": "x\\ud83d\\', 'ude00y"}'], ["x", "😀y"]),
        (['{"inner_thoughts": "x\\ud83d\\u', 'de00y"}'], ["x", "😀y"]),
        (['{"inner_thoughts": "say \\', '"hi\\"', '"}'], ["say ", '"hi"', ""]),
    ],
)
def test_partial_escapes_split_across_chunks(pieces: list[str], expected_steps: list[str]) -> None:
    partial = PartialThoughts()
    assert [partial.feed(p) for p in pieces] == expected_steps


def test_partial_thoughts_not_first_and_non_string_values() -> None:
    text = json.dumps({"n": -12.5, "flag": True, "obj": {"k": [1, None]}, "inner_thoughts": "late"})
    revealed, partial = stream_thoughts(chunk(text, list(range(0, len(text), 3))))
    assert revealed == "late"
    assert partial.finish() == ("late", {"n": -12.5, "flag": True, "obj": {"k": [1, None]}})


def test_partial_non_string_thoughts_never_stream_but_finish_returns_them() -> None:
    revealed, partial = stream_thoughts(['{"inner_thoughts": [1', ", 2]}"])
    assert revealed == ""
    assert partial.finish() == ("[1, 2]", {})
    assert partial.revealed == ""


def test_partial_zero_argument_tool() -> None:
    revealed, partial = stream_thoughts([])
    assert revealed == ""
    assert partial.finish() == (None, {})
    revealed, partial = stream_thoughts(["", "{}"])
    assert (revealed, partial.finish()) == ("", (None, {}))
    revealed, partial = stream_thoughts(['{"inner_thoughts": "only"}'])
    assert (revealed, partial.finish()) == ("only", ("only", {}))


def test_partial_without_thoughts_key() -> None:
    revealed, partial = stream_thoughts(['{"q": "inner', '_thoughts"}'])
    assert revealed == ""
    assert partial.finish() == (None, {"q": "inner_thoughts"})


def test_partial_invalid_json_at_finish_is_conversion_error() -> None:
    _, partial = stream_thoughts(['{"inner_thoughts": "abc", "q": '])
    with pytest.raises(ConversionError, match="not valid JSON"):
        partial.finish()
    _, partial = stream_thoughts(["{oops"])
    with pytest.raises(ConversionError):
        partial.finish()


def test_partial_text_is_everything_fed() -> None:
    _, partial = stream_thoughts(['{"a"', ": 1}"])
    assert partial.text == '{"a": 1}'


thought_texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ['"quoted"', "back\\slash", "line\nbreak\ttab", "😀🎉 é ü", "\u2028\u2029", "\\u00e9 literal", ""]
)
other_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=8,
)


@given(
    thoughts=thought_texts,
    rest=st.dictionaries(st.text(max_size=8).filter(lambda k: k != INNER_THOUGHTS_KEY), other_values, max_size=4),
    position=st.integers(min_value=0, max_value=4),
    ascii_only=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=30),
)
def test_partial_property_any_chunking(
    thoughts: str, rest: dict[str, object], position: int, ascii_only: bool, cuts: list[int]
) -> None:
    items = list(rest.items())
    items.insert(min(position, len(items)), (INNER_THOUGHTS_KEY, thoughts))
    text = json.dumps(dict(items), ensure_ascii=ascii_only)
    partial = PartialThoughts()
    revealed = ""
    for piece in chunk(text, cuts):
        revealed += partial.feed(piece)
        assert thoughts.startswith(revealed)  # never reveals anything that is not in the final text
    assert revealed == thoughts
    assert partial.finish() == (thoughts, rest)


# ----------------------------------------------------------------------------- XML


def test_xml_instructions_name_the_tag() -> None:
    text = xml_instructions("scratch")
    assert "<scratch>" in text
    assert "</scratch>" in text


def test_split_tagged_basic() -> None:
    assert split_tagged("<thinking>plan</thinking>Answer: 4", "thinking") == ("plan", "Answer: 4")
    assert split_tagged("no tags at all", "thinking") == ("", "no tags at all")
    assert split_tagged("plan</thinking>4", "thinking", start_inside=True) == ("plan", "4")


def test_split_tagged_leaves_other_angle_brackets() -> None:
    text = "x < y -> <b>bold</b> <thinking>a<b</thinking> z > w <thinkingx>"
    assert split_tagged(text, "thinking") == ("a<b", "x < y -> <b>bold</b>  z > w <thinkingx>")


def test_split_tagged_stray_tags_are_removed() -> None:
    assert split_tagged("a</thinking>b<thinking>c<thinking>d</thinking>e", "thinking") == ("cd", "abe")


def test_closing_tag_split_across_chunks_leaks_nothing() -> None:
    reasoning, content, _ = run_splitter(["x < y so </thin", "king> done"], "thinking")
    assert (reasoning, content) == ("", "x < y so  done")
    reasoning, content, _ = run_splitter(["x < y so </thin", "king> done"], "thinking", start_inside=True)
    assert (reasoning, content) == ("x < y so ", " done")


def test_splitter_holds_back_only_a_possible_partial_tag() -> None:
    splitter = TagSplitter("thinking")
    assert splitter.feed("a <") == [("content", "a ")]
    assert splitter.feed("b") == [("content", "<b")]
    assert splitter.feed("<thi") == []
    assert splitter.feed("nking>why") == [("reasoning", "why")]
    assert splitter.inside
    assert splitter.feed("</thinking") == []
    assert splitter.flush() == [("reasoning", "</thinking")]


def test_splitter_every_char_separately() -> None:
    text = "<thinking>2 < 3 and 5 > 4</thinking>So <b>yes</b>."
    reasoning, content, _ = run_splitter(list(text), "thinking")
    assert (reasoning, content) == ("2 < 3 and 5 > 4", "So <b>yes</b>.")


def test_splitter_prefill_starts_inside() -> None:
    reasoning, content, out = run_splitter(["first step", "</think", "ing>Answer"], "thinking", start_inside=True)
    assert (reasoning, content) == ("first step", "Answer")
    assert out == [("reasoning", "first step"), ("content", "Answer")]


def test_splitter_merges_adjacent_same_part_pieces_in_one_feed() -> None:
    splitter = TagSplitter("t")
    assert splitter.feed("a<t></t>b") == [("content", "ab")]


alphabets = st.sampled_from(["<>/tag", "<>/tagx ", "ab<>/thinking\n"])


@st.composite
def tagged_texts(draw: st.DrawFn) -> tuple[str, str]:
    tag = draw(st.sampled_from(["t", "tag", "thinking", "a.b-c"]))
    tokens = st.sampled_from([f"<{tag}>", f"</{tag}>", "<", ">", "</", f"<{tag}", f"</{tag[:-1]}", " ", "x", "é"])
    parts = draw(st.lists(tokens | st.text(alphabet=draw(alphabets), max_size=6), max_size=20))
    return tag, "".join(parts)


@given(data=tagged_texts(), cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=25), inside=st.booleans())
def test_splitter_property_any_split_equals_split_tagged(data: tuple[str, str], cuts: list[int], inside: bool) -> None:
    tag, text = data
    reasoning, content, out = run_splitter(chunk(text, cuts), tag, start_inside=inside)
    assert (reasoning, content) == split_tagged(text, tag, start_inside=inside)
    assert all(piece for _, piece in out)  # never emits empty pieces
    # nothing but the exact tags is removed: every other character survives, in order
    kept = text.replace(f"<{tag}>", "\0").replace(f"</{tag}>", "\0").replace("\0", "")
    assert len(reasoning) + len(content) == len(kept)
    assert reasoning.count("<") + content.count("<") == kept.count("<")
    assert reasoning.count(">") + content.count(">") == kept.count(">")


def test_partial_parses_whole_json_only_until_the_thought_string_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long thought streams in linear time: jiter runs a bounded number of times, not once per chunk."""
    import jiter

    calls: list[int] = []
    real = jiter.from_json

    def counting(data: bytes, **kw: Any) -> Any:
        calls.append(len(data))
        return real(data, **kw)

    monkeypatch.setattr(jiter, "from_json", counting)
    text = json.dumps({"q": [1, 2], "inner_thoughts": 'a \\ "quoted" é😀 ' * 500, "z": None})
    pieces = chunk(text, list(range(0, len(text), 4)))
    revealed, partial = stream_thoughts(pieces)
    assert revealed == 'a \\ "quoted" é😀 ' * 500
    assert len(calls) <= 4
    assert partial.finish()[1] == {"q": [1, 2], "z": None}
