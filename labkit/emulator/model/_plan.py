"""What the synthetic model decided to say, before it is rendered onto the wire.

`synth.plan_reply` produces a `ReplyPlan`; `render` turns it into a Message body or an SSE event
list (applying ``max_tokens`` truncation, usage and signatures). Plain frozen values, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedThinking:
    """A thinking block: ``text`` is what the model's display shows (may be "" when omitted);
    ``hidden_tokens`` is thinking billed beyond the visible text (summarized or omitted display)."""

    text: str
    hidden_tokens: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedText:
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedToolUse:
    name: str
    input: dict[str, Any]


PlannedBlock = PlannedThinking | PlannedText | PlannedToolUse


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyPlan:
    """The whole reply, in block order. ``stop_reason`` is "end_turn" or "tool_use" (render may
    turn it into "max_tokens" or "stop_sequence")."""

    blocks: tuple[PlannedBlock, ...]
    stop_reason: Literal["end_turn", "tool_use"] = "end_turn"
    notes: dict[str, Any] = field(default_factory=dict)
    """Facts about the plan for tests and debugging (task id recognised, steps done / needed)."""
