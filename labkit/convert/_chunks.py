"""The stream converter's building blocks: per-block state (`Block`) and fast chunk construction.

**Blocks.** A `Block` is one content block while it streams. Besides its kind and ordinal it
carries the one delta type that makes up its body (``text_delta``, ``thinking_delta`` or
``input_json_delta``), the field holding that delta's text, and ``on_value``: the converter's
function turning such a piece of text into chunks. `labkit.convert.StreamConverter.feed` checks an
incoming delta against the block's own type and hands the text straight to ``on_value``; every
other case (signatures, unknown deltas, empty text, errors) goes through the converter's full path,
so the short path never decides anything the full path would decide differently (the stream
property tests compare the converted stream with the non-streamed conversion for SDK objects and
dicts alike).

**Chunks.** The converter makes one chunk per content delta, tens of thousands per long stream.
Validating each with pydantic costs about as much as the SDK's whole parse of the event, and
``model_construct`` is slower still (it walks every field and alias). The values here come from
labkit itself, already checked by the converter, so the builders set the instance state directly,
exactly as ``model_construct`` would leave it: ``__dict__`` holding every field (defaults for the
ones not given), ``__pydantic_fields_set__`` naming the given ones, an empty ``__pydantic_extra__``
and no private state. This is the one place labkit writes pydantic's internal slots; the pydantic
range is pinned in pyproject.toml and ``tests/test_chunks.py`` fails loudly if those slots change
(their names, or a built chunk no longer equal to and dumping like the validated model). The hot
path (one chunk per text, thinking or tool-argument delta) uses `BodyChunks`: a chunk is three to
five objects, each filled by `_fill` from a copied blank (no dict merges, no validation).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from labkit.convert._inner_thoughts import PartialThoughts
from labkit.core import ChatCompletionChunk, ChunkChoice, ConversionError, Delta, FunctionCallDelta, ToolCallDelta

__all__ = ["BODY_DELTAS", "DELTA_BLOCK", "Block", "BodyChunks", "ChunkMaker", "at_event", "blank", "build",
           "make_chunk", "make_tool_call", "record_only", "string_at", "text_chunk"]  # fmt: skip

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
OnValue = Callable[[str], list[ChatCompletionChunk]]

BODY_DELTAS: Final = {
    "text": ("text_delta", "text"),
    "thinking": ("thinking_delta", "thinking"),
    "tool_use": ("input_json_delta", "partial_json"),
}
"""Per block kind: the delta type making up the block's body, and the field holding its text."""

DELTA_BLOCK: Final = {
    "text_delta": ("text", "text"),
    "thinking_delta": ("thinking", "thinking"),
    "signature_delta": ("thinking", "signature"),
    "input_json_delta": ("tool_use", "partial_json"),
}
"""Delta types labkit converts: the block kind each may target, and the field holding its text.
Other delta types (``citations_delta``, future ones) pass through."""

_NO_BODY: Final = object()
"""The body delta type of blocks without one (redacted thinking, unknown blocks): no delta type equals it."""


def _no_value(value: str) -> list[ChatCompletionChunk]:
    return []


@dataclass(slots=True, eq=False)
class Block:
    """One content block while it streams (``ordinal``: among thinking blocks, or among tool calls)."""

    kind: str
    ordinal: int = -1
    delta_type: object = _NO_BODY
    """The body delta type (see `BODY_DELTAS`); blocks without one keep a sentinel no type equals."""
    text_field: str = ""
    on_value: OnValue = _no_value
    shell_input: dict[str, Any] = field(default_factory=dict)
    thoughts: PartialThoughts | None = None
    thoughts_started: bool = False
    record: dict[str, Any] = field(default_factory=dict)
    """The block as the API sends it, filled in at its stop (`labkit.convert.StreamConverter`)."""
    first_part: int = 0
    """Where this text block's pieces start in the converter's shared text record."""
    raw: list[str] | None = None
    """The text as it arrived, when the visible record is not it (xml tags split out)."""
    json_parts: list[str] | None = None
    """A server or MCP tool block's streamed input JSON."""


