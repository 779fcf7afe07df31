"""A non-streamed Anthropic ``Message`` -> OpenAI-style `ChatCompletion` (`to_chat_completion`).

Every content block is kept, in order (a dropped block could not be replayed):

- ``text`` blocks are joined into ``message.content`` (``None`` when there is no text);
- ``thinking`` / ``redacted_thinking`` blocks go to ``message.thinking_blocks`` byte-exact, with
  their signature (a thinking block without a signature is marked ``replayable=False``), and the
  visible thinking text goes to ``reasoning_content``;
- every ``tool_use`` block becomes a tool call, arguments encoded by
  `labkit.convert.canonical_arguments` (the same bytes the stream path produces);
- any other block type (server tools, their results, future types) is kept as a dict in
  ``ChatCompletion.passthrough``, never dropped and never an error; so are a text block's
  citations (``{"type": "citations", "block": "content[i]", "citations": [...]}``).

The message's blocks are also kept whole, in the order the API sent them, as
``message.anthropic_content`` (the OpenAI view cannot say that text came between two thinking
blocks, or where a server tool ran); replay sends them back exactly. A prefilled reply is the
exception: it began in the request, so its content alone is not the turn, and it is left out.
Message-level fields are kept too: ``stop_details`` on the choice, ``container`` and
``context_management`` on the completion, and every usage field (`labkit.convert.to_usage`).

Inner thoughts (`labkit.core.InnerThoughts`): ``kwargs`` pops ``inner_thoughts`` out of every
tool call's input; ``xml`` splits the joined text with `labkit.convert.split_tagged`
(starting inside the tag when the request prefilled it): tag text is reasoning, the rest content.

``reasoning_content`` is composed by `compose_reasoning`, shared with the stream accumulator: the
non-empty visible text of each thinking block in order, then the inner thoughts, joined by a
blank line; ``None`` when there is none. Several kwargs thoughts are joined the same way.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from labkit.convert._arguments import canonical_arguments
from labkit.convert._fields import fields_of, plain, plain_value
from labkit.convert._finish import finish_reason
from labkit.convert._inner_thoughts import pop_inner_thoughts, split_tagged
from labkit.convert._usage import to_usage
from labkit.core import (
    ChatCompletion,
    ChatMessage,
    Choice,
    ConversionError,
    FunctionCall,
    InnerThoughts,
    ThinkingBlock,
    ToolCall,
)

__all__ = ["REASONING_SEPARATOR", "compose_reasoning", "to_chat_completion"]

REASONING_SEPARATOR = "\n\n"
"""Joins the parts of ``reasoning_content`` (thinking blocks, then inner thoughts)."""


def compose_reasoning(thinking_texts: Iterable[str | None], inner: str | None) -> str | None:
    """``reasoning_content``: non-empty thinking texts in order, then the inner thoughts, blank-line joined."""
    parts = [text for text in thinking_texts if text]
    if inner:
        parts.append(inner)
    return REASONING_SEPARATOR.join(parts) or None


def join_thoughts(thoughts: Iterable[str | None]) -> str:
    """Several kwargs inner thoughts (one per tool call) as one string; empty ones are skipped."""
    return REASONING_SEPARATOR.join(t for t in thoughts if t)


def thinking_block(fields: dict[str, Any], where: str) -> ThinkingBlock:
    """A wire `ThinkingBlock` from an Anthropic thinking / redacted_thinking block's fields."""
    if fields.get("type") == "redacted_thinking":
        return ThinkingBlock(type="redacted_thinking", data=_text(fields, "data", where))
    signature = _text(fields, "signature", where)
    return ThinkingBlock(
        type="thinking", thinking=_text(fields, "thinking", where), signature=signature, replayable=bool(signature)
    )


def _text(fields: dict[str, Any], name: str, where: str, *, required: bool = False) -> str:
    value = fields.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ConversionError(f"{where}.{name} must be a string, got {type(value).__name__}")
    return value


