"""Summary views of trial rows for notebooks: owns `summary_frame`.

- `summary_frame(df, by=...)`: per group, trial counts (the n), error rate, accuracy (0-1) with its
  standard error over repeats, mean tokens, mean and total cost, truncation rate (``max_tokens``
  stops), budget utilisation and latency; every rate with a Wilson and every mean with a t interval
  (``_low`` / ``_high`` columns); groups in the knobs' natural order (effort low ... max). Takes
  ``lab.results()`` or the store's rows. Each group says who answered it (``provenance``:
  "synthetic (labkit emulator, assumptions …)", "real (anthropic)", or both joined) and the frame's
  ``attrs["caption"]`` carries the stamp figures carry ("synthetic: labkit emulator, not Claude …").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import TableError
from labkit.lab import results_frame
from labkit.notebook._provenance import provenance, provenance_labels

if TYPE_CHECKING:
    import pandas as pd

_MEANS = ("input_tokens", "thinking_tokens", "visible_tokens", "output_tokens", "budget_utilisation", "ttft_s",
          "total_s")  # fmt: skip

def _with_ci(name: str) -> tuple[str, str, str]:
    return name, f"{name}_low", f"{name}_high"


SUMMARY_COLUMNS = (
    "trials", "ok", *_with_ci("error_rate"), "repeats", "scored", *_with_ci("accuracy"), "accuracy_se",
    *(col for c in _MEANS for col in _with_ci(f"mean_{c}")), *_with_ci("mean_cost_usd"), "total_cost_usd",
    *_with_ci("truncation_rate"), "provenance",
)  # fmt: skip
"""The columns `summary_frame` adds after the ``by`` columns: every rate and mean with ``_low`` /
``_high`` bounds of its 95% interval; ``trials`` / ``ok`` / ``scored`` are the n behind them."""
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
    ran = ran.assign(_provenance=provenance_labels(ran))
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
            "provenance": " + ".join(sorted(group["_provenance"].unique())),
        })  # fmt: skip
    result = pd.DataFrame.from_records(out, columns=[*by, *SUMMARY_COLUMNS])
    if len(by):
        result = result.sort_values(list(by), key=_natural_order, kind="stable").reset_index(drop=True)
    result.attrs["caption"] = provenance(ran).stamp
    return result


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
