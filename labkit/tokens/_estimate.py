"""labkit's own local estimate of a prepared request's input tokens (a heuristic, on purpose).

`estimate_request(params) -> TokenEstimate` prices a request before it is sent, with no API call
and without the emulator's tokenizer, so that "local estimate vs count_tokens vs reported" is a
real comparison with a measurable error. The heuristic:

- text: ``ceil(chars / CHARS_PER_TOKEN)`` with ``CHARS_PER_TOKEN = 3.6`` (a common rule of thumb
  for English prose and code on Claude tokenizers);
- each message adds ``MESSAGE_OVERHEAD`` tokens (role markers), each content block
  ``BLOCK_OVERHEAD``; tool_use / tool_result blocks add their name or id and JSON input;
  images count a flat ``IMAGE_TOKENS``;
- each tool costs its name, description and compact JSON input schema plus ``TOOL_OVERHEAD``;
  a request with tools adds the tool-use system prompt Anthropic documents (346 tokens for
  tool_choice auto/none, 313 for any/tool);
- ``kwargs_overhead`` is the part of ``tools`` due to the injected ``inner_thoughts`` property
  (the schema estimated with and without it); it is included in ``tools``, not added to ``total``.

``total = system + messages + tools``. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labkit.core import ConfigError
from labkit.tokens._walk import content_parts, request_parts

CHARS_PER_TOKEN = 3.6
MESSAGE_OVERHEAD = 4
BLOCK_OVERHEAD = 2
TOOL_OVERHEAD = 8
IMAGE_TOKENS = 1600
INNER_THOUGHTS_KEY = "inner_thoughts"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenEstimate:
    """A local input-token estimate, broken down by where the tokens come from."""

    system: int
    messages: int
    tools: int
    """Tool definitions plus the tool-use system prompt; includes ``kwargs_overhead``."""
    kwargs_overhead: int
    """Tokens the injected ``inner_thoughts`` property adds to the tool schemas."""

    @property
    def total(self) -> int:
        return self.system + self.messages + self.tools

    def as_dict(self) -> dict[str, int]:
        return {
            "system": self.system,
            "messages": self.messages,
            "tools": self.tools,
            "kwargs_overhead": self.kwargs_overhead,
            "total": self.total,
        }


def estimate_text_tokens(text: str) -> int:
    """Tokens in ``text`` by the chars-per-token rule (0 for the empty string)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _block_tokens(block: Any, where: str) -> int:
    if isinstance(block, str):
        return estimate_text_tokens(block)
    if not isinstance(block, Mapping):
        raise ConfigError(f"{where}: a content block must be a dict or a string, got {type(block).__name__}")
    kind = block.get("type")
    if kind == "text":
        body = estimate_text_tokens(str(block.get("text", "")))
    elif kind == "thinking":
        body = estimate_text_tokens(str(block.get("thinking", "")))
    elif kind == "tool_use":
        body = estimate_text_tokens(str(block.get("name", "")) + _json(block.get("input", {})))
    elif kind == "tool_result":
        body = _content_tokens(block.get("content", ""), f"{where}.content")
    elif kind in ("image", "document"):
        body = IMAGE_TOKENS
    else:  # redacted thinking and anything unknown: its JSON, as a rough upper bound
        body = estimate_text_tokens(_json(dict(block)))
    return body + BLOCK_OVERHEAD


def _content_tokens(content: Any, where: str) -> int:
    parts = content_parts(content, where)
    if isinstance(parts, str):
        return estimate_text_tokens(parts)
    return sum(_block_tokens(block, path) for path, block in parts)


def _tool_tokens(tool: Mapping[str, Any]) -> int:
    text = str(tool.get("name", "")) + str(tool.get("description", "") or "")
    schema = tool.get("input_schema")
    return estimate_text_tokens(text + (_json(schema) if schema else "")) + TOOL_OVERHEAD


def _without_inner_thoughts(tool: Mapping[str, Any]) -> dict[str, Any]:
    schema = dict(tool.get("input_schema") or {})
    props = {k: v for k, v in (schema.get("properties") or {}).items() if k != INNER_THOUGHTS_KEY}
    schema["properties"] = props
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r != INNER_THOUGHTS_KEY]
    return {**tool, "input_schema": schema}


def _has_inner_thoughts(tool: Mapping[str, Any]) -> bool:
    schema = tool.get("input_schema")
    return isinstance(schema, Mapping) and INNER_THOUGHTS_KEY in (schema.get("properties") or {})


def estimate_request(params: Mapping[str, Any]) -> TokenEstimate:
    """Estimate the input tokens of ``params`` (kwargs for ``client.messages.create``).

    Raises:
        ConfigError: ``params`` is not shaped like Messages API params (no message list, a message
            that is not a dict, content that is neither a string nor a list of blocks).
    """
    parts = request_parts(params)
    if "messages" not in params:
        raise ConfigError("messages: must be a list of messages")
    message_tokens = sum(MESSAGE_OVERHEAD + _content_tokens(content, where) for where, content in parts.messages)
    tools = overhead = 0
    for _, tool in parts.tools:
        cost = _tool_tokens(tool)
        tools += cost
        if _has_inner_thoughts(tool):
            overhead += cost - _tool_tokens(_without_inner_thoughts(tool))
    return TokenEstimate(
        system=_content_tokens(parts.system, "system"),
        messages=message_tokens,
        tools=tools + parts.tool_system_tokens,
        kwargs_overhead=overhead,
    )