class _Collected:
    """What the blocks of one message add up to, before the strategy is applied."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.thinking: list[ThinkingBlock] = []
        self.tool_inputs: list[tuple[str, str, dict[str, Any]]] = []
        self.passthrough: list[dict[str, Any]] = []

    def add(self, block: Any, where: str) -> None:
        fields = fields_of(block, where)
        kind = fields.get("type")
        if not isinstance(kind, str) or not kind:
            raise ConversionError(f"{where} has no type (every content block names its type)")
        if kind == "text":
            self.texts.append(_text(fields, "text", where, required=True))
            citations = fields.get("citations")
            if citations:  # the text joins `content`; its citations are kept beside it
                cited = [plain(c) for c in citations] if isinstance(citations, list) else citations
                self.passthrough.append({"type": "citations", "block": where, "citations": cited})
        elif kind in ("thinking", "redacted_thinking"):
            self.thinking.append(thinking_block(fields, where))
        elif kind == "tool_use":
            tool_input = fields.get("input")
            tool_input = {} if tool_input is None else tool_input
            if not isinstance(tool_input, dict):
                raise ConversionError(f"{where}.input must be an object, got {type(tool_input).__name__}")
            name = _text(fields, "name", where, required=True)
            self.tool_inputs.append((_text(fields, "id", where, required=True), name, tool_input))
        else:
            self.passthrough.append(plain(block))


def _tool_calls(collected: _Collected, strategy: InnerThoughts) -> tuple[list[ToolCall] | None, list[str | None]]:
    calls: list[ToolCall] = []
    thoughts: list[str | None] = []
    for call_id, name, tool_input in collected.tool_inputs:
        if strategy.strategy == "kwargs":
            thought, tool_input = pop_inner_thoughts(tool_input)
            thoughts.append(thought)
        function = FunctionCall(name=name, arguments=canonical_arguments(tool_input))
        calls.append(ToolCall(id=call_id, function=function))
    return calls or None, thoughts


def to_chat_completion(message: Any, *, inner_thoughts: InnerThoughts | dict[str, Any] | None = None) -> ChatCompletion:
    """Convert a non-streamed Anthropic ``Message`` (SDK object, GA or beta, or a plain dict).

    Empty content is fine (an assistant turn that says nothing after a tool result). Raises
    `ConversionError` for a message that is not shaped like one (e.g. a block without a type's
    required fields).
    """
    strategy: InnerThoughts = InnerThoughts.resolve(inner_thoughts)
    fields = fields_of(message, "message")
    blocks = fields.get("content") or []
    if not isinstance(blocks, list):
        raise ConversionError(f"message.content must be a list of blocks, got {type(blocks).__name__}")
    collected = _Collected()
    for i, block in enumerate(blocks):
        collected.add(block, f"content[{i}]")
    tool_calls, thoughts = _tool_calls(collected, strategy)
    text = "".join(collected.texts)
    inner = join_thoughts(thoughts)
    if strategy.strategy == "xml":
        inner, text = split_tagged(text, strategy.tag, start_inside=strategy.prefill)
    chat_message = ChatMessage(
        role="assistant",
        content=text or None,
        tool_calls=tool_calls,
        reasoning_content=compose_reasoning((b.thinking for b in collected.thinking), inner),
        thinking_blocks=collected.thinking or None,
        anthropic_content=None if strategy.prefill else plain_value(blocks),
    )
    stop_reason = fields.get("stop_reason")
    choice = Choice(
        message=chat_message,
        finish_reason=finish_reason(stop_reason),
        stop_reason=stop_reason if isinstance(stop_reason, str) else None,
        stop_sequence=fields.get("stop_sequence") if isinstance(fields.get("stop_sequence"), str) else None,
        stop_details=_object(fields, "stop_details"),
    )
    usage = fields.get("usage")
    return ChatCompletion(
        id=_text(fields, "id", "message", required=True),
        model=_text(fields, "model", "message", required=True),
        choices=[choice],
        usage=None if usage is None else to_usage(usage),
        passthrough=collected.passthrough,
        container=_object(fields, "container"),
        context_management=_object(fields, "context_management"),
    )


def _object(fields: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A message-level object field as received (None when absent or null)."""
    value = fields.get(name)
    if value is None:
        return None
    copied = plain_value(value)  # an SDK object becomes its dict; a dict is copied
    if not isinstance(copied, dict):
        raise ConversionError(f"message.{name} must be an object, got {type(value).__name__}")
    return copied
