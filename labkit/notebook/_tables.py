"""Summary views of trial rows for notebooks: owns `summary_frame`.

- `summary_frame(df, by=...)`: per group, trial counts, error rate, accuracy with its standard
  error over repeats, mean tokens, mean and total cost, truncation rate (``max_tokens`` stops),
  budget utilisation and latency. Takes ``lab.results()`` or the store's rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import TableError
from labkit.lab import results_frame

if TYPE_CHECKING:
    import pandas as pd

_MEANS = ("input_tokens", "thinking_tokens", "visible_tokens", "output_tokens", "budget_utilisation", "ttft_s",
          "total_s")  # fmt: skip
SUMMARY_COLUMNS = (
    "trials", "ok", "error_rate", "repeats", "accuracy", "accuracy_se", *(f"mean_{c}" for c in _MEANS),
    "mean_cost_usd", "total_cost_usd", "truncation_rate",
)  # fmt: skip
"""The columns `summary_frame` adds after the ``by`` columns."""
DEFAULT_BY = ("model", "thinking_mode", "budget_tokens", "effort", "strategy", "prefill")


def _over_repeats(group: pd.DataFrame) -> tuple[float, float]:
    """Mean accuracy and its standard error over repeats (NaN SE with fewer than two repeats)."""
    scored = group.dropna(subset=["correct"])
    if scored.empty:
        return float("nan"), float("nan")
    per_repeat = scored.groupby("repeat", dropna=False)["correct"].mean().astype(float)
    n = len(per_repeat)
    se = float(per_repeat.std(ddof=1)) / n**0.5 if n > 1 else float("nan")
    return float(per_repeat.mean()), se


def summary_frame(df: pd.DataFrame | Iterable[Mapping[str, Any]], by: Sequence[str] = DEFAULT_BY) -> pd.DataFrame:
    """Per group of ``by``: counts, error rate, accuracy +- SE over repeats, mean tokens, cost, truncation.

    Skipped cells are left out; accuracy, tokens, cost, truncation and latency use ``ok`` trials.
    """
    import pandas as pd

    frame = df if isinstance(df, pd.DataFrame) else results_frame(df)
    missing = [c for c in (*by, "status", "correct", "repeat", "stop_reason") if c not in frame.columns]
    if missing:
        raise TableError(f"summary_frame: the DataFrame lacks column(s) {', '.join(missing)}")
    ran = frame[frame["status"].astype(str) != "skipped"]
    out = []
    for keys, group in ran.groupby(list(by), dropna=False, sort=True, observed=True):
        ok = group[group["status"].astype(str) == "ok"]
        accuracy, se = _over_repeats(ok)
        values = dict(zip(by, keys if isinstance(keys, tuple) else (keys,), strict=True))
        out.append({
            **values, "trials": len(group), "ok": len(ok), "error_rate": 1 - len(ok) / len(group),
            "repeats": int(group["repeat"].nunique()), "accuracy": accuracy, "accuracy_se": se,
            **{f"mean_{c}": _mean(ok, c) for c in _MEANS}, "mean_cost_usd": _mean(ok, "cost_usd"),
            "total_cost_usd": float(pd.to_numeric(group.get("cost_usd"), errors="coerce").sum()),
            "truncation_rate": float((ok["stop_reason"] == "max_tokens").mean()) if len(ok) else float("nan"),
        })  # fmt: skip
    return pd.DataFrame.from_records(out, columns=[*by, *SUMMARY_COLUMNS])


def _mean(df: pd.DataFrame, column: str) -> float:
    import pandas as pd

    if column not in df.columns or df.empty:
        return float("nan")
    return float(pd.to_numeric(df[column], errors="coerce").astype("float64").mean())
