"""Load the recorded SSE streams in tests/fixtures/streams/ (the reference's examples (a)-(d)).

Gives each stream as plain dict events, as the SDK's own event objects (GA or beta, built the way
the SDK builds them), and as the final ``Message`` the SDK's accumulator makes of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from anthropic._models import construct_type
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import RawMessageStreamEvent
from anthropic.types.beta import BetaRawMessageStreamEvent

STREAMS = Path(__file__).parent / "fixtures" / "streams"
NAMES = sorted(p.stem for p in STREAMS.glob("*.sse"))


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Named SSE messages -> their JSON data; each data ``type`` must equal its ``event:`` name."""
    events = []
    for message in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in message.strip().splitlines())
        data = json.loads(lines["data"])
        if data["type"] != lines["event"]:
            raise ValueError(f"event name {lines['event']!r} does not match data type {data['type']!r}")
        events.append(data)
    return events


def load_events(name: str) -> list[dict[str, Any]]:
    return parse_sse((STREAMS / f"{name}.sse").read_text())


def sse_body(name: str) -> bytes:
    return (STREAMS / f"{name}.sse").read_bytes()


def sdk_events(events: list[dict[str, Any]], *, beta: bool = False) -> list[Any]:
    """The SDK's event objects for dict events (``ping`` has no SDK type and stays a dict)."""
    union: Any = BetaRawMessageStreamEvent if beta else RawMessageStreamEvent
    return [e if e["type"] == "ping" else construct_type(type_=union, value=e) for e in events]


def sdk_final_message(events: list[dict[str, Any]]) -> Any:
    """What the SDK's own accumulator makes of a complete stream (its ``get_final_message()``)."""
    snapshot: Any = None
    json_bufs: dict[int, bytes] = {}
    for event in sdk_events(events):
        if isinstance(event, dict):
            continue
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=json_bufs)
    return snapshot
