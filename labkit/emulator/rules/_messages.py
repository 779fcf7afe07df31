"""Validation of ``messages[]``: roles, content blocks, tool_use/tool_result pairing and prefill.

Rules (each a 400 naming the field): at least one message; roles user/assistant/system; no
``system`` message first, and one only after a ``user`` turn; non-empty content everywhere but an
optional final assistant message; non-empty text blocks; blocks only in the roles that may carry
them; a ``document`` block in an assistant message and user-side citations under API version
2026-10-21; every ``tool_use`` answered by a ``tool_result`` in the next turn and every
``tool_result`` answering one; assistant prefill only on models that keep it. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from labkit.emulator.rules._base import (
    Request,
    field_error,
    require_list,
    require_literal,
    require_mapping,
    require_str,
    require_tag,
)
from labkit.emulator.rules._problems import bad_request

MAX_MESSAGES = 100_000
ROLES = ("user", "assistant", "system")
BLOCK_TYPES = (
    "text", "image", "document", "search_result", "thinking", "redacted_thinking", "tool_use", "tool_result",
    "server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
    "bash_code_execution_tool_result", "text_editor_code_execution_tool_result", "tool_search_tool_result",
    "container_upload", "mcp_tool_use", "mcp_tool_result", "compaction",
)  # fmt: skip
SERVER_RESULT_BLOCK = re.compile(r"^[a-z][a-z0-9_]*_tool_result$")
"""Server tools come and go (advisor, tool search ...) and each brings a ``<name>_tool_result`` block:
the pattern is checked rather than a list that would reject the next one the API adds."""
SYSTEM_BLOCK_TYPES = ("text", "tool_addition")
"""A mid-conversation system message: text, or a tool made available from here on (``tool_addition``)."""
ASSISTANT_ONLY = frozenset(
    {"thinking", "redacted_thinking", "tool_use", "server_tool_use", "mcp_tool_use", "compaction"}
)
USER_ONLY = frozenset({"tool_result"})
PREFILL_MESSAGE = (
    "This model does not support assistant message prefill. The conversation must end with a user message."
)


def content_blocks(message: Mapping[str, Any]) -> list[Any]:
    """A message's content as a block list (string content is one text block)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return list(content) if isinstance(content, list) else []


def check_messages(req: Request) -> None:
    messages = req.params.get("messages")
    if messages is None:
        raise field_error("messages", "Field required")
    messages = require_list(messages, "messages")
    if not messages:
        raise field_error("messages", "at least one message is required")
    if len(messages) > MAX_MESSAGES:
        raise field_error("messages", f"at most {MAX_MESSAGES} messages are allowed, got {len(messages)}")
    last = len(messages) - 1
    for i, raw in enumerate(messages):
        message = require_mapping(raw, f"messages.{i}")
        role = require_literal(message.get("role"), ROLES, f"messages.{i}.role")
        _check_content(req, message, i, role, final=i == last)
    _check_system_messages(messages)
    _check_tool_pairing(messages)
    _check_prefill(req, messages)


def _check_content(req: Request, message: Mapping[str, Any], i: int, role: str, *, final: bool) -> None:
    content = message.get("content")
    if content is None:
        raise field_error(f"messages.{i}.content", "Field required")
    if not isinstance(content, str | list):
        raise field_error(f"messages.{i}.content", "Input should be a valid string or a list of content blocks")
    if not content and not (final and role == "assistant"):
        raise field_error(
            f"messages.{i}", "all messages must have non-empty content except for the optional final assistant message"
        )
    if isinstance(content, str):
        return
    if role == "system":
        for j, block in enumerate(content):
            block = require_mapping(block, f"messages.{i}.content.{j}")
            kind = require_tag(block.get("type"), SYSTEM_BLOCK_TYPES, f"messages.{i}.content.{j}.type")
            if kind == "text":
                _check_text(req, block, f"messages.{i}.content.{j}", role)
            else:
                require_mapping(block.get("tool"), f"messages.{i}.content.{j}.tool")
        return
    for j, block in enumerate(content):
        _check_block(req, block, f"messages.{i}.content.{j}", role)


