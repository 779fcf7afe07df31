"""Token records with provenance, and their price: owns `TokenRecord`, `CostSplit` and `price`.

`token_record(usage, ...)` turns an Anthropic usage (SDK object or plain dict, e.g. the merged
``message_start`` + last ``message_delta`` usage of a stream) into a `TokenRecord`:

- ``input``, ``cache_write_5m``, ``cache_write_1h``, ``cache_read`` and ``output`` are copied from
  the usage (``source``: "reported"). A cache write without the TTL breakdown counts as 5-minute.
- ``thinking`` is ``output_tokens_details.thinking_tokens`` when the API reports it
  (``thinking_source`` "reported"); 0 when the reply had no thinking block ("reported": nothing
  was thought); otherwise estimated ("estimated") as ``output - tokens(visible_text)`` when the
  visible output text is known (this sees hidden thinking that a summarized or omitted display
  leaves out), else as ``tokens(thinking_text)``; clamped to ``[0, output]``. Tokens are counted
  with `labkit.tokens.count_tokens` when that module exists, else labkit's local heuristic.
- ``visible = output - thinking``: thinking is billed as output, but not shown as output.
- ``iterations``: when the usage lists sampling iterations (compaction, advisor), its top-level
  counts cover only the ``message`` iterations; what was billed is the sum over all of them, so
  the record sums them (``billed_from`` "iterations") and keeps how many there were.
- ``web_search_requests`` / ``web_fetch_requests``: server-tool requests, billed per request.

`price(record, model, batch=False) -> CostSplit`: prices from the catalog entry, tier chosen by the
request's total input (input + cache writes + cache reads, `ModelInfo.prices_for`), 5-minute and
1-hour cache writes and cache reads at their own rates, thinking and visible output both at the
output rate, tokens times ``1 - batch_discount`` for batch rows; server-tool requests at the
catalog's per-request prices (``ModelInfo.server_tool_prices``, not discounted).
`format_usd(amount)` writes money as money: ``$161.69``, ``$0.0205`` (cents from ten cents up,
three significant digits below), ``+$0.0205`` with ``signed=True``.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from labkit.core import ConversionError, ModelInfo

TokenSource = Literal["reported", "count_tokens", "estimated"]
SOURCES: tuple[TokenSource, ...] = ("reported", "count_tokens", "estimated")
"""Provenance values, most to least reliable."""

_PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRecord:
    """One call's tokens. ``source`` covers input/cache/output; ``thinking_source`` covers thinking/visible."""

    input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    thinking: int = 0
    visible: int = 0
    web_search_requests: int = 0
    web_fetch_requests: int = 0
    iterations: int = 0
    """Sampling iterations the usage listed (0: it listed none, the top-level counts are the bill)."""
    source: TokenSource = "reported"
    thinking_source: TokenSource = "reported"

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def total_input(self) -> int:
        """Input + cache writes + cache reads: what the price tier is chosen by."""
        return self.input + self.cache_write + self.cache_read

    @property
    def overall_source(self) -> TokenSource:
        """The least reliable of the two sources (what a single provenance column shows)."""
        return max(self.source, self.thinking_source, key=SOURCES.index)


@dataclass(frozen=True, slots=True, kw_only=True)
class CostSplit:
    """USD cost of one call, split by what was paid for. ``cache_usd`` = cache writes + cache reads."""

    input_usd: float = 0.0
    cache_usd: float = 0.0
    thinking_usd: float = 0.0
    output_usd: float = 0.0
    """Visible output only (thinking excluded)."""
    server_tool_usd: float = 0.0
    """Server-tool requests (web searches), billed per request."""

    @property
    def total_usd(self) -> float:
        return self.input_usd + self.cache_usd + self.thinking_usd + self.output_usd + self.server_tool_usd


