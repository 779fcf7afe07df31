"""The store's trial rows as pandas DataFrames: owns `results_frame`, `tokens_frame`, `local_estimates`.

The store's rows (`ROW_COLUMNS`) are the source of truth; these functions only shape them, for
``lab.results()`` and ``lab.tokens()``. pandas is imported inside the functions so importing the lab
layer stays light.

- `results_frame(rows)`: one row per trial, the documented columns in order; token counts and
  ``repeat`` as nullable ``Int64``; seconds, utilisation and costs as ``float64``; flags as nullable
  ``boolean``; ``created_at`` as UTC datetimes; ``status`` and ``strategy`` categorical (known values
  first, in their natural order).
- `tokens_frame(rows, estimates=None)`: long format, one row per trial x token category (input,
  cache_write, cache_read, thinking, visible_output) with a ``source``. Input and cache numbers come
  from usage the API reported for every trial that ran; thinking and visible output carry the row's
  ``tokens_source`` ("estimated" when the API did not report thinking tokens). ``estimates`` adds
  input rows from other sources: ``{trial_key: {"count_tokens": n, "estimated": m}}``;
  `local_estimates(store.stored(name))` gives the "estimated" ones from the stored requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import TableError
from labkit.lab._trial import ROW_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

INT_COLUMNS = (
    "budget_tokens", "repeat", "input_tokens", "cache_write_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
    "cache_read_tokens", "output_tokens", "thinking_tokens", "visible_tokens", "web_search_requests",
    "web_fetch_requests", "iterations", "tool_calls",
)  # fmt: skip
FLOAT_COLUMNS = (
    "budget_utilisation", "ttft_s", "thinking_s", "answer_s", "total_s", "cost_input_usd", "cost_cache_usd",
    "cost_thinking_usd", "cost_output_usd", "cost_server_tool_usd", "cost_usd",
)  # fmt: skip
BOOL_COLUMNS = ("prefill", "batch", "has_reasoning", "tool_calls_valid", "correct", "cached", "synthetic")
CATEGORIES = {"status": ("ok", "error", "skipped"), "strategy": ("none", "native", "kwargs", "xml", "xml+prefill")}
TOKEN_CATEGORIES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "thinking", "visible_output")
"""Cache writes by lifetime: a 1-hour write costs 2x input, a 5-minute one 1.25x."""
TOKEN_ROW_COLUMNS = (
    "experiment", "trial_key", "backend", "endpoint", "synthetic", "model", "task_id", "category", "repeat",
    "thinking_mode", "budget_tokens", "effort", "strategy",
)  # fmt: skip
"""The trial-row columns each long token row repeats (provenance included, for stamping figures)."""
TOKEN_COLUMNS = (*TOKEN_ROW_COLUMNS, "token_category", "tokens", "source")
_ROW_TOKENS = {"input": "input_tokens", "cache_write_5m": "cache_write_5m_tokens",
               "cache_write_1h": "cache_write_1h_tokens", "cache_read": "cache_read_tokens",
               "thinking": "thinking_tokens", "visible_output": "visible_tokens"}  # fmt: skip


def _records(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    records = list(rows)
    for i, row in enumerate(records):
        if not isinstance(row, Mapping):
            raise TableError(f"row {i} is a {type(row).__name__}, not a dict of trial-row columns")
    return records


def _categorical(values: pd.Series[Any], known: Sequence[str]) -> pd.Series[Any]:
    import pandas as pd

    present = [str(v) for v in values.dropna().unique()]
    order = [k for k in known if k in present] + sorted(set(present) - set(known))
    return pd.Series(pd.Categorical(values, categories=order), index=values.index, name=values.name)


def results_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per trial, typed, in the documented column order (empty rows give an empty frame)."""
    import pandas as pd

    return _typed(pd.DataFrame.from_records(_records(rows), columns=list(ROW_COLUMNS)))