def record_only(parts: list[str]) -> OnValue:
    """An ``on_value`` that only records each piece in ``parts`` and gives no chunk."""
    append = parts.append

    def record(value: str) -> list[ChatCompletionChunk]:
        append(value)
        return []

    return record


def at_event(index: int, function: Callable[..., T], *args: Any) -> T:
    """Call ``function``; a `ConversionError` it raises is re-raised naming the event index."""
    try:
        return function(*args)
    except ConversionError as exc:
        raise ConversionError(str(exc), event_index=index) from None


def string_at(value: Any, what: str, index: int) -> str:
    """``value`` if it is a string; `ConversionError` naming ``what`` and the event index if not."""
    if type(value) is not str:
        raise ConversionError(f"{what} must be a string, got {type(value).__name__}", event_index=index)
    return value


# ----------------------------------------------------------------------------- chunk construction


_SLOTS = BaseModel.__dict__
_new = object.__new__
_set_dict = _SLOTS["__dict__"].__set__
_set_fields_set = _SLOTS["__pydantic_fields_set__"].__set__
_set_extra = _SLOTS["__pydantic_extra__"].__set__
_set_private = _SLOTS["__pydantic_private__"].__set__


def blank(cls: type[BaseModel]) -> dict[str, Any]:
    """Every field of ``cls`` at its plain default; a field without one (required, or built by a
    factory) is None and must be given."""
    return {name: None if f.default is PydanticUndefined else f.default for name, f in cls.model_fields.items()}


_BLANK_DELTA: Final = blank(Delta)
_BLANK_CHOICE: Final = blank(ChunkChoice)
_BLANK_CHUNK: Final = blank(ChatCompletionChunk)
_BLANK_CALL: Final = blank(ToolCallDelta)
_BLANK_FUNCTION: Final = blank(FunctionCallDelta)


def _fill(obj: M, values: dict[str, Any], fields_set: set[str]) -> M:
    """Set a new instance's state as ``model_construct`` leaves it (``values`` holds every field)."""
    _set_dict(obj, values)
    _set_fields_set(obj, fields_set)
    _set_extra(obj, {})
    _set_private(obj, None)
    return obj


