"""Token-accounting views for notebook 04: where input tokens come from, prompt caching, billed vs shown.

- `input_breakdown`: one request built up step by step (user message, + system, + tools, + the
  ``inner_thoughts`` kwarg, or + the XML instructions), each step counted by ``count_tokens`` and
  by labkit's local estimate, with what the step added.
- `prefix_cache_usage`: the same request sent twice with top-level ``cache_control``: the first
  call writes the prefix to the cache, the second reads it; usage and cost per call.
- `billed_vs_shown`: thinking tokens billed against the thinking text actually shown, per model.
- `tokens_with_sources`: ``lab.tokens(name)`` with all three sources (reported, ``count_tokens``,
  the local estimate); delegates to `labkit.lab.Lab.tokens`.
- `estimate_errors`: count_tokens and the local estimate against reported input, per source.
Every number says where it came from. These call the API through the SDK client given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import InnerThoughts

if TYPE_CHECKING:
    import pandas as pd

COUNT_TOKENS_KEYS = ("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config")
_STEPS = ("user message", "+ system prompt", "+ tool definitions")


def count_input_tokens(client: Any, params: Mapping[str, Any]) -> int:
    """``count_tokens`` for prepared ``messages.create`` kwargs (only the keys count_tokens takes)."""
    kwargs = {k: v for k, v in params.items() if k in COUNT_TOKENS_KEYS}
    return int(client.messages.count_tokens(**kwargs).input_tokens)


def _requests(model: str, prompt: str, system: str | None,
              tools: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    user = [{"role": "user", "content": prompt}]
    sys_msg = [{"role": "system", "content": system}] if system else []
    base: dict[str, Any] = {"model": model, "max_tokens": 1024}
    steps = [{**base, "messages": user}, {**base, "messages": sys_msg + user}]
    if tools:
        steps.append({**base, "messages": sys_msg + user, "tools": [dict(t) for t in tools]})
    return steps


def input_breakdown(client: Any, *, model: str, prompt: str, system: str | None = None,
                    tools: Sequence[Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """Input tokens of one request built up step by step, by ``count_tokens`` and the local estimate.

    With ``tools`` the last rows add the ``inner_thoughts`` kwarg to every tool (strategy kwargs)
    and, instead, the XML instructions (strategy xml): their difference to "+ tool definitions" is
    each strategy's overhead.
    """
    import pandas as pd

    from labkit.convert import prepare_request
    from labkit.tokens import estimate_request

    requests = _requests(model, prompt, system, tools)
    # (step, request, strategy, index of the step it adds to)
    variants: list[tuple[str, dict[str, Any], InnerThoughts | None, int]] = [
        (name, request, None, i - 1) for i, (name, request) in enumerate(zip(_STEPS, requests, strict=False))
    ]
    if tools:
        full, last = requests[-1], len(requests) - 1
        variants.append(("+ inner_thoughts kwarg (kwargs)", full, InnerThoughts(strategy="kwargs"), last))
        variants.append(("+ XML instructions (xml)", full, InnerThoughts(strategy="xml"), last))
    rows: list[dict[str, Any]] = []
    for name, request, inner, ref in variants:
        params = prepare_request(request, inner_thoughts=inner)
        counted = count_input_tokens(client, params)
        estimated = estimate_request(params).total
        rows.append({"step": name, "count_tokens": counted,
                     "added_by_step": counted - (rows[ref]["count_tokens"] if ref >= 0 else 0),
                     "local_estimate": estimated,
                     "estimate_error_pct": round(100.0 * (estimated - counted) / counted, 1) if counted else None})
    return pd.DataFrame(rows)


def prefix_cache_usage(client: Any, params: Mapping[str, Any], *, calls: int = 2) -> pd.DataFrame:
    """Send ``params`` ``calls`` times with top-level ``cache_control``: reported usage and cost per call."""
    import pandas as pd

    from labkit.core import get_model
    from labkit.tokens import price, token_record

    info = get_model(str(params["model"]))
    rows = []
    for call in range(1, calls + 1):
        message = client.messages.create(**params, cache_control={"type": "ephemeral"})
        record = token_record(message.usage)
        cost = price(record, info)
        rows.append({"call": call, "input_tokens": record.input, "cache_write_tokens": record.cache_write,
                     "cache_read_tokens": record.cache_read, "output_tokens": record.output,
                     "cost_input_usd": cost.input_usd, "cost_cache_usd": cost.cache_usd,
                     "cost_usd": cost.total_usd, "source": "reported"})
    return pd.DataFrame(rows)


def billed_vs_shown(results: pd.DataFrame) -> pd.DataFrame:
    """Per model and display: thinking tokens billed vs the thinking text shown (counted locally), per trial."""
    from labkit.tokens import count_tokens

    rows = results[(results["status"] == "ok") & (results["thinking_tokens"].fillna(0) > 0)]
    rows = rows.assign(
        thinking_shown=[count_tokens(r) if isinstance(r, str) else 0 for r in rows["reasoning"]],
        display=rows["display"].fillna("default"),
    )
    table = rows.groupby(["model", "display"]).agg(
        trials=("trial_key", "count"), thinking_billed=("thinking_tokens", "mean"),
        thinking_shown=("thinking_shown", "mean"), visible_output=("visible_tokens", "mean"),
        thinking_cost_usd=("cost_thinking_usd", "mean"), output_cost_usd=("cost_output_usd", "mean"),
    ).reset_index()
    table["hidden_share_pct"] = 100.0 * (1 - table["thinking_shown"] / table["thinking_billed"]).clip(lower=0)
    return table.round(6)


def estimate_errors(tokens: pd.DataFrame) -> pd.DataFrame:
    """Input-token error of ``count_tokens`` and the local estimate against reported input (+ cache), per source."""
    import pandas as pd

    inputs = tokens[tokens["token_category"].isin(["input", "cache_write_5m", "cache_write_1h", "cache_read"])]
    truth = inputs[inputs["source"] == "reported"].groupby("trial_key")["tokens"].sum().astype(float)
    rows = []
    for source in ("count_tokens", "estimated"):
        guess = tokens[(tokens["source"] == source) & (tokens["token_category"] == "input")]
        guess = guess.groupby("trial_key")["tokens"].sum().astype(float)
        both = guess.index.intersection(truth.index)
        if both.empty:
            continue
        error = 100.0 * (guess[both] - truth[both]) / truth[both]
        rows.append({"source": source, "trials": len(both), "mean_error_pct": error.mean(),
                     "mean_abs_error_pct": error.abs().mean(), "max_abs_error_pct": error.abs().max()})
    return pd.DataFrame(rows).round(2)


def tokens_with_sources(lab: Any, name: str) -> pd.DataFrame:
    """``lab.tokens(name)``: every trial's token rows from all three sources (reported, plus the
    ``count_tokens`` and ``estimated`` input of each single-turn trial's stored request).

    Kept for notebooks written before `Lab.tokens` took ``sources``; it delegates.
    """
    frame: pd.DataFrame = lab.tokens(name, sources=("reported", "count_tokens", "estimated"))
    return frame
