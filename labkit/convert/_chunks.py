"""Fast construction of the stream's wire objects (`ChatCompletionChunk` and its parts).

The stream converter makes one chunk per content delta, tens of thousands per long stream.
Validating each with pydantic costs about as much as the SDK's whole parse of the event, and
``model_construct`` is slower still (it walks every field and alias). The values here come from
labkit itself, already checked by the converter, so the builders set the instance state directly,
exactly as ``model_construct`` would leave it: ``__dict__`` holding every field (defaults for the
ones not given), ``__pydantic_fields_set__`` naming the given ones, an empty ``__pydantic_extra__``
and no private state. The result compares equal to, and dumps the same as, the validated model (a
test checks both, and that the defaults track `labkit.core`).

The hot path (one chunk per text, thinking or tool-argument delta) uses `BodyChunks`: a chunk is
three to five objects, each filled by `_fill` from a copied blank (no dict merges, no validation).
Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from labkit.core import ChatCompletionChunk, ChunkChoice, Delta, FunctionCallDelta, ToolCallDelta

__all__ = ["BodyChunks", "ChunkMaker", "blank", "build", "make_chunk", "make_tool_call", "text_chunk"]

M = TypeVar("M", bound=BaseModel)

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