def build(cls: type[M], defaults: dict[str, Any], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for trusted values; ``defaults`` is ``blank(cls)``."""
    return _fill(_new(cls), {**defaults, **values}, set(values))


def _delta(field: str, value: Any) -> Delta:
    """A delta with one field set (the hot path's only shape but the thinking one)."""
    values = _BLANK_DELTA.copy()
    values[field] = value
    return _fill(_new(Delta), values, {field})


def _wrap(chunk_values: dict[str, Any], d: Delta) -> ChatCompletionChunk:
    """The choice and the chunk around a built delta (``chunk_values``: the message's id and model)."""
    values = _BLANK_CHOICE.copy()
    values["delta"] = d
    choice = _fill(_new(ChunkChoice), values, {"delta"})
    values = chunk_values.copy()
    values["choices"] = [choice]
    return _fill(_new(ChatCompletionChunk), values, {"id", "model", "choices"})


class ChunkMaker:
    """Builds the chunks of one message (its id and model fixed): text and reasoning chunks, and
    the `BodyChunks` of each streaming block."""

    __slots__ = ("chunk_values",)

    def __init__(self, chunk_id: str, model: str) -> None:
        self.chunk_values = {**_BLANK_CHUNK, "id": chunk_id, "model": model}

    def wrap(self, d: Delta) -> ChatCompletionChunk:
        """The choice and the chunk around a built delta."""
        return _wrap(self.chunk_values, d)

    def content(self, text: str) -> ChatCompletionChunk:
        """A chunk whose delta carries ``content``."""
        return _wrap(self.chunk_values, _delta("content", text))

    def reasoning(self, text: str, thinking_block: int | None = None) -> ChatCompletionChunk:
        """A chunk whose delta carries ``reasoning_content`` (and the thinking block ordinal, if any)."""
        if thinking_block is None:
            return _wrap(self.chunk_values, _delta("reasoning_content", text))
        return self.wrap(build(Delta, _BLANK_DELTA, {"reasoning_content": text, "thinking_block": thinking_block}))

    def body(self, parts: list[str], ordinal: int | None = None) -> BodyChunks:
        """The chunk builder of one block's body pieces, each recorded in ``parts``."""
        return BodyChunks(self.chunk_values, parts, ordinal)


class BodyChunks:
    """One chunk per body piece of a streaming block (the hot path: each piece is first appended
    to ``parts``, then its three to five objects are built with no validation)."""

    __slots__ = ("_chunk", "_ordinal", "_parts")

    def __init__(self, chunk_values: dict[str, Any], parts: list[str], ordinal: int | None) -> None:
        self._chunk, self._parts, self._ordinal = chunk_values, parts, ordinal

    def content(self, text: str) -> list[ChatCompletionChunk]:
        """A text block's piece: a ``content`` delta."""
        self._parts.append(text)
        return [_wrap(self._chunk, _delta("content", text))]

    def reasoning(self, text: str) -> list[ChatCompletionChunk]:
        """A thinking block's piece: ``reasoning_content`` with the block's ordinal."""
        self._parts.append(text)
        values = _BLANK_DELTA.copy()
        values["reasoning_content"] = text
        values["thinking_block"] = self._ordinal
        d = _fill(_new(Delta), values, {"reasoning_content", "thinking_block"})
        return [_wrap(self._chunk, d)]

    def arguments(self, text: str) -> list[ChatCompletionChunk]:
        """A tool call's piece of arguments (``tool_calls`` with the call's ordinal as index)."""
        self._parts.append(text)
        values = _BLANK_FUNCTION.copy()
        values["arguments"] = text
        f = _fill(_new(FunctionCallDelta), values, {"arguments"})
        values = _BLANK_CALL.copy()
        values["index"] = self._ordinal
        values["function"] = f
        call = _fill(_new(ToolCallDelta), values, {"index", "function"})
        return [_wrap(self._chunk, _delta("tool_calls", [call]))]


def make_tool_call(index: int, call_id: str | None, name: str | None, arguments: str | None) -> ToolCallDelta:
    """A tool-call delta: id, type and name on a call's first delta, arguments on later ones."""
    function: dict[str, Any] = {}
    if name is not None:
        function["name"] = name
    if arguments is not None:
        function["arguments"] = arguments
    values: dict[str, Any] = {"index": index, "function": build(FunctionCallDelta, _BLANK_FUNCTION, function)}
    if call_id is not None:
        values["id"] = call_id
        values["type"] = "function"
    return build(ToolCallDelta, _BLANK_CALL, values)


def text_chunk(
    chunk_id: str, model: str, field: str, text: str, thinking_block: int | None = None
) -> ChatCompletionChunk:
    """A chunk whose delta carries one text ``field`` (and the thinking block ordinal, if given)."""
    values: dict[str, Any] = {field: text}
    if thinking_block is not None:
        values["thinking_block"] = thinking_block
    return make_chunk(chunk_id, model, values)


def make_chunk(
    chunk_id: str,
    model: str,
    delta: dict[str, Any],
    choice: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> ChatCompletionChunk:
    """Any chunk: ``delta`` fields, optional ``choice`` fields (finish reason ...) and chunk fields (usage ...)."""
    chunk = ChunkMaker(chunk_id, model).wrap(build(Delta, _BLANK_DELTA, delta))
    if choice:
        choice_model = chunk.choices[0]
        choice_model.__dict__.update(choice)
        choice_model.__pydantic_fields_set__.update(choice)
    if extra:
        chunk.__dict__.update(extra)
        chunk.__pydantic_fields_set__.update(extra)
    return chunk
