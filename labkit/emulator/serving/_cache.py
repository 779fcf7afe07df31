"""The emulator's prompt cache: ``cache_control`` breakpoints -> cache write / cache read tokens.

Breakpoints sit on tools, system blocks or message content blocks (in that prompt order), or at
the top level (``cache_control`` beside ``model``: the whole prompt). Each breakpoint names a
prefix of the prompt; its size is `count_request_tokens` of that prefix, so cache accounting and
``count_tokens`` use the one tokenizer.

For a request: the longest breakpoint prefix already cached is *read*
(``cache_read_input_tokens``); when the last breakpoint's prefix is not cached and is at least
`MIN_CACHEABLE_TOKENS` long, the part beyond the read prefix is *written*
(``cache_creation_input_tokens``, 1 h when that breakpoint asks ``ttl: "1h"``) and every
breakpoint prefix of the request is remembered. ``input_tokens`` is what is left, so
``input + cache_creation + cache_read == count_request_tokens(request)``. Entries are keyed by
model and the exact prefix content (``cache_control`` markers aside) and never expire: the
emulator has no clock in its accounting, and a test run is far shorter than the 5 minute TTL.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from labkit.emulator.serving._render import InputUsage
from labkit.tokens import count_request_tokens

MIN_CACHEABLE_TOKENS = 1024


@dataclass(frozen=True, slots=True)
class Breakpoint:
    tokens: int
    key: str
    ttl: str


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _marked(block: Any) -> str | None:
    """The ttl of a block's ``cache_control`` breakpoint ("5m" by default), or None."""
    if isinstance(block, dict) and isinstance(block.get("cache_control"), dict):
        return str(block["cache_control"].get("ttl") or "5m")
    return None


def _breakpoint(model: str, prefix: dict[str, Any], ttl: str) -> Breakpoint:
    key_text = json.dumps({"model": model, **_strip(prefix)}, sort_keys=True, separators=(",", ":"))
    return Breakpoint(count_request_tokens(prefix), hashlib.sha256(key_text.encode()).hexdigest(), ttl)


def breakpoints(params: dict[str, Any]) -> list[Breakpoint]:
    """Every breakpoint of the request, in prompt order."""
    model = str(params.get("model"))
    tools = list(params.get("tools") or [])
    system = params.get("system")
    messages = list(params.get("messages") or [])
    base: dict[str, Any] = {"tool_choice": params.get("tool_choice")} if params.get("tool_choice") else {}
    found: list[Breakpoint] = []
    for i, tool in enumerate(tools):
        if (ttl := _marked(tool)) is not None:
            found.append(_breakpoint(model, {**base, "tools": tools[: i + 1]}, ttl))
    base = {**base, "tools": tools}
    if isinstance(system, list):
        for j, block in enumerate(system):
            if (ttl := _marked(block)) is not None:
                found.append(_breakpoint(model, {**base, "system": system[: j + 1]}, ttl))
    base = {**base, "system": system} if system else base
    for k, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for n, block in enumerate(content):
            if (ttl := _marked(block)) is not None:
                cut = {**message, "content": content[: n + 1]}
                found.append(_breakpoint(model, {**base, "messages": [*messages[:k], cut]}, ttl))
    if (ttl := _marked(params)) is not None:
        found.append(_breakpoint(model, {**base, "messages": messages}, ttl))
    return found


class PromptCache:
    """Cached prefixes of one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._entries: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def account(self, params: dict[str, Any], total_tokens: int) -> InputUsage:
        """Split ``total_tokens`` into uncached, written and read input; remember new prefixes."""
        points = breakpoints(params)
        if not points:
            return InputUsage(input_tokens=total_tokens)
        with self._lock:
            read = max((p.tokens for p in points if p.key in self._entries), default=0)
            last = points[-1]
            creation = creation_1h = 0
            if last.key not in self._entries and last.tokens >= MIN_CACHEABLE_TOKENS:
                creation = max(0, last.tokens - read)
                creation_1h = creation if last.ttl == "1h" else 0
                for point in points:
                    if point.tokens >= MIN_CACHEABLE_TOKENS:
                        self._entries[point.key] = point.tokens
        return InputUsage(
            input_tokens=total_tokens - read - creation,
            cache_creation_input_tokens=creation,
            cache_read_input_tokens=read,
            cache_creation_1h=creation_1h,
        )
