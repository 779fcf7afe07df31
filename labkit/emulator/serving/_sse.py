"""Server-sent events encoding for the emulator's streams (pure).

Every event is *named*: ``event: <type>\\ndata: <compact json>\\n\\n`` with the JSON ``type`` equal
to the event name, as the Anthropic API sends them (the SDK silently drops unnamed events).
Events are encoded once, to bytes, so the transports and the HTTP server only copy them out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_EVENT = b"event: "
_DATA = b"\ndata: "
_END = b"\n\n"


def encode_json(data: Any) -> str:
    """Compact JSON (no spaces, UTF-8 kept) — the one JSON encoding the emulator writes."""
    return _ENCODER.encode(data)


def _line_safe(json_text: str) -> str:
    """Escape the characters ``str.splitlines`` treats as line breaks but JSON leaves raw (U+0085,
    U+2028, U+2029), so a client that splits decoded text into lines still sees one data line."""
    if "\x85" in json_text or "\u2028" in json_text or "\u2029" in json_text:
        return json_text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return json_text


def encode_event(name: str, data: dict[str, Any]) -> bytes:
    """One named SSE event as bytes."""
    return encode_raw(name, _ENCODER.encode(data))


def encode_raw(name: str, json_text: str) -> bytes:
    """One named SSE event whose data is already JSON text (the renderer pre-encodes deltas)."""
    return b"".join((_EVENT, name.encode("ascii"), _DATA, _line_safe(json_text).encode("utf-8"), _END))


def encode_stream(events: Iterable[tuple[str, str]]) -> list[bytes]:
    """Each ``(name, json_text)`` pair as one chunk, in order (`encode_raw` of each, in one pass)."""
    texts = [f"event: {name}\ndata: {data}\n\n" for name, data in events]
    joined = "".join(texts)
    if "\x85" in joined or "\u2028" in joined or "\u2029" in joined:
        texts = [_line_safe(text) for text in texts]
    return [text.encode("utf-8") for text in texts]


def error_event(error_type: str, message: str, request_id: str) -> bytes:
    """The mid-stream ``event: error`` the API sends when a stream fails after HTTP 200."""
    body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}
    return encode_event("error", body)


def parse_events(raw: bytes) -> list[tuple[str | None, str]]:
    """Split an SSE body into ``(event name or None, data)`` pairs (a small reference decoder).

    Follows the SSE rules the emulator relies on: events end at a blank line, ``data:`` lines join
    with newlines, one optional space after the colon is dropped, comment lines are ignored.
    """
    out: list[tuple[str | None, str]] = []
    name: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8").replace("\r\n", "\n").split("\n"):
        if not line:
            if name is not None or data:
                out.append((name, "\n".join(data)))
            name, data = None, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    if name is not None or data:
        out.append((name, "\n".join(data)))
    return out
