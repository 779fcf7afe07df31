"""``GET /v1/models`` and ``GET /v1/models/{id}``: ModelInfo bodies built from labkit's catalog.

Models are listed newest first. The list takes ``after_id`` / ``before_id`` / ``limit`` (1-1000,
default 20) and ``lifecycle[]`` (bracket encoding, repeated; default: active and deprecated) and
answers ``{"data", "has_more", "first_id", "last_id"}`` as the API does. `page` is the shared
cursor pager (batches list with it too). Capabilities come from the catalog entry: thinking types
and effort levels exactly as `rules` enforces them. An unknown id is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from labkit.core import ModelInfo, UnknownModelError, get_model, list_models
from labkit.emulator.rules import ApiProblem, bad_request

LIFECYCLES = ("active", "deprecated", "retired")
EFFORT_LEVELS = ("low", "medium", "high", "max", "xhigh")
THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")


def _flag(supported: bool) -> dict[str, bool]:
    return {"supported": supported}


def capabilities(info: ModelInfo) -> dict[str, Any]:
    """The ``capabilities`` object of a ModelInfo body."""
    levels = set(info.effort_levels)
    thinking_on = bool(info.thinking_types - {"disabled"})
    return {
        "batch": _flag(True),
        "citations": _flag(True),
        "code_execution": _flag(True),
        "image_input": _flag(True),
        "pdf_input": _flag(True),
        "structured_outputs": _flag(True),
        "context_management": {"supported": True, "clear_thinking_20251015": _flag(thinking_on),
                               "clear_tool_uses_20250919": _flag(True)},
        "effort": {"supported": bool(levels), **{lvl: _flag(lvl in levels) for lvl in EFFORT_LEVELS}},
        "server_tools": {"supported": True, "code_execution": _flag(True), "web_search": _flag(True)},
        "thinking": {
            "supported": thinking_on,
            "types": {kind: _flag(kind in info.thinking_types) for kind in THINKING_TYPES},
        },
    }


def model_body(info: ModelInfo) -> dict[str, Any]:
    """A ``ModelInfo`` JSON body."""
    return {
        "id": info.id,
        "type": "model",
        "display_name": info.display_name,
        "created_at": info.created_at,
        "lifecycle": info.lifecycle,
        "deprecated_at": info.deprecated_at,
        "retires_at": info.retires_at,
        "line": info.line,
        "max_input_tokens": info.context_window,
        "max_tokens": info.max_output,
        "capabilities": capabilities(info),
    }


def query_params(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    """One cursor page of ``items`` (already in list order) as the API pages lists."""
    raw_limit = _one(query, "limit") or "20"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 1000:
        raise bad_request(f"limit: Input should be an integer between 1 and 1000, got {raw_limit!r}")
    limit = int(raw_limit)
    ids = [str(item["id"]) for item in items]
    after, before = _one(query, "after_id"), _one(query, "before_id")
    if after and before:
        raise bad_request("after_id: cannot be combined with before_id")
    cursor = after or before
    if cursor is not None and cursor not in ids:
        raise bad_request(f"{'after_id' if after else 'before_id'}: unknown id {cursor!r}")
    if before:
        end = ids.index(before)
        start = max(0, end - limit)
        chosen, has_more = items[start:end], start > 0
    else:
        start = ids.index(after) + 1 if after else 0
        chosen, has_more = items[start : start + limit], start + limit < len(items)
    return {
        "data": chosen,
        "has_more": has_more,
        "first_id": chosen[0]["id"] if chosen else None,
        "last_id": chosen[-1]["id"] if chosen else None,
    }


def list_models_page(query: dict[str, list[str]]) -> dict[str, Any]:
    """``GET /v1/models``."""
    wanted = query.get("lifecycle[]") or query.get("lifecycle") or ["active", "deprecated"]
    for value in wanted:
        if value not in LIFECYCLES:
            raise bad_request(f"lifecycle: Input should be {', '.join(repr(v) for v in LIFECYCLES)}, got {value!r}")
    models: list[ModelInfo] = list_models()  # type: ignore[assignment]
    return page([model_body(m) for m in models if m.lifecycle in wanted], query)


def _anthropic_model(model_id: str) -> ModelInfo:
    return get_model(model_id, platform="anthropic")


def get_model_body(model_id: str, lookup: Callable[[str], ModelInfo] = _anthropic_model) -> dict[str, Any]:
    """``GET /v1/models/{id}`` (a dated alias answers with its model; a platform id is unknown here)."""
    try:
        return model_body(lookup(model_id))
    except UnknownModelError:
        raise ApiProblem(404, f"model: {model_id}") from None
