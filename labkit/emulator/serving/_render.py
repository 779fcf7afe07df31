"""ReplyPlan -> the wire: a non-streamed Message dict, or the SSE event list (pure).

`finalize` applies the limits: ``stop_sequences`` cut a text block before the first match
(``stop_reason: "stop_sequence"``); ``max_tokens`` counts thinking (visible text + hidden tokens)
and visible output together and cuts whatever does not fit (``stop_reason: "max_tokens"``; a cut
thinking block keeps its visible and hidden shares in proportion; a cut tool call keeps the JSON
prefix that fits, parsed in partial mode as the SDK does). Then:

- ``usage.output_tokens`` = visible tokens (text + tool-call JSON) + thinking tokens;
  ``output_tokens_details.thinking_tokens`` is set when the model reports it;
- `message_dict` gives the non-streamed body; `stream_events` the named events in the documented
  order (message_start with input and cache usage and ``output_tokens: 1``, per block
  start/deltas/stop with ``signature_delta`` just before a thinking block stops and tool JSON
  starting with an empty ``input_json_delta``, one ``ping``, message_delta with cumulative usage,
  message_stop), pre-encoded as JSON text, each with its ``(kind, tokens)`` pacing for latency.

Signing is a callback ``sign(block, earlier_blocks)`` so the conversation prefix stays the
caller's business. Tool ids derive from the message id, so a seed and a request count fix them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _q
from typing import Any

import jiter

from labkit.emulator.model import PlannedText, PlannedThinking, ReplyPlan
from labkit.emulator.serving._sse import encode_json
from labkit.tokens import tokenize

DELTA_TOKENS = 8
"""Tokens per text/thinking/tool-JSON delta."""

Signer = Callable[[dict[str, Any], list[dict[str, Any]]], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class InputUsage:
    """Input side of usage. ``cache_creation_1h`` is the part of the cache write with a 1 h TTL."""

    input_tokens: int
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_1h: int = 0


@dataclass(slots=True, kw_only=True)
class Block:
    """A finalized block: its visible token pieces and, for thinking, hidden tokens kept."""

    kind: str
    pieces: list[str]
    hidden: int = 0
    name: str = ""
    tool_id: str = ""
    input: dict[str, Any] = field(default_factory=dict)
    signature: str = ""

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def tokens(self) -> int:
        return len(self.pieces) + self.hidden

    def as_content(self) -> dict[str, Any]:
        if self.kind == "thinking":
            return {"type": "thinking", "thinking": self.text, "signature": self.signature}
        if self.kind == "text":
            return {"type": "text", "text": self.text}
        return {"type": "tool_use", "id": self.tool_id, "name": self.name, "input": self.input}


@dataclass(slots=True, kw_only=True)
class Final:
    """The reply after limits: blocks, stop reason and output token counts."""

    blocks: list[Block]
    stop_reason: str
    stop_sequence: str | None
    thinking_tokens: int
    visible_tokens: int

    @property
    def output_tokens(self) -> int:
        return self.thinking_tokens + self.visible_tokens


def tool_id(message_id: str, index: int) -> str:
    digest = hashlib.sha256(f"{message_id}:{index}".encode()).hexdigest()[:24]
    return f"toolu_synth_{digest}"


def _first_stop(text: str, stop_sequences: tuple[str, ...]) -> tuple[int, str] | None:
    hits = [(pos, seq) for seq in stop_sequences if seq and (pos := text.find(seq)) >= 0]
    return min(hits) if hits else None


def _cut(
    planned: Any, remaining: int, stops: tuple[str, ...], message_id: str, index: int
) -> tuple[Block, bool, str | None]:
    """One planned block under the tokens still allowed: (block, truncated, stop sequence hit)."""
    if isinstance(planned, PlannedThinking):
        pieces, hidden = tokenize(planned.text), planned.hidden_tokens
        total = len(pieces) + hidden
        if total <= remaining:
            return Block(kind="thinking", pieces=pieces, hidden=hidden), False, None
        keep = len(pieces) * remaining // total
        return Block(kind="thinking", pieces=pieces[:keep], hidden=remaining - keep), True, None
    if isinstance(planned, PlannedText):
        return _cut_text(planned.text, remaining, stops)
    pieces = tokenize(encode_json(planned.input))
    parsed: Any = planned.input
    truncated = len(pieces) > remaining
    if truncated:
        pieces = pieces[:remaining]
        parsed = jiter.from_json("".join(pieces).encode(), partial_mode=True)
    block = Block(kind="tool_use", pieces=pieces, name=planned.name, tool_id=tool_id(message_id, index),
                  input=dict(parsed) if isinstance(parsed, dict) else {})
    return block, truncated, None


def _cut_text(text: str, remaining: int, stop_sequences: tuple[str, ...]) -> tuple[Block, bool, str | None]:
    hit = _first_stop(text, stop_sequences)
    matched = None
    if hit is not None:
        text, matched = text[: hit[0]], hit[1]
    pieces = tokenize(text)
    if len(pieces) > remaining:
        return Block(kind="text", pieces=pieces[:remaining]), True, None
    return Block(kind="text", pieces=pieces), False, matched


def finalize(plan: ReplyPlan, *, max_tokens: int, stop_sequences: tuple[str, ...], message_id: str) -> Final:
    """Apply ``stop_sequences`` and ``max_tokens`` to the plan (see the module docstring)."""
    remaining, blocks = max_tokens, list[Block]()
    stop_reason, matched = str(plan.stop_reason), None
    for planned in plan.blocks:
        if remaining <= 0:
            stop_reason = "max_tokens"
            break
        block, truncated, matched = _cut(planned, remaining, stop_sequences, message_id, len(blocks))
        remaining -= block.tokens
        if block.kind != "text" or block.pieces:
            blocks.append(block)
        if matched is not None or truncated:
            stop_reason = "stop_sequence" if matched is not None else "max_tokens"
            break
    thinking = sum(b.tokens for b in blocks if b.kind == "thinking")
    visible = sum(b.tokens for b in blocks if b.kind != "thinking")
    return Final(blocks=blocks, stop_reason=stop_reason, stop_sequence=matched, thinking_tokens=thinking,
                 visible_tokens=visible)


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """What surrounds the blocks: ids, the model id as requested, input usage, service tier."""

    message_id: str
    model: str
    usage_in: InputUsage
    reports_thinking_tokens: bool
    service_tier: str = "standard"


def sign_blocks(final: Final, sign: Signer) -> None:
    """Give every thinking block its signature over the block and the blocks before it."""
    earlier: list[dict[str, Any]] = []
    for block in final.blocks:
        if block.kind == "thinking":
            block.signature = sign({"type": "thinking", "thinking": block.text}, list(earlier))
        earlier.append(block.as_content())


def _input_usage(env: Envelope) -> dict[str, Any]:
    u = env.usage_in
    return {
        "input_tokens": u.input_tokens,
        "cache_creation_input_tokens": u.cache_creation_input_tokens,
        "cache_read_input_tokens": u.cache_read_input_tokens,
    }


def usage_dict(final: Final, env: Envelope) -> dict[str, Any]:
    """The full ``usage`` object of a Message."""
    creation, one_hour = env.usage_in.cache_creation_input_tokens, env.usage_in.cache_creation_1h
    return {
        **_input_usage(env),
        "cache_creation": {"ephemeral_5m_input_tokens": creation - one_hour, "ephemeral_1h_input_tokens": one_hour},
        "output_tokens": final.output_tokens,
        "output_tokens_details": {"thinking_tokens": final.thinking_tokens} if env.reports_thinking_tokens else None,
        "server_tool_use": None,
        "service_tier": env.service_tier,
    }


def message_dict(final: Final, env: Envelope) -> dict[str, Any]:
    """The non-streamed Message body (``stop_reason`` never null)."""
    return {
        "id": env.message_id,
        "type": "message",
        "role": "assistant",
        "model": env.model,
        "content": [block.as_content() for block in final.blocks],
        "stop_reason": final.stop_reason,
        "stop_sequence": final.stop_sequence,
        "stop_details": None,
        "usage": usage_dict(final, env),
    }


_START = {
    "thinking": '{"type":"content_block_start","index":%d,'
    '"content_block":{"type":"thinking","thinking":"","signature":""}}',
    "text": '{"type":"content_block_start","index":%d,"content_block":{"type":"text","text":""}}',
    "tool_use": '{"type":"content_block_start","index":%d,'
    '"content_block":{"type":"tool_use","id":%s,"name":%s,"input":{}}}',
}
_DELTA = {
    "thinking": '{"type":"content_block_delta","index":%d,"delta":{"type":"thinking_delta","thinking":%s}}',
    "text": '{"type":"content_block_delta","index":%d,"delta":{"type":"text_delta","text":%s}}',
    "tool_use": '{"type":"content_block_delta","index":%d,"delta":{"type":"input_json_delta","partial_json":%s}}',
}
_SIGNATURE = '{"type":"content_block_delta","index":%d,"delta":{"type":"signature_delta","signature":%s}}'
_STOP = '{"type":"content_block_stop","index":%d}'
_DELTA_EVENT = "content_block_delta"

Event = tuple[str, str]
"""A streamed event: its name and its pre-encoded JSON data."""
Pacing = tuple[str, int]
"""What an event carries for latency: ("thinking" | "text", tokens)."""


def _block_events(index: int, block: Block, out: list[Event], pacing: list[Pacing]) -> None:
    kind = block.kind
    pace_kind = "thinking" if kind == "thinking" else "text"
    start = _START[kind] % ((index, _q(block.tool_id), _q(block.name)) if kind == "tool_use" else index)
    out.append(("content_block_start", start))
    pacing.append((pace_kind, 0))
    if kind == "tool_use":
        out.append((_DELTA_EVENT, _DELTA[kind] % (index, '""')))
        pacing.append((pace_kind, 0))
    head, tail = _DELTA[kind].split("%s")
    head, pieces = head % index, block.pieces
    full, rest = divmod(len(pieces), DELTA_TOKENS)
    out += [
        (_DELTA_EVENT, head + _q("".join(pieces[at : at + DELTA_TOKENS])) + tail)
        for at in range(0, len(pieces), DELTA_TOKENS)
    ]
    pacing += [(pace_kind, DELTA_TOKENS)] * full
    if rest:
        pacing.append((pace_kind, rest))
    if kind == "thinking":
        out.append((_DELTA_EVENT, _SIGNATURE % (index, _q(block.signature))))
        pacing.append((pace_kind, block.hidden))
    out.append(("content_block_stop", _STOP % index))
    pacing.append((pace_kind, 0))


def stream_events(final: Final, env: Envelope, *, ping: bool = True) -> tuple[list[Event], list[Pacing]]:
    """The SSE events of the reply, in the documented order, with their pacing."""
    start_usage = {**usage_dict(final, env), "output_tokens": 1}
    del start_usage["output_tokens_details"], start_usage["server_tool_use"]
    shell = {**message_dict(final, env), "content": [], "stop_reason": None, "stop_sequence": None}
    shell["usage"] = start_usage
    events: list[Event] = [("message_start", encode_json({"type": "message_start", "message": shell}))]
    pacing: list[Pacing] = [("text", 0)]
    for index, block in enumerate(final.blocks):
        _block_events(index, block, events, pacing)
        if ping and index == 0:
            events.append(("ping", '{"type":"ping"}'))
            pacing.append(("text", 0))
    delta_usage: dict[str, Any] = {**_input_usage(env), "output_tokens": final.output_tokens}
    if env.reports_thinking_tokens:
        delta_usage["output_tokens_details"] = {"thinking_tokens": final.thinking_tokens}
    delta = {"stop_reason": final.stop_reason, "stop_sequence": final.stop_sequence, "stop_details": None}
    events.append(("message_delta", encode_json({"type": "message_delta", "delta": delta, "usage": delta_usage})))
    events.append(("message_stop", '{"type":"message_stop"}'))
    pacing += [("text", 0), ("text", 0)]
    return events, pacing
