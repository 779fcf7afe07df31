"""DataFrame views of trial rows for notebooks: owns `results_frame`, `tokens_frame`, `summary_frame`.

The store's rows (`labkit.lab.ROW_COLUMNS`) are the source of truth; these functions only shape
them. pandas is imported inside the functions so ``import labkit`` stays light.

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
- `summary_frame(df, by=...)`: per group, trial counts (the n), error rate, accuracy (0-1) with its
  standard error over repeats, mean tokens, mean and total cost, truncation rate (``max_tokens``
  stops), budget utilisation and latency; every rate with a Wilson and every mean with a t interval
  (``_low`` / ``_high`` columns); groups in the knobs' natural order (effort low ... max).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import LabkitError
from labkit.lab import ROW_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

INT_COLUMNS = (
    "budget_tokens", "repeat", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
    "thinking_tokens", "visible_tokens", "tool_calls",
)  # fmt: skip
FLOAT_COLUMNS = (
    "budget_utilisation", "ttft_s", "thinking_s", "answer_s", "total_s", "cost_input_usd", "cost_cache_usd",
    "cost_thinking_usd", "cost_output_usd", "cost_usd",
)  # fmt: skip
BOOL_COLUMNS = ("prefill", "batch", "has_reasoning", "tool_calls_valid", "correct", "cached")
CATEGORIES = {"status": ("ok", "error", "skipped"), "strategy": ("none", "native", "kwargs", "xml")}
TOKEN_CATEGORIES = ("input", "cache_write", "cache_read", "thinking", "visible_output")
TOKEN_COLUMNS = (
    "experiment", "trial_key", "model", "task_id", "category", "repeat", "thinking_mode", "budget_tokens",
    "effort", "strategy", "token_category", "tokens", "source",
)  # fmt: skip
_MEANS = ("input_tokens", "thinking_tokens", "visible_tokens", "output_tokens", "budget_utilisation", "ttft_s",
          "total_s")  # fmt: skip

def _with_ci(name: str) -> tuple[str, str, str]:
    return name, f"{name}_low", f"{name}_high"


SUMMARY_COLUMNS = (
    "trials", "ok", *_with_ci("error_rate"), "repeats", "scored", *_with_ci("accuracy"), "accuracy_se",
    *(col for c in _MEANS for col in _with_ci(f"mean_{c}")), *_with_ci("mean_cost_usd"), "total_cost_usd",
    *_with_ci("truncation_rate"),
)  # fmt: skip
"""The columns `summary_frame` adds after the ``by`` columns: every rate and mean with ``_low`` /
``_high`` bounds of its 95% interval; ``trials`` / ``ok`` / ``scored`` are the n behind them."""
DEFAULT_BY = ("model", "thinking_mode", "budget_tokens", "effort", "strategy", "prefill")
_ROW_TOKENS = {"input": "input_tokens", "cache_write": "cache_write_tokens", "cache_read": "cache_read_tokens",
               "thinking": "thinking_tokens", "visible_output": "visible_tokens"}  # fmt: skip


class TableError(LabkitError, ValueError):
    """Rows or a DataFrame that a table view cannot be built from."""


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

    df = pd.DataFrame.from_records(_records(rows), columns=list(ROW_COLUMNS))
    for col in INT_COLUMNS:
        df[col] = pd.array(pd.to_numeric(df[col], errors="raise"), dtype="Int64")
    for col in FLOAT_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
    for col in BOOL_COLUMNS:
        values, missing = df[col].tolist(), df[col].isna().tolist()
        df[col] = pd.array([None if m else bool(v) for v, m in zip(values, missing, strict=True)], dtype="boolean")
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601")
    for col, known in CATEGORIES.items():
        df[col] = _categorical(df[col], known)
    return df


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _token_rows(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    if _missing(row.get("output_tokens")):
        return []
    base = {c: row.get(c) for c in TOKEN_COLUMNS[:10]}
    shown = row.get("tokens_source") or "reported"
    usage_source = "count_tokens" if shown == "count_tokens" else "reported"
    out = []
    for category, column in _ROW_TOKENS.items():
        source = shown if category in ("thinking", "visible_output") else usage_source
        out.append({**base, "token_category": category, "tokens": row.get(column) or 0, "source": source})
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
        base = {c: by_key[key].get(c) for c in TOKEN_COLUMNS[:10]}
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


def _over_repeats(group: pd.DataFrame) -> tuple[float, float]:
    """Mean accuracy and its standard error over repeats (NaN SE with fewer than two repeats)."""
    scored = group.dropna(subset=["correct"])
    if scored.empty:
        return float("nan"), float("nan")
    per_repeat = scored.groupby("repeat", dropna=False)["correct"].mean().astype(float)
    n = len(per_repeat)
    se = float(per_repeat.std(ddof=1)) / n**0.5 if n > 1 else float("nan")
    return float(per_repeat.mean()), se


def summary_frame(df: pd.DataFrame | Iterable[Mapping[str, Any]], by: Sequence[str] = DEFAULT_BY, *,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Per group of ``by``: counts, rates and means, each with its interval, accuracy SE over repeats, cost.

    Rates (error rate over trials, accuracy over scored finished trials, truncation over finished
    trials) carry Wilson intervals; means carry Student-t intervals (`labkit.lab.rate_interval`,
    `labkit.lab.mean_interval`). Rates are on the 0-1 scale. Trials of one task share its difficulty,
    so with repeats the trial-level intervals are optimistic: `labkit.Lab.compare` pairs by task.
    Skipped cells are left out; accuracy, tokens, cost, truncation and latency use ``ok`` trials.
    Groups come out in the natural order of every knob (effort low < medium < high < xhigh < max).
    """
    import pandas as pd

    from labkit.lab import rate_interval

    frame = df if isinstance(df, pd.DataFrame) else results_frame(df)
    missing = [c for c in (*by, "status", "correct", "repeat", "stop_reason") if c not in frame.columns]
    if missing:
        raise TableError(f"summary_frame: the DataFrame lacks column(s) {', '.join(missing)}")
    ran = frame[frame["status"].astype(str) != "skipped"]
    out = []
    for keys, group in ran.groupby(list(by), dropna=False, sort=True, observed=True):
        ok = group[group["status"].astype(str) == "ok"]
        scored = ok["correct"].dropna().astype(bool)
        accuracy, se = _over_repeats(ok)
        values = dict(zip(by, keys if isinstance(keys, tuple) else (keys,), strict=True))
        errors = rate_interval(len(group) - len(ok), len(group), confidence=confidence)
        right = rate_interval(int(scored.sum()), len(scored), confidence=confidence)
        cut = rate_interval(int((ok["stop_reason"] == "max_tokens").sum()), len(ok), confidence=confidence)
        out.append({
            **values, "trials": len(group), "ok": len(ok), **_ci("error_rate", errors, 1 - len(ok) / len(group)),
            "repeats": int(group["repeat"].nunique()), "scored": len(scored), **_ci("accuracy", right, accuracy),
            "accuracy_se": se, **{k: v for c in _MEANS for k, v in _mean_ci(ok, c, confidence).items()},
            **_mean_ci(ok, "cost_usd", confidence),
            "total_cost_usd": float(pd.to_numeric(group.get("cost_usd"), errors="coerce").sum()),
            **_ci("truncation_rate", cut, cut.estimate),
        })  # fmt: skip
    result = pd.DataFrame.from_records(out, columns=[*by, *SUMMARY_COLUMNS])
    return result.sort_values(list(by), key=_natural_order, kind="stable").reset_index(drop=True) if len(by) else result


def _natural_order(column: pd.Series[Any]) -> pd.Series[Any]:
    """Sort key: effort levels by rank (never alphabetically), other columns as they are."""
    if column.name != "effort":
        return column
    from labkit.core import EFFORT_LEVELS

    rank: dict[str, int] = {level: i for i, level in enumerate(EFFORT_LEVELS)}
    return column.map(lambda v: rank.get(str(v), len(rank)) if isinstance(v, str) else float("nan"))


def _ci(name: str, interval: Any, estimate: float) -> dict[str, float]:
    return {name: estimate, f"{name}_low": interval.low, f"{name}_high": interval.high}


def _mean_ci(df: pd.DataFrame, column: str, confidence: float) -> dict[str, float]:
    import pandas as pd

    from labkit.lab import mean_interval

    name = f"mean_{column}"
    if column not in df.columns or df.empty:
        return {name: float("nan"), f"{name}_low": float("nan"), f"{name}_high": float("nan")}
    values = pd.to_numeric(df[column], errors="coerce").astype("float64").dropna().tolist()
    got = mean_interval(values, confidence=confidence)
    return {name: got.estimate, f"{name}_low": got.low, f"{name}_high": got.high}
