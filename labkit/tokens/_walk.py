"""Walking a Messages request body: the one traversal the tokenizer and the local estimate share.

`request_parts(params)` checks that ``params`` is shaped like a Messages request and hands back its
countable parts: the system prompt, each message's content and each tool, every one with the
API-style path of its field (``messages.2.content``, ``tools.0``) so an error names exactly what is
wrong. `content_parts` does the same for one content value. What a part *costs* is the counter's
business: `labkit.tokens` has two counters on purpose (the emulator's tokenizer and labkit's local
heuristic), so "estimated vs counted" is a real comparison; only the walk is shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labkit.core import ConfigError

TOOL_USE_SYSTEM_TOKENS: dict[str, int] = {"auto": 346, "none": 346, "any": 313, "tool": 313}
"""The tool-use system prompt the API adds whenever ``tools`` is non-empty, by ``tool_choice.type``
(as the reference documents for current models)."""


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


@dataclass(frozen=True, slots=True)
class RequestParts:
    """The countable parts of a request, each with the path of its field."""

    system: Any
    messages: tuple[tuple[str, Any], ...]
    """(``messages.i.content``, the content) for every message."""
    tools: tuple[tuple[str, Mapping[str, Any]], ...]
    """(``tools.i``, the tool) for every tool."""
    tool_choice: str
    """``tool_choice.type`` ("auto" when absent)."""

    @property
    def tool_system_tokens(self) -> int:
        """The tool-use system prompt's tokens: 0 without tools."""
        return TOOL_USE_SYSTEM_TOKENS.get(self.tool_choice, TOOL_USE_SYSTEM_TOKENS["auto"]) if self.tools else 0


def request_parts(params: Any) -> RequestParts:
    """The parts of a Messages request body; `ConfigError` naming the field when it is misshapen."""
    if not isinstance(params, Mapping):
        raise ConfigError(f"params must be a dict of Messages API kwargs, got {type(params).__name__}")
    messages = params.get("messages") or []
    if not _is_list(messages):
        raise ConfigError("messages: must be a list of messages")
    found: list[tuple[str, Any]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise ConfigError(f"messages.{i}: a message must be an object, not {type(message).__name__}")
        found.append((f"messages.{i}.content", message.get("content")))
    tools = params.get("tools") or []
    if not _is_list(tools):
        raise ConfigError("tools: must be a list of tools")
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise ConfigError(f"tools.{i}: a tool must be an object, not {type(tool).__name__}")
    choice = params.get("tool_choice") or {}
    kind = str(choice.get("type", "auto")) if isinstance(choice, Mapping) else "auto"
    listed = tuple((f"tools.{i}", tool) for i, tool in enumerate(tools))
    return RequestParts(system=params.get("system"), messages=tuple(found), tools=listed, tool_choice=kind)


def content_parts(content: Any, where: str) -> str | list[tuple[str, Any]]:
    """A content value as its text (a string, or "" for None) or its blocks with their paths."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if _is_list(content):
        return [(f"{where}.{i}", block) for i, block in enumerate(content)]
    raise ConfigError(f"{where}: content must be a string or a list of blocks, not {type(content).__name__}")