def results_frame_from_tuples(rows: Iterable[Sequence[tuple[Any, ...]]] | Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    """The same frame from value tuples in `ROW_COLUMNS` order (`labkit.lab.Store.row_tuples`), or from
    chunks of them (`labkit.lab.Store.row_chunks`): each chunk is typed (compact columns) before the
    next is read, so building a 50k-row frame never holds 50k rows of Python objects at once."""
    import pandas as pd

    if isinstance(rows, list) and (not rows or isinstance(rows[0], tuple)):
        rows = [rows]
    parts = [_typed(pd.DataFrame.from_records(chunk, columns=list(ROW_COLUMNS), coerce_float=False), categories=False)
             for chunk in rows]  # fmt: skip
    if not parts:
        parts = [_typed(pd.DataFrame.from_records([], columns=list(ROW_COLUMNS)), categories=False)]
    df = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    for col, known in CATEGORIES.items():
        df[col] = _categorical(df[col], known)
    return df


def _typed(df: pd.DataFrame, *, categories: bool = True) -> pd.DataFrame:
    import pandas as pd
    for col in INT_COLUMNS:
        df[col] = pd.array(pd.to_numeric(df[col], errors="raise"), dtype="Int64")
    for col in FLOAT_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
    for col in BOOL_COLUMNS:
        values, missing = df[col].tolist(), df[col].isna().tolist()
        df[col] = pd.array([None if m else bool(v) for v, m in zip(values, missing, strict=True)], dtype="boolean")
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601")
    for col, known in CATEGORIES.items() if categories else ():
        df[col] = _categorical(df[col], known)
    return df


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _token_rows(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    if _missing(row.get("output_tokens")):
        return []
    base = {c: row.get(c) for c in TOKEN_ROW_COLUMNS}
    shown = row.get("tokens_source") or "reported"
    usage_source = "count_tokens" if shown == "count_tokens" else "reported"
    counts = {category: row.get(column) or 0 for category, column in _ROW_TOKENS.items()}
    if _missing(row.get("cache_write_5m_tokens")):  # stored before the split: its writes count as 5-minute
        counts["cache_write_5m"] = (row.get("cache_write_tokens") or 0) - counts["cache_write_1h"]
    out = []
    for category, tokens in counts.items():
        source = shown if category in ("thinking", "visible_output") else usage_source
        out.append({**base, "token_category": category, "tokens": tokens, "source": source})
    return out


def tokens_frame(
    rows: Iterable[Mapping[str, Any]], estimates: Mapping[str, Mapping[str, int]] | None = None, *,
    usage: bool = True,
) -> pd.DataFrame:
    """Long format: one row per trial x token category, with the number's ``source``.

    ``usage=False`` leaves out the rows from reported usage (only the ``estimates`` rows remain).
    """
    import pandas as pd

    records = _records(rows)
    long = [item for row in records for item in _token_rows(row)] if usage else []
    by_key = {row.get("trial_key"): row for row in records}
    for key, sources in (estimates or {}).items():
        if key not in by_key:
            raise TableError(f"estimates name trial {key!r}, which is not among the rows")
        base = {c: by_key[key].get(c) for c in TOKEN_ROW_COLUMNS}
        for source, tokens in sources.items():
            if source not in ("reported", "count_tokens", "estimated"):
                raise TableError(f"unknown token source {source!r} for trial {key!r}")
            long.append({**base, "token_category": "input", "tokens": int(tokens), "source": source})
    df = pd.DataFrame.from_records(long, columns=list(TOKEN_COLUMNS))
    df["tokens"] = df["tokens"].astype("int64")
    df["repeat"] = pd.array(pd.to_numeric(df["repeat"]), dtype="Int64")
    df["budget_tokens"] = pd.array(pd.to_numeric(df["budget_tokens"]), dtype="Int64")
    df["token_category"] = pd.Categorical(df["token_category"], categories=list(TOKEN_CATEGORIES))
    df["source"] = pd.Categorical(df["source"], categories=["reported", "count_tokens", "estimated"])
    df["strategy"] = _categorical(df["strategy"], CATEGORIES["strategy"])
    return df


def local_estimates(stored: Iterable[Any]) -> dict[str, dict[str, int]]:
    """``{trial_key: {"estimated": n}}``: labkit's local input estimate of each stored trial's request.

    Takes `labkit.lab.StoredTrial`s (``store.stored(name)``); only single-turn trials with stored
    params are estimated (the store keeps the first turn's params, while a tool loop's reported
    input adds up every turn). Pass the result to `tokens_frame` as ``estimates``.
    """
    from labkit.tokens import estimate_request

    out: dict[str, dict[str, int]] = {}
    for item in stored:
        if not item.params or not item.params.get("messages") or item.row.get("output_tokens") is None:
            continue
        if any(int(event.get("turn") or 0) > 0 for event in item.events):
            continue
        out[item.trial_key] = {"estimated": estimate_request(item.params).total}
    return out
