"""Anthropic stream events -> OpenAI-style `ChatCompletionChunk`s (`StreamConverter`, `convert_stream`).

Events may be the SDK's objects (GA or beta) or plain dicts, from a sync or async iterable.

- Text, visible thinking, signatures and redacted data travel in separate delta fields
  (``content``, ``reasoning_content``, ``thinking_signature``, ``redacted_thinking``);
  ``Delta.thinking_block`` is the ordinal of the thinking block a delta belongs to (each block
  announces itself with one chunk when it starts) and ``None`` for inner thoughts.
- Tool calls are numbered 0, 1, 2 among tool_use blocks (parallel calls never merge): id and name
  on the first delta, arguments on later ones. With the ``kwargs`` strategy the thoughts stream
  out of the partial JSON as reasoning while the call streams, and the arguments (without
  ``inner_thoughts``) come in canonical form when the block stops; otherwise they stream as they
  arrive and are checked to be valid JSON at block stop. A call whose input never streamed gets
  its canonical arguments at block stop.
- ``xml``: one `labkit.inner_thoughts.TagSplitter` runs over all the text of the message (flushed
  at ``message_stop``), so a tag split across any chunk boundary is removed exactly.
- No empty-string deltas. The last chunk carries ``finish_reason``, the raw ``stop_reason`` and the
  usage: input and cache counts from ``message_start``, output from the last cumulative
  ``message_delta`` (assigned, never added).
- Unknown event, block and delta types are passed through (``chunk.passthrough``) as dicts;
  ``ping`` is ignored. An ``error`` event, or an end without ``message_stop`` (`close`), raises
  `IncompleteStreamError` with the completion built so far. Events out of order, a delta for a
  block that never started, or invalid tool JSON at block stop raise `ConversionError` naming
  the event index.

Chunks are built with pydantic's construct semantics (no validation; the converter produced
the values) because validation would cost more than the SDK's own parsing. Pure: no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from typing import Any, Final, TypeVar, overload

from pydantic import BaseModel

from labkit.accumulate import Accumulator
from labkit.arguments import canonical_arguments, parse_arguments
from labkit.configs import InnerThoughts
from labkit.errors import ConversionError, IncompleteStreamError
from labkit.finish import finish_reason
from labkit.inner_thoughts import PartialThoughts, TagSplitter, pop_inner_thoughts
from labkit.response import REASONING_SEPARATOR, plain
from labkit.usage import apply_delta_usage, read_usage_counts, usage_from_counts
from labkit.wire import ChatCompletion, ChatCompletionChunk, ChunkChoice, Delta, FunctionCallDelta, ToolCallDelta

__all__ = ["StreamConverter", "convert_stream"]

M = TypeVar("M", bound=BaseModel)
_SLOTS = BaseModel.__dict__
_set_dict = _SLOTS["__dict__"].__set__
_set_fields_set = _SLOTS["__pydantic_fields_set__"].__set__
_set_extra = _SLOTS["__pydantic_extra__"].__set__
_set_private = _SLOTS["__pydantic_private__"].__set__
_DEFAULTS: Final[dict[type[BaseModel], dict[str, Any]]] = {
    cls: {name: f.default for name, f in cls.model_fields.items() if f.default_factory is None and not f.is_required()}
    for cls in (Delta, ChunkChoice, ChatCompletionChunk, ToolCallDelta, FunctionCallDelta)
}


def _build(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for labkit's own trusted values, at a fraction of its cost."""
    obj = object.__new__(cls)
    _set_dict(obj, {**_DEFAULTS[cls], **values})
    _set_fields_set(obj, set(values))
    _set_extra(obj, {})
    _set_private(obj, None)
    return obj


def _fields(obj: Any, what: str, index: int) -> dict[str, Any]:
    if type(obj) is dict:
        return obj
    if isinstance(obj, BaseModel):
        return obj.__dict__
    raise ConversionError(f"{what} must be an object, got {type(obj).__name__}", event_index=index)


