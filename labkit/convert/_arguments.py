"""The one JSON encoding of tool-call arguments, shared by every converter path.

Anthropic returns tool input as a JSON object (a dict in a non-streamed `Message`, a series of
partial JSON strings in a stream); OpenAI-style tool calls carry it as a JSON *string*. Both the
non-streamed converter and the stream accumulator encode through `canonical_arguments`, so the
same input always yields byte-identical ``function.arguments`` whichever path produced it (keys
and caches compare bytes). `parse_arguments` is the inverse,
used on the request side (assistant history) and at the end of a streamed tool_use block.
Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any

from labkit.core import ConversionError

__all__ = ["canonical_arguments", "parse_arguments"]


def canonical_arguments(obj: Any) -> str:
    """Encode tool arguments canonically: ``json.dumps`` with ``ensure_ascii=False`` and default separators.

    Key order is kept (it is meaningful to the reader: ``inner_thoughts`` comes first), non-ASCII
    text stays readable, and the separators are ``", "`` and ``": "``.

    Raises:
        ConversionError: ``obj`` holds something JSON cannot encode.
    """
    try:
        return json.dumps(obj, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ConversionError(f"tool arguments cannot be encoded as JSON: {exc}") from None


def parse_arguments(text: str) -> dict[str, Any]:
    """Decode a JSON object of tool arguments.

    An empty or whitespace-only string means "no arguments" and gives ``{}`` (a zero-argument tool
    call streams no ``input_json_delta`` at all, and some OpenAI clients send ``""``).

    Raises:
        ConversionError: ``text`` is not valid JSON, or is JSON but not an object.
    """
    if not isinstance(text, str):
        raise ConversionError(f"tool arguments must be a JSON string, got {type(text).__name__}")
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConversionError(
            f"tool arguments are not valid JSON ({exc.msg} at char {exc.pos}): {_excerpt(text)}"
        ) from None
    if not isinstance(value, dict):
        raise ConversionError(f"tool arguments must be a JSON object, got {type(value).__name__}: {_excerpt(text)}")
    return value


def _excerpt(text: str, limit: int = 80) -> str:
    """A short, repr-quoted excerpt of ``text`` for error messages (never the whole payload)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
