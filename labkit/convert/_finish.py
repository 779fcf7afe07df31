"""Anthropic ``stop_reason`` -> OpenAI ``finish_reason``: one table, and a lookup that never raises.

A converter that raised on a stop reason it did not know (refusal, pause_turn,
model_context_window_exceeded, compaction, whatever comes next) would lose a whole streamed answer
at its last event. Here every value maps: the documented ones by the table below, anything else (a stop reason
added after this table was written) to ``"stop"``. Converters always keep the raw value beside
the mapped one (``Choice.stop_reason``), so nothing is lost by the mapping.

| Anthropic stop_reason            | finish_reason      |
|----------------------------------|--------------------|
| end_turn, stop_sequence          | stop               |
| max_tokens,                      | length             |
| model_context_window_exceeded    | length             |
| tool_use                         | tool_calls         |
| refusal                          | content_filter     |
| pause_turn                       | pause (labkit's own value: re-submit the turn to continue) |
| anything else                    | stop               |

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from labkit.core import FinishReason

__all__ = ["DEFAULT_FINISH_REASON", "FINISH_REASONS", "finish_reason"]

FINISH_REASONS: Mapping[str, FinishReason] = MappingProxyType(
    {
        "end_turn": "stop",
        "stop_sequence": "stop",
        "max_tokens": "length",
        "model_context_window_exceeded": "length",
        "tool_use": "tool_calls",
        "refusal": "content_filter",
        "pause_turn": "pause",
    }
)
"""The documented Anthropic stop reasons and their OpenAI-style finish reasons."""

DEFAULT_FINISH_REASON: FinishReason = "stop"
"""What a stop reason missing from `FINISH_REASONS` maps to."""


def finish_reason(stop_reason: object) -> FinishReason | None:
    """Map a raw Anthropic stop reason to a finish reason; never raises.

    ``None`` (no stop reason yet: a stream cut off before ``message_delta``) gives ``None``;
    every other value, known or not, gives a finish reason.
    """
    if stop_reason is None:
        return None
    if isinstance(stop_reason, str):
        return FINISH_REASONS.get(stop_reason, DEFAULT_FINISH_REASON)
    return DEFAULT_FINISH_REASON