def _string(value: Any, what: str, index: int) -> str:
    if type(value) is not str:
        raise ConversionError(f"{what} must be a string, got {type(value).__name__}", event_index=index)
    return value


def _tool_delta(ordinal: int, **function: str | None) -> list[ToolCallDelta]:
    return [_build(ToolCallDelta, {"index": ordinal, "function": _build(FunctionCallDelta, function)})]


class _Block:
    """One content block while it streams."""

    __slots__ = ("call_id", "kind", "ordinal", "parts", "shell_input", "thoughts", "thoughts_started")

    def __init__(self, kind: str, ordinal: int = -1) -> None:
        self.kind = kind
        self.ordinal = ordinal
        self.parts: list[str] = []
        self.shell_input: dict[str, Any] = {}
        self.thoughts: PartialThoughts | None = None
        self.thoughts_started = False


class StreamConverter:
    """Feed Anthropic stream events one at a time; get the OpenAI-style chunks each one yields."""

    def __init__(self, *, inner_thoughts: InnerThoughts | dict[str, Any] | None = None) -> None:
        strategy: InnerThoughts = InnerThoughts.parse(inner_thoughts) or InnerThoughts()
        self._kwargs = strategy.strategy == "kwargs"
        self._splitter: TagSplitter | None = None
        if strategy.strategy == "xml":
            self._splitter = TagSplitter(strategy.tag, start_inside=strategy.prefill)
        self._id = ""
        self._model = ""
        self._events = 0
        self._started = self._stopped = self._after_delta = False
        self._blocks = self._thinking = self._tools = 0
        self._open: dict[int, _Block] = {}
        self._counts: dict[str, int | None] = {}
        self._stop_reason: str | None = None
        self._stop_sequence: str | None = None
        self._inner_emitted = False
        self._chunks: list[ChatCompletionChunk] = []
        self._handlers = {
            "message_start": self._message_start,
            "content_block_start": self._block_start,
            "content_block_delta": self._block_delta,
            "content_block_stop": self._block_stop,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
            "error": self._error,
        }

    @property
    def done(self) -> bool:
        """True once ``message_stop`` arrived."""
        return self._stopped

    def feed(self, event: Any) -> list[ChatCompletionChunk]:
        """Convert one event (SDK object or dict) into zero or more chunks."""
        index = self._events
        self._events += 1
        fields = _fields(event, "a stream event", index)
        kind = fields.get("type")
        if type(kind) is not str:
            raise ConversionError("stream event has no string 'type'", event_index=index)
        handler = self._handlers.get(kind)
        if handler is None:
            chunks = [] if kind == "ping" else [self._chunk({}, passthrough=[plain(event)])]
        else:
            if kind != "error" and (not self._started or self._stopped) and kind != "message_start":
                where = "before message_start" if not self._started else "after message_stop"
                raise ConversionError(f"{kind} {where}", event_index=index)
            chunks = handler(fields, event, index)
        self._chunks.extend(chunks)
        return chunks

    def close(self) -> None:
        """Check the stream ended properly; `IncompleteStreamError` (with ``.partial``) if not."""
        if not self._stopped:
            raise IncompleteStreamError(
                f"stream ended without message_stop after {self._events} events", partial=self.partial()
            )

    def partial(self) -> ChatCompletion:
        """The completion built from what arrived so far (unsigned thinking marked not replayable)."""
        accumulator = Accumulator()
        for chunk in self._chunks:
            accumulator.add(chunk)
        if self._started and not self._stopped:
            for chunk in self._pending():
                accumulator.add(chunk)
        return accumulator.result(partial=True)

    # ------------------------------------------------------------------ events

    def _chunk(self, delta: dict[str, Any], **extra: Any) -> ChatCompletionChunk:
        choice = _build(ChunkChoice, {"delta": _build(Delta, delta)})
        return _build(ChatCompletionChunk, {"id": self._id, "model": self._model, "choices": [choice], **extra})

    def _message_start(self, fields: dict[str, Any], event: Any, index: int) -> list[ChatCompletionChunk]:
        if self._started:
            raise ConversionError("second message_start", event_index=index)
        message = _fields(fields.get("message"), "message_start.message", index)
        self._id = _string(message.get("id"), "message_start.message.id", index)
        self._model = _string(message.get("model"), "message_start.message.model", index)
        try:
            self._counts = read_usage_counts(message.get("usage"))
        except ConversionError as exc:
            raise ConversionError(str(exc), event_index=index) from None
        self._started = True
        blocks = message.get("content") or []
        extra = {"passthrough": [plain(b) for b in blocks]} if isinstance(blocks, list) and blocks else {}
        return [self._chunk({"role": "assistant"}, **extra)]

    def _block_start(self, fields: dict[str, Any], event: Any, index: int) -> list[ChatCompletionChunk]:
        if self._after_delta:
            raise ConversionError("content_block_start after message_delta", event_index=index)
        position = fields.get("index")
        if position != self._blocks or type(position) is not int:
            raise ConversionError(
                f"content_block_start index {position!r}, expected {self._blocks} (block index mismatch)",
                event_index=index,
            )
        shell = _fields(fields.get("content_block"), "content_block_start.content_block", index)
        kind = shell.get("type")
        self._blocks += 1
        if kind == "text":
            self._open[position] = _Block("text")
            text = shell.get("text")
            return self._text(_string(text, "text block text", index)) if text else []
        if kind in ("thinking", "redacted_thinking"):
            return self._thinking_start(position, kind, shell, index)
        if kind == "tool_use":
            return self._tool_start(position, shell, index)
        self._open[position] = _Block("unknown")
        return [self._chunk({}, passthrough=[plain(event)])]

    def _thinking_start(
        self, position: int, kind: str, shell: dict[str, Any], index: int
    ) -> list[ChatCompletionChunk]:
        block = self._open[position] = _Block(kind, self._thinking)
        self._thinking += 1
        delta: dict[str, Any] = {"thinking_block": block.ordinal}
        if kind == "redacted_thinking":
            delta["redacted_thinking"] = _string(shell.get("data"), "redacted_thinking data", index)
        else:
            for name, field in (("thinking", "reasoning_content"), ("signature", "thinking_signature")):
                value = shell.get(name)
                if value:
                    delta[field] = _string(value, f"thinking block {name}", index)
        return [self._chunk(delta)]

    def _tool_start(self, position: int, shell: dict[str, Any], index: int) -> list[ChatCompletionChunk]:
        block = self._open[position] = _Block("tool_use", self._tools)
        self._tools += 1
        call_id = _string(shell.get("id"), "tool_use id", index)
        name = _string(shell.get("name"), "tool_use name", index)
        shell_input = shell.get("input")
        if shell_input is not None and not isinstance(shell_input, dict):
            raise ConversionError("tool_use input must be an object", event_index=index)
        block.shell_input = shell_input or {}
        if self._kwargs:
            block.thoughts = PartialThoughts()
        function = _build(FunctionCallDelta, {"name": name})
        call = _build(ToolCallDelta, {"index": block.ordinal, "id": call_id, "type": "function", "function": function})
        return [self._chunk({"tool_calls": [call]})]

    def _open_block(self, fields: dict[str, Any], what: str, index: int) -> _Block:
        position = fields.get("index")
        block = self._open.get(position) if type(position) is int else None
        if block is None:
            started = type(position) is int and 0 <= position < self._blocks
            why = "after its content_block_stop" if started else "that never started"
            raise ConversionError(f"{what} for block {position!r} {why}", event_index=index)
        return block

    def _block_delta(self, fields: dict[str, Any], event: Any, index: int) -> list[ChatCompletionChunk]:
        block = self._open_block(fields, "content_block_delta", index)
        delta = _fields(fields.get("delta"), "content_block_delta.delta", index)
        kind = delta.get("type")
        expected = _DELTA_BLOCK.get(kind) if type(kind) is str else None
        if expected is None or block.kind == "unknown":
            return [self._chunk({}, passthrough=[plain(event)])]
        if block.kind != expected[0]:
            raise ConversionError(f"{kind} for a {block.kind} block", event_index=index)
        value = _string(delta.get(expected[1]), f"{kind}.{expected[1]}", index)
        if kind == "text_delta":
            return self._text(value) if value else []
        if kind == "input_json_delta":
            return self._tool_json(block, value)
        if not value:
            return []
        field = "reasoning_content" if kind == "thinking_delta" else "thinking_signature"
        return [self._chunk({field: value, "thinking_block": block.ordinal})]

    def _block_stop(self, fields: dict[str, Any], event: Any, index: int) -> list[ChatCompletionChunk]:
        block = self._open_block(fields, "content_block_stop", index)
        del self._open[fields["index"]]
        if block.kind == "tool_use":
            return self._tool_stop(block, index)
        if block.kind == "unknown":
            return [self._chunk({}, passthrough=[plain(event)])]
        return []

    def _message_delta(self, fields: dict[str, Any], event: Any, index: int) -> list[ChatCompletionChunk]:
        self._check_closed("message_delta", index)
        delta = _fields(fields.get("delta") or {}, "message_delta.delta", index)
        stop_reason, stop_sequence = delta.get("stop_reason"), delta.get("stop_sequence")
        self._stop_reason = None if stop_reason is None else _string(stop_reason, "stop_reason", index)
        self._stop_sequence = None if stop_sequence is None else _string(stop_sequence, "stop_sequence", index)
        try:
            apply_delta_usage(self._counts, fields.get("usage"))
        except ConversionError as exc:
            raise ConversionError(str(exc), event_index=index) from None
        self._after_delta = True  # no block may start after the message delta
        return []

    def _message_stop(self, fields: dict[str, Any], event: Any, index: int) -> list[ChatCompletionChunk]:
        self._check_closed("message_stop", index)
        self._stopped = True
        return self._pending()

    def _error(self, fields: dict[str, Any], event: Any, index: int) -> list[ChatCompletionChunk]:
        error = fields.get("error")
        body = plain(error) if isinstance(error, dict | BaseModel) else {"message": repr(error)}
        raise IncompleteStreamError(
            f"stream error event at event {index}: {body.get('type', 'error')}: {body.get('message', '')}",
            partial=self.partial(),
            error=body,
        )

    # ------------------------------------------------------------------ helpers

    def _check_closed(self, what: str, index: int) -> None:
        if self._open:
            raise ConversionError(f"{what} while block(s) {sorted(self._open)} still open", event_index=index)

    def _text(self, text: str) -> list[ChatCompletionChunk]:
        if self._splitter is None:
            return [self._chunk({"content": text})]
        return self._pieces(self._splitter.feed(text))

    def _pieces(self, pieces: Sequence[tuple[str, str]]) -> list[ChatCompletionChunk]:
        chunks = []
        for part, text in pieces:
            if part == "reasoning":
                self._inner_emitted = True
                chunks.append(self._chunk({"reasoning_content": text}))
            else:
                chunks.append(self._chunk({"content": text}))
        return chunks

    def _thought(self, block: _Block, text: str) -> list[ChatCompletionChunk]:
        if not text:
            return []
        if not block.thoughts_started:
            block.thoughts_started = True
            if self._inner_emitted:
                text = REASONING_SEPARATOR + text
        self._inner_emitted = True
        return [self._chunk({"reasoning_content": text})]

    def _tool_json(self, block: _Block, partial_json: str) -> list[ChatCompletionChunk]:
        if block.thoughts is not None:
            return self._thought(block, block.thoughts.feed(partial_json))
        block.parts.append(partial_json)
        if not partial_json:
            return []
        return [self._chunk({"tool_calls": _tool_delta(block.ordinal, arguments=partial_json)})]

    def _tool_stop(self, block: _Block, index: int) -> list[ChatCompletionChunk]:
        raw = block.thoughts.text if block.thoughts is not None else "".join(block.parts)
        try:
            arguments = parse_arguments(raw) if raw.strip() else block.shell_input
        except ConversionError as exc:
            raise ConversionError(f"tool call {block.ordinal}: {exc}", event_index=index) from None
        if block.thoughts is None:
            return [] if raw.strip() else self._arguments(block, arguments)
        thoughts, arguments = pop_inner_thoughts(arguments)
        revealed = block.thoughts.revealed
        if thoughts is not None and not thoughts.startswith(revealed):
            raise ConversionError(f"tool call {block.ordinal}: streamed thoughts disagree", event_index=index)
        return self._thought(block, (thoughts or "")[len(revealed) :]) + self._arguments(block, arguments)

    def _arguments(self, block: _Block, arguments: dict[str, Any]) -> list[ChatCompletionChunk]:
        return [self._chunk({"tool_calls": _tool_delta(block.ordinal, arguments=canonical_arguments(arguments))})]

    def _pending(self) -> list[ChatCompletionChunk]:
        """The chunks a ``message_stop`` emits now: held-back xml text, then the final chunk."""
        chunks = []
        if self._splitter is not None:  # a partial() must not disturb a stream still running
            splitter = self._splitter if self._stopped else copy.copy(self._splitter)
            chunks = self._pieces(splitter.flush())
        choice = _build(
            ChunkChoice,
            {
                "delta": _build(Delta, {}),
                "finish_reason": finish_reason(self._stop_reason),
                "stop_reason": self._stop_reason,
                "stop_sequence": self._stop_sequence,
            },
        )
        usage = usage_from_counts(self._counts)
        final = _build(ChatCompletionChunk, {"id": self._id, "model": self._model, "choices": [choice], "usage": usage})
        return [*chunks, final]