def _check_block(req: Request, raw: Any, path: str, role: str) -> None:
    block = require_mapping(raw, path)
    kind = block.get("type")
    if not (isinstance(kind, str) and SERVER_RESULT_BLOCK.match(kind)):
        kind = require_tag(kind, BLOCK_TYPES, f"{path}.type")
    if kind in ASSISTANT_ONLY and role != "assistant":
        raise field_error(f"{path}.type", f"`{kind}` blocks are only allowed in `assistant` messages")
    if kind in USER_ONLY and role != "user":
        raise field_error(f"{path}.type", f"`{kind}` blocks are only allowed in `user` messages")
    if kind == "text":
        _check_text(req, block, path, role)
    elif kind == "document" and role == "assistant" and req.current_version:
        raise field_error(path, "`document` blocks are not allowed in `assistant` messages")
    elif kind == "tool_use":
        require_str(block.get("id"), f"{path}.id")
        require_str(block.get("name"), f"{path}.name")
        require_mapping(block.get("input"), f"{path}.input")
    elif kind == "tool_result":
        require_str(block.get("tool_use_id"), f"{path}.tool_use_id")
    elif kind == "thinking":
        require_str(block.get("thinking"), f"{path}.thinking")
        require_str(block.get("signature"), f"{path}.signature")
    elif kind == "redacted_thinking":
        require_str(block.get("data"), f"{path}.data")


def _check_text(req: Request, block: Mapping[str, Any], path: str, role: str) -> None:
    text = require_str(block.get("text"), f"{path}.text")
    if not text:
        raise bad_request("messages: text content blocks must be non-empty")
    if role == "user" and req.current_version and block.get("citations"):
        raise field_error(f"{path}.citations", "citations are not allowed in `user` messages")


def _check_system_messages(messages: list[Any]) -> None:
    for i, message in enumerate(messages):
        if message.get("role") != "system":
            continue
        if i == 0:
            raise field_error("messages.0.role", "the first message cannot be a `system` message")
        if messages[i - 1].get("role") not in ("user", "system"):  # consecutive system messages merge
            raise field_error(f"messages.{i}", "a `system` message must follow a `user` message")
        if i + 1 < len(messages) and messages[i + 1].get("role") not in ("assistant", "system"):
            raise field_error(
                f"messages.{i}", "a `system` message must be last or be followed by an `assistant` message"
            )


def _turns(messages: list[Any]) -> list[tuple[int, str, list[Any]]]:
    """Consecutive same-role messages merged: (index of the turn's last message, role, blocks)."""
    turns: list[tuple[int, str, list[Any]]] = []
    for i, message in enumerate(messages):
        role, blocks = message.get("role"), content_blocks(message)
        if turns and turns[-1][1] == role:
            turns[-1] = (i, role, turns[-1][2] + blocks)
        else:
            turns.append((i, role, blocks))
    return turns


def _check_tool_pairing(messages: list[Any]) -> None:
    turns = _turns(messages)
    for t, (i, role, blocks) in enumerate(turns):
        if role != "assistant" or t + 1 >= len(turns):
            continue
        used = [b.get("id") for b in blocks if b.get("type") == "tool_use"]
        answered = {b.get("tool_use_id") for b in turns[t + 1][2] if b.get("type") == "tool_result"}
        missing = [u for u in used if u not in answered]
        if missing:
            raise field_error(
                f"messages.{i}",
                f"`tool_use` ids were found without `tool_result` blocks immediately after: {', '.join(missing)}. "
                "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
            )
    for t, (i, role, blocks) in enumerate(turns):
        if role != "user":
            continue
        results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
        prev = turns[t - 1][2] if t > 0 and turns[t - 1][1] == "assistant" else []
        issued = {b.get("id") for b in prev if b.get("type") == "tool_use"}
        stray = [a for a in results if a not in issued]
        if stray:
            raise field_error(
                f"messages.{i}",
                f"unexpected `tool_use_id` found in `tool_result` blocks: {', '.join(stray)}. "
                "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
            )


def _check_prefill(req: Request, messages: list[Any]) -> None:
    final = messages[-1]
    if final.get("role") != "assistant":
        return
    if not req.info.prefill:
        raise bad_request(PREFILL_MESSAGE)
    blocks = content_blocks(final)
    if blocks and blocks[-1].get("type") == "text" and str(blocks[-1].get("text", "")).rstrip() != blocks[-1]["text"]:
        raise field_error(
            f"messages.{len(messages) - 1}", "final assistant content cannot end with trailing whitespace"
        )
