"""The stream converter's per-block state and its event-reading helpers (used by `labkit.convert`).

A `Block` is one content block while it streams. Besides its kind and ordinal it carries the one
delta type that makes up its body (``text_delta``, ``thinking_delta`` or ``input_json_delta``),
the field holding that delta's text, and ``on_value``: the converter's function turning such a
piece of text into chunks. `labkit.convert.StreamConverter.feed` checks an incoming delta against
the block's own type and hands the text straight to ``on_value``; every other case (signatures,
unknown deltas, empty text, errors) goes through the converter's full path, so the short path
never decides anything the full path would decide differently (the stream property tests compare
the converted stream with the non-streamed conversion for SDK objects and dicts alike).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from labkit.convert._inner_thoughts import PartialThoughts
from labkit.core import ChatCompletionChunk, ConversionError

__all__ = ["BODY_DELTAS", "Block", "at_event", "record_only", "string_at"]

T = TypeVar("T")
OnValue = Callable[[str], list[ChatCompletionChunk]]

BODY_DELTAS: Final = {
    "text": ("text_delta", "text"),
    "thinking": ("thinking_delta", "thinking"),
    "tool_use": ("input_json_delta", "partial_json"),
}
"""Per block kind: the delta type making up the block's body, and the field holding its text."""

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
