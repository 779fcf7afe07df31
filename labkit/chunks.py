"""Fast construction of the stream's wire objects (`ChatCompletionChunk` and its parts).

The stream converter makes one chunk per content delta, tens of thousands per long stream.
Validating each with pydantic costs about as much as the SDK's whole parse of the event, and
``model_construct`` is slower still (it walks every field and alias). The values here come from
labkit itself, already checked by the converter, so `make_chunk` and `build` set the instance
state directly, exactly as ``model_construct`` would leave it: ``__dict__`` holding every field
(defaults for the ones not given), ``__pydantic_fields_set__`` naming the given ones, an empty
``__pydantic_extra__`` and no private state. The result compares equal to, and dumps the same
as, the validated model (a test checks both, and that the defaults track `labkit.wire`).
Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from labkit.wire import ChatCompletionChunk, ChunkChoice, Delta, FunctionCallDelta, ToolCallDelta

__all__ = ["blank", "build", "make_chunk", "make_tool_call"]

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


def build(cls: type[M], defaults: dict[str, Any], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for trusted values; ``defaults`` is ``blank(cls)``."""
    obj = _new(cls)
    _set_dict(obj, {**defaults, **values})
    _set_fields_set(obj, set(values))
    _set_extra(obj, {})
    _set_private(obj, None)
    return obj


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


def make_chunk(
    chunk_id: str, model: str, delta: dict[str, Any], choice: dict[str, Any] | None = None, **extra: Any
) -> ChatCompletionChunk:
    """One chunk holding one choice with ``delta``; ``choice`` adds choice fields, ``extra`` chunk fields.

    The converter's hot path: written out flat rather than through `build`, which would double
    the cost of the three objects.
    """
    d = _new(Delta)
    _set_dict(d, {**_BLANK_DELTA, **delta})
    _set_fields_set(d, set(delta))
    _set_extra(d, {})
    _set_private(d, None)
    c = _new(ChunkChoice)
    if choice:
        _set_dict(c, {**_BLANK_CHOICE, "delta": d, **choice})
        _set_fields_set(c, {"delta", *choice})
    else:
        _set_dict(c, {**_BLANK_CHOICE, "delta": d})
        _set_fields_set(c, {"delta"})
    _set_extra(c, {})
    _set_private(c, None)
    k = _new(ChatCompletionChunk)
    _set_dict(k, {**_BLANK_CHUNK, "id": chunk_id, "model": model, "choices": [c], **extra})
    _set_fields_set(k, {"id", "model", "choices", *extra})
    _set_extra(k, {})
    _set_private(k, None)
    return k