def _field(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _count(obj: Any, name: str) -> int:
    value = _field(obj, name)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConversionError(f"usage.{name} must be a non-negative integer, got {value!r}")
    return value


def count_text_tokens(text: str) -> int:
    """Tokens in ``text``: the emulator tokenizer when present, else labkit's local heuristic."""
    try:
        from labkit.tokens._tokenizer import count_tokens
    except ImportError:  # the tokenizer module is optional for cost accounting
        from labkit.tokens._estimate import estimate_text_tokens

        return estimate_text_tokens(text)
    return int(count_tokens(text))


def _thinking(
    usage: Any, output: int, thinking_text: str | None, visible_text: str | None, has_thinking: bool | None
) -> tuple[int, TokenSource]:
    reported = _field(_field(usage, "output_tokens_details"), "thinking_tokens")
    if reported is not None:
        if isinstance(reported, bool) or not isinstance(reported, int) or reported < 0:
            raise ConversionError(f"usage.output_tokens_details.thinking_tokens must be >= 0, got {reported!r}")
        return min(reported, output), "reported"
    if has_thinking is None:
        has_thinking = thinking_text is not None
    if not has_thinking:
        return 0, "reported"
    if visible_text is not None:
        estimate = output - count_text_tokens(visible_text)
    else:
        estimate = count_text_tokens(thinking_text or "")
    return max(0, min(estimate, output)), "estimated"


def token_record(
    usage: Any,
    *,
    thinking_text: str | None = None,
    visible_text: str | None = None,
    has_thinking: bool | None = None,
) -> TokenRecord:
    """A `TokenRecord` from an Anthropic usage (SDK ``Usage`` / ``MessageDeltaUsage`` or dict).

    ``thinking_text``: the visible thinking text (None when the reply had no thinking block);
    ``visible_text``: the reply's visible output (text plus tool-call JSON), used to estimate hidden
    thinking; ``has_thinking`` overrides whether a thinking block was present. Both texts are only
    used when the usage does not report ``output_tokens_details.thinking_tokens``.

    Raises:
        ConversionError: a usage count that is not a non-negative integer.
    """
    if usage is None:
        raise ConversionError("no usage to build a token record from")
    iterations = _field(usage, "iterations") or []
    if not isinstance(iterations, list | tuple):
        raise ConversionError(f"usage.iterations must be a list, got {type(iterations).__name__}")
    billed = [_counts(part) for part in iterations] if iterations else [_counts(usage)]
    totals = {name: sum(part[name] for part in billed) for name in billed[0]}
    output = totals["output"]
    thinking, thinking_source = _thinking(usage, output, thinking_text, visible_text, has_thinking)
    server = _field(usage, "server_tool_use")
    return TokenRecord(
        **totals,
        thinking=thinking,
        visible=output - thinking,
        web_search_requests=_count(server, "web_search_requests"),
        web_fetch_requests=_count(server, "web_fetch_requests"),
        iterations=len(iterations),
        source="reported",
        thinking_source=thinking_source,
    )


def _counts(usage: Any) -> dict[str, int]:
    """One usage's (or one iteration's) billed token counts, the cache write split by lifetime."""
    cache_write = _count(usage, "cache_creation_input_tokens")
    breakdown = _field(usage, "cache_creation")
    write_1h = _count(breakdown, "ephemeral_1h_input_tokens")
    write_5m = _count(breakdown, "ephemeral_5m_input_tokens")
    if breakdown is None or write_1h + write_5m != cache_write:
        write_5m, write_1h = max(cache_write - write_1h, 0), min(write_1h, cache_write)
    return {
        "input": _count(usage, "input_tokens"),
        "cache_write_5m": write_5m,
        "cache_write_1h": write_1h,
        "cache_read": _count(usage, "cache_read_input_tokens"),
        "output": _count(usage, "output_tokens"),
    }


def price(tokens: TokenRecord, model: ModelInfo, *, batch: bool = False) -> CostSplit:
    """The USD cost of ``tokens`` on ``model`` (tiered by total input; batch discount when ``batch``)."""
    p = model.prices_for(tokens.total_input)
    factor = (1.0 - model.batch_discount) if batch else 1.0
    scale = factor / _PER_MILLION
    return CostSplit(
        input_usd=tokens.input * p.input * scale,
        cache_usd=(
            tokens.cache_write_5m * p.cache_write_5m
            + tokens.cache_write_1h * p.cache_write_1h
            + tokens.cache_read * p.cache_read
        )
        * scale,
        thinking_usd=tokens.thinking * p.output * scale,
        output_usd=tokens.visible * p.output * scale,
        server_tool_usd=sum(getattr(tokens, counter, 0) * usd for counter, usd in model.server_tool_prices),
    )


def format_usd(amount: float, *, signed: bool = False) -> str:
    """``$1,234.57`` (cents) from ten cents up, three significant digits below (``$0.0205``); NaN as ``n/a``."""
    import math

    if amount is None or math.isnan(amount):
        return "n/a"
    sign = "-" if amount < 0 else ("+" if signed else "")
    value = abs(amount)
    digits = 2 if value >= 0.1 or value == 0 else 2 - math.floor(math.log10(value))  # 3 significant below 10c
    return f"{sign}${value:,.{digits}f}"
