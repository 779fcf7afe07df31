"""The emulator's own tokenizer, shared by ``count_tokens`` and ``usage`` (pure).

Not Claude's tokenizer: a small, fast, deterministic stand-in whose counts land in the same
range (about 4 characters of English a token), so that ``POST /v1/messages/count_tokens`` and
``usage.input_tokens`` agree exactly and labkit's own estimate has a measurable error.

`tokenize(text)` splits text into pieces whose concatenation is ``text``:

- a word of up to 7 letters is one piece; a longer word is cut into chunks of up to 4 letters
  (the last up-to-7 letters stay together), e.g. ``" strawberry"`` -> ``" stra"``, ``"wberry"``;
- digits come in groups of up to 3 (``"123456"`` -> ``"123"``, ``"456"``);
- every punctuation mark (and ``_``) is one piece;
- blanks (spaces, tabs, ``\\r``) attach to the piece that follows them; a run of newlines is one
  piece; blanks before a newline or at the end form a piece of their own.

`count_request_tokens(params)` counts a Messages request body (the dict sent to
``/v1/messages`` or ``/v1/messages/count_tokens``). Its constants:

- `MESSAGE_OVERHEAD_TOKENS` = 4: role and turn markers, once per message.
- `REQUEST_OVERHEAD_TOKENS` = 3: start of the prompt and the opening of the assistant turn.
- `IMAGE_TOKENS` = 1,600: any image block (about a 1,092 x 1,092 image at the documented
  ``width * height / 750``), whatever its source.
- `PDF_DOCUMENT_TOKENS` = 1,600: a base64 or URL PDF ``document`` block (a one-page estimate);
  ``text`` and ``content`` documents count their text instead.
- `TOOL_USE_SYSTEM_TOKENS`: the tool-use system prompt the API adds whenever ``tools`` is
  non-empty, by ``tool_choice.type`` (346 for auto/none, 313 for any/tool, as the reference
  documents for current models); each tool then adds its name, description and canonical JSON
  input schema (server tools: their whole canonical JSON definition).

Speed: no piece crosses a newline and the pieces of a line do not depend on the lines around it,
so a text is tokenized line by line (split at each run of newlines) with a bounded memo of the
pieces of short lines (16,384 lines of up to 160 characters, about 1 KB each; least recently
used dropped): the emulator's replies repeat their step lines (fitting work into a budget,
billing the thinking, streaming it; sweeps ask the same tasks again), tokenized once.

Tool-use inputs and schemas count as canonical JSON (sorted keys, no spaces, UTF-8 kept);
``thinking`` blocks count their text, ``redacted_thinking`` their opaque data, other block types
their canonical JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from labkit.core import ConfigError, canonical_json
from labkit.tokens._walk import content_parts, request_parts

MESSAGE_OVERHEAD_TOKENS = 4
REQUEST_OVERHEAD_TOKENS = 3
IMAGE_TOKENS = 1600
PDF_DOCUMENT_TOKENS = 1600

_PIECE = re.compile(
    r"""
     [^\S\n]*+                   # leading blanks attach to the piece that follows them:
     (?:[^\W\d_]{1,7}+(?![^\W\d_])  #   a short word
       |[^\W\d_]{1,4}+           #   a chunk of a long word
       |\d{1,3}+                  #   a group of up to three digits
       |[^\w\s]|_                 #   one punctuation mark
     )
    |\n++                        # a run of newlines
    |[^\S\n]++                   # blanks before a newline or at the end
    """,
    re.VERBOSE,
)
"""One pass, no backtracking (possessive quantifiers): the leading blanks are taken once and the
alternatives after them tried in order; equal to trying ``blanks + word``, ``blanks + chunk``,
... each from the start, since fewer blanks would leave a blank where a non-blank is needed."""

_NEWLINES = re.compile(r"(\n+)")
_MEMO_LINE_CHARS = 160
"""Lines up to this long are memoized (`_memo_line`); longer ones are tokenized each time."""


@lru_cache(maxsize=1 << 14)
def _memo_line(line: str) -> tuple[str, ...]:
    return tuple(_PIECE.findall(line))


def _line_pieces(line: str) -> tuple[str, ...] | list[str]:
    """The pieces of a text without newlines."""
    return _memo_line(line) if len(line) <= _MEMO_LINE_CHARS else _PIECE.findall(line)


def clear_memo() -> None:
    """Forget the memoized line pieces (for cold-start measurements; results never change)."""
    _memo_line.cache_clear()


def tokenize(text: str) -> list[str]:
    """The pieces of ``text``; ``"".join(tokenize(text)) == text``."""
    if "\n" not in text:
        return list(_line_pieces(text))
    pieces: list[str] = []
    if "\n\n" not in text:  # every newline is a piece of its own
        for line in text.split("\n"):
            if line:
                pieces += _line_pieces(line)
            pieces.append("\n")
        pieces.pop()
        return pieces
    parts = _NEWLINES.split(text)  # line, newline run, line, ..., line
    for i in range(0, len(parts) - 1, 2):
        if parts[i]:
            pieces += _line_pieces(parts[i])
        pieces.append(parts[i + 1])
    if parts[-1]:
        pieces += _line_pieces(parts[-1])
    return pieces


def count_tokens(text: str) -> int:
    """How many pieces `tokenize` would return (0 for "")."""
    if "\n" not in text:
        return len(_line_pieces(text)) if text else 0
    if "\n\n" not in text:
        return text.count("\n") + sum(map(len, map(_line_pieces, filter(None, text.split("\n")))))
    parts = _NEWLINES.split(text)
    return len(parts) // 2 + sum(map(len, map(_line_pieces, filter(None, parts[::2]))))


def _text_of_content(content: Any, where: str) -> int:
    """Tokens of a ``content`` value that is a string or a list of blocks."""
    parts = content_parts(content, where)
    if isinstance(parts, str):
        return count_tokens(parts)
    return sum(_block_tokens(block, path) for path, block in parts)


def _document_tokens(block: dict[str, Any], where: str) -> int:
    source = block.get("source") or {}
    total = count_tokens(str(block.get("title") or "")) + count_tokens(str(block.get("context") or ""))
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "text":
        return total + count_tokens(str(source.get("data") or ""))
    if kind == "content":
        return total + _text_of_content(source.get("content"), f"{where}.source.content")
    return total + PDF_DOCUMENT_TOKENS


def _block_tokens(block: Any, where: str) -> int:
    """Tokens of one content block."""
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: a content block must be an object, not {type(block).__name__}")
    kind = block.get("type")
    if kind == "text":
        return count_tokens(str(block.get("text", "")))
    if kind == "image":
        return IMAGE_TOKENS
    if kind == "document":
        return _document_tokens(block, where)
    if kind in ("tool_use", "server_tool_use"):
        return count_tokens(str(block.get("name", ""))) + count_tokens(canonical_json(block.get("input", {})))
    if kind == "tool_result":
        return _text_of_content(block.get("content"), f"{where}.content")
    if kind == "thinking":
        return count_tokens(str(block.get("thinking", "")))
    if kind == "redacted_thinking":
        return count_tokens(str(block.get("data", "")))
    rest = {k: v for k, v in block.items() if k not in ("cache_control", "citations")}
    return count_tokens(canonical_json(rest))


def _tool_tokens(tool: Mapping[str, Any]) -> int:
    if tool.get("type") not in (None, "custom"):
        rest = {k: v for k, v in tool.items() if k != "cache_control"}
        return count_tokens(canonical_json(rest))
    return (
        count_tokens(str(tool.get("name", "")))
        + count_tokens(str(tool.get("description") or ""))
        + count_tokens(canonical_json(tool.get("input_schema", {})))
    )


def count_request_tokens(params: dict[str, Any]) -> int:
    """Input tokens of a Messages request: system, messages, tools and the tool-use system prompt.

    Raises:
        ConfigError: ``params`` is not shaped like a Messages request (the message names the field).
    """
    parts = request_parts(params)
    total = REQUEST_OVERHEAD_TOKENS + _text_of_content(parts.system, "system")
    total += sum(MESSAGE_OVERHEAD_TOKENS + _text_of_content(content, where) for where, content in parts.messages)
    return total + sum(_tool_tokens(tool) for _, tool in parts.tools) + parts.tool_system_tokens