_DELTA_BLOCK: Final = {
    "text_delta": ("text", "text"),
    "thinking_delta": ("thinking", "thinking"),
    "signature_delta": ("thinking", "signature"),
    "input_json_delta": ("tool_use", "partial_json"),
}
"""Delta types labkit converts: the block kind each may target, and the field holding its text.

Other delta types (``citations_delta``, future ones) pass through."""


def _convert(events: Iterable[Any], converter: StreamConverter) -> Iterator[ChatCompletionChunk]:
    feed = converter.feed
    for event in events:
        yield from feed(event)
    converter.close()


async def _aconvert(events: AsyncIterable[Any], converter: StreamConverter) -> AsyncIterator[ChatCompletionChunk]:
    feed = converter.feed
    async for event in events:
        for chunk in feed(event):
            yield chunk
    converter.close()


@overload
def convert_stream(
    events: AsyncIterable[Any], *, inner_thoughts: InnerThoughts | dict[str, Any] | None = None
) -> AsyncIterator[ChatCompletionChunk]: ...
@overload
def convert_stream(
    events: Iterable[Any], *, inner_thoughts: InnerThoughts | dict[str, Any] | None = None
) -> Iterator[ChatCompletionChunk]: ...
def convert_stream(
    events: Iterable[Any] | AsyncIterable[Any], *, inner_thoughts: InnerThoughts | dict[str, Any] | None = None
) -> Iterator[ChatCompletionChunk] | AsyncIterator[ChatCompletionChunk]:
    """Convert a whole stream: a sync iterable gives an iterator, an async iterable an async iterator.

    At the end the stream must have reached ``message_stop`` (`IncompleteStreamError` otherwise).
    """
    converter = StreamConverter(inner_thoughts=inner_thoughts)
    if isinstance(events, AsyncIterable):
        return _aconvert(events, converter)
    if isinstance(events, Iterable):
        return _convert(events, converter)
    raise ConversionError(f"events must be an iterable or async iterable, got {type(events).__name__}")
