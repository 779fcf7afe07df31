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
  the record sums them and keeps how many there were. An iteration naming its own ``model`` (an
  advisor's ``advisor_message``) ran on that model and is billed at its prices: the record keeps
  those iterations' counts per model in ``elsewhere`` (they stay in the totals too).
- ``web_search_requests`` / ``web_fetch_requests``: server-tool requests, billed per request.

`price(record, model, batch=False) -> CostSplit`: prices from the catalog entry, tier chosen by the
request's total input (input + cache writes + cache reads, `ModelInfo.prices_for`), 5-minute and
1-hour cache writes and cache reads at their own rates, thinking and visible output both at the
output rate, tokens times ``1 - batch_discount`` for batch rows; server-tool requests at the
catalog's per-request prices (``ModelInfo.server_tool_prices``, not discounted). The ``elsewhere``
parts are priced the same way on their own model's catalog entry (`UnknownModelError` for a model
the catalog does not know: no guessed price).
`sum_tokens` adds up the records of a trial's requests (the least reliable source kept, the
``elsewhere`` parts per model) and `sum_costs` their cost splits, part by part.
`format_usd(amount)` writes money as money: ``$161.69``, ``$0.0205`` (cents from ten cents up,
three significant digits below), ``+$0.0205`` with ``signed=True``.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from labkit.core import ConversionError, ModelInfo, get_model

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
    elsewhere: tuple[tuple[str, TokenRecord], ...] = ()
    """(model, counts) of the iterations billed at another model's prices (an advisor's), one per
    model; already counted in the fields above."""

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
    totals = _summed(billed)
    output = totals["output"]
    thinking, thinking_source = _thinking(usage, output, thinking_text, visible_text, has_thinking)
    server = _field(usage, "server_tool_use")
    return _counted(
        totals,
        thinking=thinking,
        visible=output - thinking,
        web_search_requests=_count(server, "web_search_requests"),
        web_fetch_requests=_count(server, "web_fetch_requests"),
        iterations=len(iterations),
        source="reported",
        thinking_source=thinking_source,
        elsewhere=_elsewhere(iterations, billed) if iterations else (),
    )


def _summed(parts: list[dict[str, int]]) -> dict[str, int]:
    return {name: sum(part[name] for part in parts) for name in parts[0]}


def _counted(totals: dict[str, int], **more: Any) -> TokenRecord:
    """A record of ``totals`` (`_counts` names) and the other fields in ``more``."""
    return TokenRecord(input=totals["input"], cache_write_5m=totals["cache_write_5m"],
                       cache_write_1h=totals["cache_write_1h"], cache_read=totals["cache_read"],
                       output=totals["output"], **more)  # fmt: skip


def _elsewhere(iterations: Any, billed: list[dict[str, int]]) -> tuple[tuple[str, TokenRecord], ...]:
    """The iterations that name their own model, summed per model (their output is all visible:
    the thinking count the usage reports is the request model's)."""
    by_model: dict[str, list[dict[str, int]]] = {}
    for part, counts in zip(iterations, billed, strict=True):
        model = _field(part, "model")
        if model is not None:
            if not isinstance(model, str) or not model:
                raise ConversionError(f"usage.iterations[].model must be a model id, got {model!r}")
            by_model.setdefault(model, []).append(counts)
    records = []
    for model, parts in sorted(by_model.items()):
        totals = _summed(parts)
        records.append((model, _counted(totals, visible=totals["output"], iterations=len(parts))))
    return tuple(records)


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
    """The USD cost of ``tokens`` on ``model`` (tiered by total input; batch discount when ``batch``),
    its ``elsewhere`` parts on their own models.

    Raises:
        UnknownModelError: an ``elsewhere`` model the catalog does not know.
    """
    own, splits = tokens, []
    for name, part in tokens.elsewhere:
        if name == model.id:
            continue  # an iteration naming the request's own model: priced with the rest
        own = _without(own, part)
        splits.append(_price_one(part, get_model(name), batch, server_tools=False))
    return sum_costs([_price_one(own, model, batch, server_tools=True), *splits])


def _without(tokens: TokenRecord, part: TokenRecord) -> TokenRecord:
    """``tokens`` less ``part``'s counts (part's output is visible output)."""
    return replace(
        tokens, input=tokens.input - part.input, cache_write_5m=tokens.cache_write_5m - part.cache_write_5m,
        cache_write_1h=tokens.cache_write_1h - part.cache_write_1h, cache_read=tokens.cache_read - part.cache_read,
        output=tokens.output - part.output, visible=tokens.visible - part.output, elsewhere=(),
    )  # fmt: skip


def _price_one(tokens: TokenRecord, model: ModelInfo, batch: bool, *, server_tools: bool) -> CostSplit:
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
        server_tool_usd=sum(getattr(tokens, counter, 0) * usd for counter, usd in model.server_tool_prices)
        if server_tools else 0.0,
    )


def sum_tokens(records: Sequence[TokenRecord]) -> TokenRecord:
    """Token records of several requests added up (the least reliable sources kept)."""
    if len(records) == 1:  # most trials are one request: nothing to add
        return records[0]
    names = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "thinking", "visible",
             "web_search_requests", "web_fetch_requests", "iterations")  # fmt: skip
    totals = {name: sum(getattr(r, name) for r in records) for name in names}
    worst = max(records, key=lambda r: ("reported", "count_tokens", "estimated").index(r.overall_source))
    parts: dict[str, list[TokenRecord]] = {}
    for record in records:
        for model, part in record.elsewhere:
            parts.setdefault(model, []).append(part)
    elsewhere = tuple((model, sum_tokens(found)) for model, found in sorted(parts.items()))
    return TokenRecord(**totals, source=worst.source, thinking_source=worst.thinking_source, elsewhere=elsewhere)


def sum_costs(splits: Sequence[CostSplit]) -> CostSplit:
    """Cost splits added up part by part (several requests of a trial, or a request's models)."""
    if len(splits) == 1:
        return splits[0]
    return CostSplit(**{name: sum(getattr(s, name) for s in splits) for name in _COST_PARTS})


_COST_PARTS: tuple[str, ...] = tuple(f.name for f in fields(CostSplit))


def format_usd(amount: float, *, signed: bool = False) -> str:
    """``$1,234.57`` (cents) from ten cents up, three significant digits below (``$0.0205``); NaN as ``n/a``."""
    import math

    if amount is None or math.isnan(amount):
        return "n/a"
    sign = "-" if amount < 0 else ("+" if signed else "")
    value = abs(amount)
    digits = 2 if value >= 0.1 or value == 0 else 2 - math.floor(math.log10(value))  # 3 significant below 10c
    return f"{sign}${value:,.{digits}f}"
