"""Anthropic usage -> OpenAI-style `labkit.core.Usage`, for whole messages and for streams.

Accepts the SDK's usage objects (GA or beta ``Usage``, ``MessageDeltaUsage``) or plain dicts.

- ``prompt_tokens`` = ``input_tokens`` + ``cache_creation_input_tokens`` + ``cache_read_input_tokens``
  (Anthropic's ``input_tokens`` excludes cached tokens, so leaving the cache out under-reports);
- ``completion_tokens`` = ``output_tokens`` (billed output, thinking included);
- ``prompt_tokens_details.cached_tokens`` = cache read, ``.cache_creation_tokens`` = cache write;
- ``completion_tokens_details.reasoning_tokens`` = ``output_tokens_details.thinking_tokens`` when reported;
- the rest of what the API reports is carried as received (`EXTRA_FIELDS`): the cache-write split
  by lifetime, server-tool request counts, per-iteration usage (compaction, advisor), service
  tier, inference geo and speed. Nothing billed is dropped; `labkit.tokens.token_record` prices it.

Streams: ``message_start`` carries the input and cache counts (and a small provisional
``output_tokens``); every ``message_delta`` carries *cumulative* totals. Each delta value that is
present overwrites the running one, never adds to it (adding would count 3 + 40 = 43), and a
value the delta omits keeps its ``message_start`` value -- the same rule as the SDK's own
accumulator, so streamed and non-streamed usage agree. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from labkit.convert._fields import fields_of, plain_value
from labkit.core import CompletionTokensDetails, ConversionError, PromptTokensDetails, Usage

__all__ = ["COUNT_FIELDS", "EXTRA_FIELDS", "apply_delta_usage", "read_usage_counts", "to_usage", "usage_from_counts"]

COUNT_FIELDS = (
    "input_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "output_tokens",
    "thinking_tokens",
)
"""The counts labkit keeps: Anthropic's four usage integers plus ``output_tokens_details.thinking_tokens``."""

EXTRA_FIELDS = ("cache_creation", "server_tool_use", "iterations", "service_tier", "inference_geo", "speed")
"""Usage fields kept as received, beside the counts (a delta that carries one replaces it)."""

Counts = dict[str, Any]


def _count(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConversionError(f"usage.{name} must be a non-negative integer, got {value!r}")
    return value


def read_usage_counts(usage: Any) -> Counts:
    """The counts in one usage object (``None`` where a field is absent or null)."""
    fields = {} if usage is None else fields_of(usage, "usage")
    counts: Counts = {name: _count(fields.get(name), name) for name in COUNT_FIELDS[:4]}
    found = fields.get("output_tokens_details")
    details = {} if found is None else fields_of(found, "usage.output_tokens_details")
    counts["thinking_tokens"] = _count(details.get("thinking_tokens"), "output_tokens_details.thinking_tokens")
    for name in EXTRA_FIELDS:
        value = fields.get(name)
        counts[name] = None if value is None else plain_value(value)
    return counts


def apply_delta_usage(counts: Counts, delta_usage: Any) -> None:
    """Overwrite ``counts`` in place with every value a cumulative ``message_delta`` usage carries."""
    for name, value in read_usage_counts(delta_usage).items():
        if value is not None:
            counts[name] = value


def usage_from_counts(counts: Counts) -> Usage:
    """Build the OpenAI-style usage from Anthropic counts (missing values count as 0)."""
    input_tokens = counts.get("input_tokens") or 0
    cache_write = counts.get("cache_creation_input_tokens") or 0
    cache_read = counts.get("cache_read_input_tokens") or 0
    output_tokens = counts.get("output_tokens") or 0
    prompt = input_tokens + cache_write + cache_read
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=output_tokens,
        total_tokens=prompt + output_tokens,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=cache_read, cache_creation_tokens=cache_write),
        completion_tokens_details=CompletionTokensDetails(reasoning_tokens=counts.get("thinking_tokens")),
        input_tokens=input_tokens,
        cache_creation_input_tokens=cache_write,
        cache_read_input_tokens=cache_read,
        output_tokens=output_tokens,
        **{name: counts.get(name) for name in EXTRA_FIELDS},
    )


def to_usage(usage: Any, *deltas: Any) -> Usage:
    """Convert an Anthropic usage, optionally followed by cumulative ``message_delta`` usages.

    ``to_usage(message.usage)`` for a whole message; ``to_usage(start.message.usage, *delta_usages)``
    for a stream (each delta overwrites what it carries). Raises `ConversionError` on a count that
    is not a non-negative integer.
    """
    counts = read_usage_counts(usage)
    for delta in deltas:
        apply_delta_usage(counts, delta)
    return usage_from_counts(counts)
