"""OpenAI-style chunks -> one `ChatCompletion` (`accumulate`, and the incremental `Accumulator`).

The inverse of `labkit.convert`: for any stream, ``accumulate(convert_stream(events))`` equals
``to_chat_completion(final_message)`` on content, reasoning, thinking blocks, tool calls, finish
reason and usage. How each part is rebuilt:

- ``content``: the ``content`` deltas concatenated (``None`` when there were none);
- ``thinking_blocks``: one block per ``Delta.thinking_block`` ordinal, in ordinal order; thinking
  text and redacted data are appended, a signature *replaces* the previous one (a
  signature joined across blocks would fail on replay); a block without a signature is marked
  ``replayable=False``;
- ``reasoning_content``: `labkit.convert.compose_reasoning` of the blocks' visible text and of
  the inner-thought deltas (``reasoning_content`` with ``thinking_block=None``), exactly as the
  non-streamed converter composes it;
- tool calls keyed by ``ToolCallDelta.index``: the first id and name seen, the argument pieces
  concatenated and then normalised with `labkit.convert` (parse, then canonical encoding) so
  they are byte-identical to the non-streamed form;
- finish reason, raw stop reason and stop sequence: the last ones seen; usage: the last one seen;
  ``passthrough``: every chunk's passthrough entries, in order.

With ``partial=True`` (a stream cut short) invalid or unfinished arguments are kept as received
instead of raising. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

from labkit.convert._arguments import canonical_arguments, parse_arguments
from labkit.convert._chunk_stream import ChunkStream
from labkit.convert._response import compose_reasoning
from labkit.core import ConversionError
from labkit.core._wire import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    Choice,
    FinishReason,
    FunctionCall,
    ThinkingBlock,
    ToolCall,
    ToolCallDelta,
    Usage,
)

__all__ = ["Accumulator", "accumulate"]


class _Thinking:
    __slots__ = ("data", "redacted", "signature", "text")

    def __init__(self, redacted: bool) -> None:
        self.redacted = redacted
        self.text: list[str] = []
        self.data: list[str] = []
        self.signature = ""

    def block(self) -> ThinkingBlock:
        if self.redacted:
            return ThinkingBlock(type="redacted_thinking", data="".join(self.data))
        return ThinkingBlock(
            type="thinking", thinking="".join(self.text), signature=self.signature, replayable=bool(self.signature)
        )


class _Call:
    __slots__ = ("arguments", "id", "name")

    def __init__(self) -> None:
        self.id: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []

    def tool_call(self, index: int, partial: bool) -> ToolCall:
        raw = "".join(self.arguments)
        try:
            arguments = canonical_arguments(parse_arguments(raw))
        except ConversionError as exc:
            if not partial:
                raise ConversionError(f"tool call {index}: {exc}") from None
            arguments = raw
        if (self.id is None or self.name is None) and not partial:
            raise ConversionError(f"tool call {index} never received its id and name")
        return ToolCall(id=self.id or "", function=FunctionCall(name=self.name or "", arguments=arguments))


class Accumulator:
    """Add chunks one at a time with `add`; `result` builds the completion so far."""

    def __init__(self) -> None:
        self.id = ""
        self.model = ""
        self.content: list[str] = []
        self.inner: list[str] = []
        self.thinking: dict[int, _Thinking] = {}
        self.calls: dict[int, _Call] = {}
        self.finish_reason: FinishReason | None = None
        self.stop_reason: str | None = None
        self.stop_sequence: str | None = None
        self.usage: Usage | None = None
        self.passthrough: list[dict[str, Any]] = []
        self.anthropic_content: list[dict[str, Any]] | None = None
        self.stop_details: dict[str, Any] | None = None
        self.container: dict[str, Any] | None = None
        self.context_management: dict[str, Any] | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Take in one chunk."""
        fields = chunk.__dict__  # a model's fields, every one present (cheaper than attributes)
        if not self.id:
            self.id, self.model = fields["id"], fields["model"]
        if fields["usage"] is not None:
            self.usage = fields["usage"]
            self.message_fields(fields, None)
        if fields["passthrough"]:
            self.passthrough.extend(fields["passthrough"])
        for choice in fields["choices"]:
            values = choice.__dict__
            delta = values["delta"].__dict__
            text = delta["content"]
            if text is not None:
                self.content.append(text)
            text, ordinal = delta["reasoning_content"], delta["thinking_block"]
            if ordinal is not None:
                self.thinking_part(ordinal, text, delta["thinking_signature"], delta["redacted_thinking"])
            elif text is not None:
                self.inner.append(text)
            if delta["tool_calls"]:
                self._calls(delta["tool_calls"])
            if values["finish_reason"] is not None or values["stop_reason"] is not None:
                self.finish(values["finish_reason"], values["stop_reason"], values["stop_sequence"])
                if values["stop_details"] is not None:
                    self.stop_details = values["stop_details"]

    def _calls(self, calls: list[ToolCallDelta]) -> None:
        for call in calls:
            fields = call.__dict__
            function = fields["function"]
            if function is None:
                self.call_part(fields["index"], fields["id"], None, None)
                continue
            name, arguments = function.__dict__["name"], function.__dict__["arguments"]
            record = self.calls.get(fields["index"])
            if record is not None and fields["id"] is None and name is None and arguments is not None:
                record.arguments.append(arguments)  # the common case: the next piece of known call
            else:
                self.call_part(fields["index"], fields["id"], name, arguments)

    def thinking_part(self, ordinal: int, text: str | None, signature: str | None, data: str | None) -> None:
        """Add to thinking block ``ordinal`` (created on first sight; redacted when it carries data)."""
        block = self.thinking.get(ordinal)
        if block is None:
            block = self.thinking[ordinal] = _Thinking(redacted=data is not None)
        elif signature is None and data is None and text is not None:
            block.text.append(text)  # the common case: the next piece of a known block
            return
        if text is not None:
            block.text.append(text)
        if signature is not None:
            block.signature = signature
        if data is not None:
            block.data.append(data)

    def call_part(self, index: int, call_id: str | None, name: str | None, arguments: str | None) -> None:
        """Add to tool call ``index``: the first id and name seen are kept, arguments appended."""
        call = self.calls.get(index)
        if call is None:
            call = self.calls[index] = _Call()
        if call_id is not None and call.id is None:
            call.id = call_id
        if name is not None and call.name is None:
            call.name = name
        if arguments is not None:
            call.arguments.append(arguments)

    def finish(self, finish_reason: FinishReason | None, stop_reason: str | None, stop_sequence: str | None) -> None:
        """Record the end of the message (a later call overrides the values it carries)."""
        if finish_reason is not None:
            self.finish_reason = finish_reason
        if stop_reason is not None:
            self.stop_reason = stop_reason
            self.stop_sequence = stop_sequence

    def message_fields(self, fields: dict[str, Any], stop_details: dict[str, Any] | None) -> None:
        """Take the final chunk's message-level fields (content in order, container, context management)."""
        for name in ("anthropic_content", "container", "context_management"):
            if fields.get(name) is not None:
                setattr(self, name, fields[name])
        if stop_details is not None:
            self.stop_details = stop_details

    def result(self, *, partial: bool = False) -> ChatCompletion:
        """The completion so far. Raises `ConversionError` on invalid tool arguments unless ``partial``."""
        thinking = [self.thinking[k].block() for k in sorted(self.thinking)]
        calls = [self.calls[k].tool_call(k, partial) for k in sorted(self.calls)]
        message = ChatMessage(
            role="assistant",
            content="".join(self.content) or None,
            tool_calls=calls or None,
            reasoning_content=compose_reasoning((b.thinking for b in thinking), "".join(self.inner)),
            thinking_blocks=thinking or None,
            anthropic_content=None if partial or self.anthropic_content is None else list(self.anthropic_content),
        )
        choice = Choice(
            message=message,
            finish_reason=self.finish_reason,
            stop_reason=self.stop_reason,
            stop_sequence=self.stop_sequence,
            stop_details=self.stop_details,
        )
        return ChatCompletion(
            id=self.id,
            model=self.model,
            choices=[choice],
            usage=self.usage,
            passthrough=list(self.passthrough),
            container=self.container,
            context_management=self.context_management,
        )


def accumulate(chunks: Iterable[ChatCompletionChunk]) -> ChatCompletion:
    """Rebuild one completion from a stream of chunks (e.g. from `labkit.convert_stream`).

    A `labkit.convert.ChunkStream` nobody has iterated yet gives its ``completion()``: the
    same result, without building the chunks only to take them apart again."""
    if type(chunks) is ChunkStream and not chunks.started:
        return chunks.completion()
    if not isinstance(chunks, Iterable):
        hint = "; await its completion() instead" if isinstance(chunks, AsyncIterable) else ""
        raise ConversionError(f"accumulate takes an iterable of chunks, got {type(chunks).__name__}{hint}")
    accumulator = Accumulator()
    add = accumulator.add
    for chunk in chunks:
        add(chunk)
    return accumulator.result()
