"""Anthropic stream events (SDK objects, GA or beta, or dicts) -> OpenAI-style `ChatCompletionChunk`s.

- Text, thinking, signatures and redacted data travel in separate delta fields; ``thinking_block``
  is the ordinal of the thinking block a delta belongs to (each block announces itself with one
  chunk when it starts) and ``None`` for inner thoughts.
- Tool calls are numbered 0, 1, 2 among tool_use blocks (parallel calls never merge): id and name
  on the first delta, arguments on later ones. ``kwargs``: the thoughts stream out of the partial
  JSON as reasoning while the call streams; the arguments (without them) come in canonical form
  at block stop. Otherwise arguments stream as they arrive and are checked at block stop; a call
  whose input never streamed gets its canonical arguments at block stop.
- ``xml``: one `TagSplitter` runs over all the message's text (flushed at ``message_stop``), so a
  tag split across any chunk boundary is removed exactly.
- No empty-string deltas. The last chunk carries ``finish_reason``, the raw ``stop_reason``, the
  usage (``message_start`` counts, each overwritten by the last cumulative ``message_delta``), and
  the blocks recorded whole, in order, as the API sent them (``anthropic_content``), with
  ``stop_details``, ``container`` and ``context_management``.
- Unknown event, block and delta types pass through (``chunk.passthrough``); ``ping`` is ignored.
  An ``error`` event, or an end without ``message_stop`` (`close`), raises `IncompleteStreamError`
  with the completion so far. Events out of order, a delta for a block that never started, or
  invalid tool JSON at block stop raise `ConversionError` naming the event index.

Chunks are built without validation (`_chunks`); a body delta of an open block takes a short path
in `feed` to the block's ``on_value``. The converter records the message as it goes (`completion`,
`partial`); ``body_chunks=False`` records without building body chunks (`ChunkStream` uses it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, Final, NoReturn

from pydantic import BaseModel

from labkit.convert._accumulate import Accumulator
from labkit.convert._arguments import canonical_arguments, parse_arguments
from labkit.convert._chunks import (
    BODY_DELTAS,
    DELTA_BLOCK,
    Block,
    ChunkMaker,
    at_event,
    make_chunk,
    make_tool_call,
    record_only,
    string_at,
)
from labkit.convert._content_log import final_fields, finish_record, keep_message_fields, log_delta
from labkit.convert._fields import fields_of, plain, plain_value
from labkit.convert._finish import finish_reason
from labkit.convert._inner_thoughts import PartialThoughts, TagSplitter, pop_inner_thoughts
from labkit.convert._response import REASONING_SEPARATOR
from labkit.convert._usage import apply_delta_usage, read_usage_counts, usage_from_counts
from labkit.core import ChatCompletion, ChatCompletionChunk, ConversionError, IncompleteStreamError, InnerThoughts

__all__ = ["StreamConverter"]

Strategy = InnerThoughts | dict[str, Any] | None
Chunk = ChatCompletionChunk

_HANDLED: Final = "message_start content_block_start content_block_delta content_block_stop message_delta message_stop"
"""The event types with a handler (``_<type>``); ``ping`` is ignored, ``error`` raises, others pass."""


class StreamConverter:
    """Feed Anthropic stream events one at a time; get the OpenAI-style chunks each one yields."""

    def __init__(self, *, inner_thoughts: Strategy = None, body_chunks: bool = True) -> None:
        """``body_chunks=False``: plain body deltas give no chunks, only `completion` (see above)."""
        strategy: InnerThoughts = InnerThoughts.resolve(inner_thoughts)
        self._body_chunks = body_chunks
        self._kwargs = strategy.strategy == "kwargs"
        self._splitter: TagSplitter | None = None
        if strategy.strategy == "xml":
            self._splitter = TagSplitter(strategy.tag, start_inside=strategy.prefill)
        self._id = self._model = ""
        self._make = ChunkMaker("", "")
        self._events = 0
        self._started = self._stopped = self._after_delta = self._live = False  # live: started, not stopped
        self._blocks = self._thinking = self._tools = 0
        self._open: dict[int, Block] = {}
        self._counts: dict[str, int | None] = {}
        self._stop_reason: str | None = None
        self._stop_sequence: str | None = None
        self._inner_emitted = False
        self._record_content = not strategy.prefill  # a prefilled reply is not the whole turn
        self._content_log: list[dict[str, Any]] = []
        self._message_fields: dict[str, Any] = {}
        self._so_far = Accumulator()  # what arrived, for `partial` (keeping every chunk would cost GC time)
        self._handlers: dict[str, Callable[[dict[str, Any], Any, int], list[Chunk]]] = {
            kind: getattr(self, f"_{kind}") for kind in _HANDLED.split()
        }

    @property
    def done(self) -> bool:
        """True once ``message_stop`` arrived."""
        return self._stopped

    def feed(self, event: Any) -> list[Chunk]:
        """Convert one event (SDK object or dict) into zero or more chunks."""
        index = self._events
        self._events = index + 1
        # an SDK object: its fields, with those its type does not declare (`fields_of`)
        fields = event if type(event) is dict else fields_of(event, "a stream event", event_index=index)
        kind = fields.get("type")
        if kind == "content_block_delta" and self._live:
            try:  # the hot path: a body delta of an open block, with text (anything else: the full path)
                position = fields["index"]
                block = self._open[position]
                delta = fields["delta"]
                values = delta if type(delta) is dict else delta.__dict__
            except (KeyError, TypeError, AttributeError):
                values = None
            if type(values) is dict and type(position) is int and values.get("type") == block.delta_type:
                value = values.get(block.text_field)
                if type(value) is str and value:
                    return block.on_value(value)
            return self._content_block_delta(fields, event, index)
        if type(kind) is not str:
            raise ConversionError("stream event has no string 'type'", event_index=index)
        handler = self._handlers.get(kind)
        if handler is None:
            if kind == "error":
                self._error(fields, index)
            return [] if kind == "ping" else [self._passthrough(event)]
        if kind != "message_start" and (not self._started or self._stopped):
            where = "before message_start" if not self._started else "after message_stop"
            raise ConversionError(f"{kind} {where}", event_index=index)
        return handler(fields, event, index)

    def close(self) -> None:
        """Check the stream ended properly; `IncompleteStreamError` (with ``.partial``) if not."""
        if not self._stopped:
            raise IncompleteStreamError(
                f"stream ended without message_stop after {self._events} events", partial=self.partial()
            )

    def completion(self) -> ChatCompletion:
        """The whole message's completion (as `labkit.convert` of every chunk gives it), once
        ``message_stop`` arrived; `IncompleteStreamError` (with ``.partial``) before."""
        self.close()
        return self._so_far.result()

    def partial(self) -> ChatCompletion:
        """The completion built from what arrived so far (unsigned thinking marked not replayable)."""
        if not self._started or self._stopped:
            return self._so_far.result(partial=True)
        live = self._so_far, self._inner_emitted  # kept in place: the blocks' on_value append to it
        self._so_far = copy.deepcopy(self._so_far)
        try:
            self._pending(copy.copy(self._splitter))  # what message_stop would add, on a copy of the state
            for block in self._open.values():  # a kwargs call cut short: the raw JSON that arrived
                if block.thoughts is not None and block.thoughts.text:
                    self._so_far.call_part(block.ordinal, None, None, block.thoughts.text)
            return self._so_far.result(partial=True)
        finally:
            self._so_far, self._inner_emitted = live

    def _content(self, text: str) -> Chunk:  # every chunk maker also records the chunk in `_so_far`
        self._so_far.content.append(text)
        return self._make.content(text)

    def _inner(self, text: str) -> Chunk:
        self._inner_emitted = True
        self._so_far.inner.append(text)
        return self._make.reasoning(text, None)

    def _thinking_chunk(
        self, ordinal: int, text: str | None = None, signature: str | None = None, data: str | None = None
    ) -> Chunk:
        self._so_far.thinking_part(ordinal, text, signature, data)
        values = {"reasoning_content": text, "thinking_signature": signature, "redacted_thinking": data}
        delta = {"thinking_block": ordinal, **{k: v for k, v in values.items() if v is not None}}
        return make_chunk(self._id, self._model, delta)

    def _call_chunk(
        self, ordinal: int, call_id: str | None = None, name: str | None = None, arguments: str | None = None
    ) -> Chunk:
        self._so_far.call_part(ordinal, call_id, name, arguments)
        return make_chunk(self._id, self._model, {"tool_calls": [make_tool_call(ordinal, call_id, name, arguments)]})

    def _passthrough(self, event: Any) -> Chunk:
        entry = plain(event)
        self._so_far.passthrough.append(entry)
        return make_chunk(self._id, self._model, {}, extra={"passthrough": [entry]})

    def _message_start(self, fields: dict[str, Any], event: Any, index: int) -> list[Chunk]:
        if self._started:
            raise ConversionError("second message_start", event_index=index)
        message = fields_of(fields.get("message"), "message_start.message", event_index=index)
        self._id = self._so_far.id = string_at(message.get("id"), "message_start.message.id", index)
        self._model = self._so_far.model = string_at(message.get("model"), "message_start.message.model", index)
        self._counts = at_event(index, read_usage_counts, message.get("usage"))
        keep_message_fields(self._message_fields, message)
        self._make = ChunkMaker(self._id, self._model)
        self._started = self._live = True
        chunks = [make_chunk(self._id, self._model, {"role": "assistant"})]
        blocks = message.get("content")
        if isinstance(blocks, list) and blocks:  # never seen in practice: kept rather than dropped
            chunks.append(self._passthrough({"type": "message_start.content", "content": [plain(b) for b in blocks]}))
        return chunks

    def _content_block_start(self, fields: dict[str, Any], event: Any, index: int) -> list[Chunk]:
        position = fields.get("index")
        if self._after_delta:
            raise ConversionError("content_block_start after message_delta", event_index=index)
        if position != self._blocks or type(position) is not int:
            message = f"content_block_start index {position!r}, expected {self._blocks} (block index mismatch)"
            raise ConversionError(message, event_index=index)
        shell = fields_of(fields.get("content_block"), "content_block_start.content_block", event_index=index)
        kind = shell.get("type")
        self._blocks += 1
        self._content_log.append(record := plain_value(fields.get("content_block")))  # only the fields that came
        if kind == "text":
            block = Block("text", record=record, first_part=len(self._so_far.content))
            self._open[position] = self._text_body(block)
            text = shell.get("text")
            if block.raw is not None and text:
                block.raw.append(text)
            return self._text(string_at(text, "text block text", index)) if text else []
        if kind == "thinking" or kind == "redacted_thinking":
            block = self._open[position] = Block(kind, self._thinking, record=record)
            self._thinking += 1
            if kind == "redacted_thinking":
                return [self._thinking_chunk(block.ordinal, data=string_at(shell.get("data"), "redacted data", index))]
            text = string_at(shell.get("thinking") or "", "thinking block text", index)
            signature = string_at(shell.get("signature") or "", "thinking block signature", index)
            chunk = self._thinking_chunk(block.ordinal, text or None, signature or None)
            self._plain(block)  # after the chunk made its record
            return [chunk]
        if kind == "tool_use":
            return self._tool_start(position, shell, record, index)
        self._open[position] = Block("unknown", record=record, json_parts=[])
        return [self._passthrough(event)]

    def _tool_start(self, position: int, shell: dict[str, Any], record: dict[str, Any], index: int) -> list[Chunk]:
        block = self._open[position] = Block("tool_use", self._tools, record=record)
        self._tools += 1
        call_id = string_at(shell.get("id"), "tool_use id", index)
        name = string_at(shell.get("name"), "tool_use name", index)
        shell_input = shell.get("input")
        if shell_input is not None and not isinstance(shell_input, dict):
            raise ConversionError("tool_use input must be an object", event_index=index)
        block.shell_input = shell_input or {}
        chunk = self._call_chunk(block.ordinal, call_id, name)
        if self._kwargs:
            thoughts = block.thoughts = PartialThoughts()
            self._body(block, lambda value: self._thought(block, thoughts.feed(value)))
        else:
            self._plain(block)  # after the chunk made its record
        return [chunk]

    @staticmethod
    def _body(block: Block, on_value: Callable[[str], list[Chunk]]) -> Block:
        block.delta_type, block.text_field = BODY_DELTAS[block.kind]
        block.on_value = on_value
        return block

    def _text_body(self, block: Block) -> Block:
        if self._splitter is None:
            return self._plain(block)
        pieces, feed = self._pieces, self._splitter.feed
        raw: list[str] = []
        block.raw = raw

        def on_value(value: str) -> list[Chunk]:
            raw.append(value)  # the text as sent, tags included, for the block's record
            return pieces(feed(value))

        return self._body(block, on_value)

    def _plain(self, block: Block) -> Block:
        """A plain body (text, thinking, tool arguments): each piece is recorded, then its chunk built
        by `labkit.convert.BodyChunks`, or (``body_chunks=False``) only recorded."""
        if block.kind == "text":
            parts, kind = self._so_far.content, "content"
        elif block.kind == "thinking":
            parts, kind = self._so_far.thinking[block.ordinal].text, "reasoning"
        else:
            parts, kind = self._so_far.calls[block.ordinal].arguments, "arguments"
        on_value = getattr(self._make.body(parts, block.ordinal), kind) if self._body_chunks else record_only(parts)
        return self._body(block, on_value)

    def _no_block(self, position: Any, what: str, index: int) -> NoReturn:
        started = type(position) is int and 0 <= position < self._blocks
        why = "after its content_block_stop" if started else "that never started"
        raise ConversionError(f"{what} for block {position!r} {why}", event_index=index)

    def _content_block_delta(self, fields: dict[str, Any], event: Any, index: int) -> list[Chunk]:
        position = fields.get("index")
        block = self._open.get(position) if type(position) is int else None
        if block is None:
            self._no_block(position, "content_block_delta", index)
        delta = fields_of(fields.get("delta"), "content_block_delta.delta", event_index=index)
        kind = delta.get("type")
        expected = DELTA_BLOCK.get(kind) if type(kind) is str else None
        if expected is None or block.kind == "unknown":
            log_delta(block, kind, delta, index)
            return [self._passthrough(event)]
        if block.kind != expected[0]:
            raise ConversionError(f"{kind} for a {block.kind} block", event_index=index)
        value = delta.get(expected[1])
        if type(value) is not str:
            string_at(value, f"{kind}.{expected[1]}", index)
        if not value:
            return []
        if kind == "signature_delta":
            return [self._thinking_chunk(block.ordinal, signature=value)]
        return block.on_value(value)

    def _content_block_stop(self, fields: dict[str, Any], event: Any, index: int) -> list[Chunk]:
        position = fields.get("index")
        block = self._open.pop(position) if type(position) is int and position in self._open else None
        if block is None:
            self._no_block(position, "content_block_stop", index)
        if block.kind == "tool_use":
            return self._tool_stop(block, index)
        finish_record(block, self._so_far, index)
        return [self._passthrough(event)] if block.kind == "unknown" else []

    def _message_delta(self, fields: dict[str, Any], event: Any, index: int) -> list[Chunk]:
        self._check_closed("message_delta", index)
        delta = fields_of(fields.get("delta") or {}, "message_delta.delta", event_index=index)
        stop_reason, stop_sequence = delta.get("stop_reason"), delta.get("stop_sequence")
        self._stop_reason = None if stop_reason is None else string_at(stop_reason, "stop_reason", index)
        self._stop_sequence = None if stop_sequence is None else string_at(stop_sequence, "stop_sequence", index)
        at_event(index, apply_delta_usage, self._counts, fields.get("usage"))
        keep_message_fields(self._message_fields, delta, fields)
        self._after_delta = True  # no block may start after the message delta
        return []

    def _message_stop(self, fields: dict[str, Any], event: Any, index: int) -> list[Chunk]:
        self._check_closed("message_stop", index)
        self._stopped, self._live = True, False
        return self._pending(self._splitter)

    def _error(self, fields: dict[str, Any], index: int) -> None:
        error = fields.get("error")
        body = plain(error) if isinstance(error, dict | BaseModel) else {"message": repr(error)}
        raise IncompleteStreamError(
            f"stream error event at event {index}: {body.get('type', 'error')}: {body.get('message', '')}",
            partial=self.partial(),
            error=body,
        )

    def _check_closed(self, what: str, index: int) -> None:
        if self._open:
            raise ConversionError(f"{what} while block(s) {sorted(self._open)} still open", event_index=index)

    def _text(self, text: str) -> list[Chunk]:
        if self._splitter is None:
            return [self._content(text)]
        return self._pieces(self._splitter.feed(text))

    def _pieces(self, pieces: Sequence[tuple[str, str]]) -> list[Chunk]:
        return [self._inner(text) if part == "reasoning" else self._content(text) for part, text in pieces]

    def _thought(self, block: Block, text: str) -> list[Chunk]:
        if not text:
            return []
        if not block.thoughts_started:
            block.thoughts_started = True
            if self._inner_emitted:
                text = REASONING_SEPARATOR + text
        return [self._inner(text)]

    def _tool_stop(self, block: Block, index: int) -> list[Chunk]:
        arguments_so_far = self._so_far.calls[block.ordinal].arguments  # what streamed, kept for `partial`
        raw = block.thoughts.text if block.thoughts is not None else "".join(arguments_so_far)
        arguments = at_event(index, parse_arguments, raw) if raw.strip() else block.shell_input
        block.record["input"] = copy.deepcopy(arguments)  # as sent, inner thoughts included
        if block.thoughts is None:
            return [] if raw.strip() else [self._call_chunk(block.ordinal, arguments=canonical_arguments(arguments))]
        thoughts, arguments = pop_inner_thoughts(arguments)
        revealed = block.thoughts.revealed
        if thoughts is not None and not thoughts.startswith(revealed):
            raise ConversionError(f"tool call {block.ordinal}: streamed thoughts disagree", event_index=index)
        chunks = self._thought(block, (thoughts or "")[len(revealed) :])
        return [*chunks, self._call_chunk(block.ordinal, arguments=canonical_arguments(arguments))]

    def _pending(self, splitter: TagSplitter | None) -> list[Chunk]:
        """What ``message_stop`` emits: text the xml splitter held back, then the final chunk."""
        chunks = self._pieces(splitter.flush()) if splitter is not None else []
        finish = finish_reason(self._stop_reason)
        self._so_far.finish(finish, self._stop_reason, self._stop_sequence)
        usage = self._so_far.usage = usage_from_counts(self._counts)
        ends, extra = final_fields(self._message_fields, self._content_log if self._record_content else None)
        choice = {"finish_reason": finish, "stop_reason": self._stop_reason, "stop_sequence": self._stop_sequence}
        choice.update(ends)
        extra["usage"] = usage
        self._so_far.message_fields(extra, ends.get("stop_details"))
        return [*chunks, make_chunk(self._id, self._model, {}, choice, extra)]

