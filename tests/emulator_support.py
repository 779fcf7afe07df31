"""Shared helpers of the emulator wire tests: the thinking-mode matrix, an independent SSE reader.

The tests drive the real synthetic model; every assertion is about the wire, not about the
words of a reply.

`read_sse` / `rebuild_message` are a second, independent Anthropic client: they parse the raw SSE
bytes by hand (no SDK, no labkit code) and rebuild the final message from the events.
"""

from __future__ import annotations

import json
from typing import Any

import jiter

from labkit.core._catalog import ModelInfo, list_models

SDK_WARNINGS = [
    "ignore:The model .* is deprecated:DeprecationWarning",
    "ignore:Using Claude with .* is deprecated:UserWarning",
]


def all_models() -> list[ModelInfo]:
    return list_models()  # type: ignore[return-value]


def thinking_modes(model: ModelInfo) -> list[tuple[str, dict[str, Any]]]:
    """Every thinking configuration the model accepts: (label, extra request params)."""
    modes: list[tuple[str, dict[str, Any]]] = [("omitted", {})]
    for kind in sorted(model.thinking_types):
        if kind == "enabled":
            modes.append(("enabled", {"thinking": {"type": "enabled", "budget_tokens": 1024}}))
            for display in ("summarized", "omitted"):
                modes.append((f"enabled-{display}",
                              {"thinking": {"type": "enabled", "budget_tokens": 2048, "display": display}}))
        elif kind == "adaptive":
            modes.append(("adaptive", {"thinking": {"type": "adaptive"}}))
            modes.append(("adaptive-summarized", {"thinking": {"type": "adaptive", "display": "summarized"}}))
            for effort in model.effort_levels:
                modes.append((f"adaptive-{effort}",
                               {"thinking": {"type": "adaptive"}, "output_config": {"effort": effort}}))
        else:
            modes.append((kind, {"thinking": {"type": kind}}))
    return modes


def model_mode_matrix() -> list[tuple[str, str, dict[str, Any]]]:
    """(model, label, params) for every servable model (retired ones are a 404) and thinking mode."""
    servable = [m for m in all_models() if m.lifecycle != "retired"]
    return [(m.id, label, extra) for m in servable for label, extra in thinking_modes(m)]


def read_sse(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Parse an SSE body by hand: every event must be named and carry one JSON ``data`` line."""
    events: list[tuple[str, dict[str, Any]]] = []
    for frame in raw.decode("utf-8").split("\n\n"):
        if not frame.strip():
            continue
        lines = frame.split("\n")
        assert lines[0].startswith("event: "), frame
        assert len(lines) == 2 and lines[1].startswith("data: "), frame
        name, data = lines[0][len("event: "):], json.loads(lines[1][len("data: "):])
        assert data["type"] == name, (name, data)
        events.append((name, data))
    return events


def rebuild_message(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Fold the events into the final message the way the API documents (no SDK)."""
    message: dict[str, Any] = {}
    tool_json: dict[int, str] = {}
    for name, data in events:
        if name == "message_start":
            message = json.loads(json.dumps(data["message"]))
        elif name == "content_block_start":
            assert data["index"] == len(message["content"])
            message["content"].append(dict(data["content_block"]))
        elif name == "content_block_delta":
            block, delta = message["content"][data["index"]], data["delta"]
            field = {"text_delta": "text", "thinking_delta": "thinking", "signature_delta": "signature",
                     "input_json_delta": "partial_json"}[delta["type"]]
            if field == "partial_json":
                tool_json[data["index"]] = tool_json.get(data["index"], "") + delta["partial_json"]
            elif field == "signature":
                block["signature"] = delta["signature"]
            else:
                block[field] += delta[field]
        elif name == "content_block_stop" and data["index"] in tool_json:
            # a tool call cut by max_tokens carries a JSON prefix: parse it in partial mode, as the SDK does
            message["content"][data["index"]]["input"] = jiter.from_json(tool_json[data["index"]].encode(),
                                                                         partial_mode=True)
        elif name == "message_delta":
            message.update(data["delta"])
            message["usage"].update(data["usage"])
    return message


def check_event_grammar(events: list[tuple[str, dict[str, Any]]]) -> None:
    """message_start, then per block start -> deltas -> stop (signature last in thinking), then
    message_delta, message_stop; pings anywhere."""
    names = [n for n, _ in events if n != "ping"]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"], names
    open_index: int | None = None
    last_delta: str | None = None
    for name, data in events[1:-2]:
        if name == "ping":
            continue
        if name == "content_block_start":
            assert open_index is None
            open_index, last_delta = data["index"], None
            kind = data["content_block"]["type"]
        elif name == "content_block_delta":
            assert data["index"] == open_index
            if kind == "tool_use" and last_delta is None:
                assert data["delta"] == {"type": "input_json_delta", "partial_json": ""}
            last_delta = data["delta"]["type"]
        else:
            assert name == "content_block_stop" and data["index"] == open_index, (name, data)
            if kind == "thinking":
                assert last_delta == "signature_delta"
            open_index = None
    assert open_index is None
