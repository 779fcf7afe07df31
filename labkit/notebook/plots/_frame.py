"""Shared helpers for the plot modules: column checks, row filters, series labels, statistics, axes.

Everything here works on the DataFrames of ``lab.results()`` / ``lab.tokens()`` (column names from
docs/architecture.md) and never touches pyplot state: a new figure is a ``matplotlib.figure.Figure``
created without a backend manager, so nothing is shown unless the caller displays it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import STRATEGIES, PlotDataError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

EFFORT_ORDER = ("low", "medium", "high", "xhigh", "max")
TOKEN_CATEGORIES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "thinking", "visible_output")
STRATEGY_ORDER = STRATEGIES
"""The one strategy vocabulary (`labkit.core.STRATEGIES`), in the order plots show it."""
DEFAULT_FIGSIZE = (7.0, 4.2)
COLORS = {
    "input": "#1f77b4", "cache_write_5m": "#ff7f0e", "cache_write_1h": "#8c564b", "cache_read": "#2ca02c",
    "cache": "#ff7f0e", "thinking": "#d62728", "visible_output": "#9467bd",
    "ttft": "#7f7f7f", "answer": "#9467bd",
}
"""One colour per token / cost / time category, shared by every stacked plot."""


def require(df: pd.DataFrame, columns: Iterable[str], *, plot: str) -> None:
    """Raise `PlotDataError` naming every column ``plot`` needs that ``df`` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise PlotDataError(f"{plot}: the DataFrame lacks column(s) {', '.join(missing)}")


def nonempty(df: pd.DataFrame, *, plot: str, what: str) -> pd.DataFrame:
    """Return ``df`` or raise `PlotDataError` saying which rows ``plot`` found none of."""
    if df.empty:
        raise PlotDataError(f"{plot}: no rows to plot ({what})")
    return df


def ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of finished trials (status ``ok``); errors and skipped cells carry no metrics."""
    if "status" not in df.columns:
        return df
    return df[df["status"] == "ok"]


def new_axes(ax: Axes | None, figsize: tuple[float, float] = DEFAULT_FIGSIZE) -> Axes:
    """The caller's ``ax``, or the single Axes of a fresh pyplot-free Figure."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def config_label(df: pd.DataFrame) -> list[str]:
    """A label naming each row's model and the thinking/strategy knobs it turned."""
    labels = []
    for row in df.itertuples(index=False):
        knob = _knob(row)
        labels.append(f"{row.model} · {knob}" if knob else str(row.model))
    return labels


def _knob(row: Any) -> str:
    mode = getattr(row, "thinking_mode", None)
    parts = []
    if mode == "budget" and not missing(getattr(row, "budget_tokens", None)):
        parts.append(f"budget {int(row.budget_tokens)}")
    elif mode == "adaptive":
        effort = getattr(row, "effort", None)
        parts.append(f"effort {effort}" if not missing(effort) else "adaptive")
    elif mode == "off":
        parts.append("thinking off")
    label = strategy_of(row)
    if label not in ("none", "native"):
        parts.append(label)
    return " · ".join(parts)


def strategy_of(row: Any) -> str:
    """The row's strategy in the one vocabulary (none, native, kwargs, xml, xml+prefill); rows stored
    before the vocabulary was one ("none" with thinking on, "xml" with prefill) read the same way."""
    strategy = getattr(row, "strategy", None)
    strategy = "none" if missing(strategy) else str(strategy)
    if strategy == "xml" and bool(getattr(row, "prefill", False)):
        return "xml+prefill"
    if strategy == "none" and getattr(row, "thinking_mode", None) in ("budget", "adaptive"):
        return "native"
    return strategy


def standard_error(values: Sequence[float]) -> float:
    """Standard error of the mean (sample standard deviation / sqrt(n)); 0 for fewer than two values."""
    clean = [float(v) for v in values if not missing(v)]
    n = len(clean)
    if n < 2:
        return 0.0
    mean = sum(clean) / n
    var = sum((v - mean) ** 2 for v in clean) / (n - 1)
    return math.sqrt(var / n)


def rate_over_repeats(df: pd.DataFrame, value: str, by: Sequence[str]) -> pd.DataFrame:
    """Per group of ``by``: mean of ``value`` per repeat, then the mean and standard error over repeats.

    Returns columns ``by + [mean, se, repeats, trials]`` sorted by ``by``.
    """
    cols = [*by, "repeat"] if "repeat" in df.columns else list(by)
    per_repeat = df.groupby(cols, dropna=False)[value].mean().astype(float).reset_index()
    grouped = per_repeat.groupby(list(by), dropna=False)[value]
    out = grouped.agg(mean="mean", repeats="count").reset_index()
    out["se"] = [standard_error(list(v)) for _, v in grouped]
    out["trials"] = df.groupby(list(by), dropna=False)[value].count().to_numpy()
    return out.sort_values(list(by)).reset_index(drop=True)


def rate_intervals(df: pd.DataFrame, value: str, by: Sequence[str], confidence: float = 0.95) -> pd.DataFrame:
    """Per group of ``by``: the share of true ``value`` (0-1) with its Wilson interval.

    Returns columns ``by + [mean, low, high, k, trials]`` sorted by ``by`` (a rate of 0 keeps an upper
    bound above 0, so "none of n" is drawn as such, never as "no data").
    """
    import pandas as pd

    from labkit.lab import rate_interval

    out = []
    for keys, group in df.groupby(list(by), dropna=False, sort=True):
        known = group[value].dropna().astype(bool)
        got = rate_interval(int(known.sum()), len(known), confidence=confidence)
        values = dict(zip(by, keys if isinstance(keys, tuple) else (keys,), strict=True))
        out.append({**values, "mean": got.estimate, "low": got.low, "high": got.high, "k": int(known.sum()),
                    "trials": len(known)})
    return pd.DataFrame(out, columns=[*by, "mean", "low", "high", "k", "trials"])


def mean_intervals(df: pd.DataFrame, value: str, by: Sequence[str], *, floor: float | None = None,
                   ceiling: float | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per group of ``by``: the mean of ``value`` with its Student-t interval, clipped to what is possible.

    ``floor`` / ``ceiling`` bound the interval (tokens are never negative; a utilisation never
    exceeds the largest one observed or 100%): columns ``by + [mean, low, high, trials]``.
    """
    import pandas as pd

    from labkit.lab import mean_interval

    out = []
    for keys, group in df.groupby(list(by), dropna=False, sort=True):
        got = mean_interval(pd.to_numeric(group[value], errors="coerce").astype(float).tolist(),
                            confidence=confidence)
        low, high = got.low, got.high
        if not math.isnan(low) and floor is not None:
            low = max(low, floor)
        if not math.isnan(high) and ceiling is not None:
            high = min(high, ceiling)
        values = dict(zip(by, keys if isinstance(keys, tuple) else (keys,), strict=True))
        out.append({**values, "mean": got.estimate, "low": low, "high": high, "trials": got.n})
    return pd.DataFrame(out, columns=[*by, "mean", "low", "high", "trials"])


def error_bars(stats: pd.DataFrame) -> list[list[float]]:
    """``yerr`` for ``errorbar`` from ``mean`` / ``low`` / ``high`` columns (no bar where undefined)."""
    lower = (stats["mean"] - stats["low"]).astype(float).fillna(0.0).clip(lower=0.0).tolist()
    upper = (stats["high"] - stats["mean"]).astype(float).fillna(0.0).clip(lower=0.0).tolist()
    return [lower, upper]


def percent_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels in percent for data on the 0-1 scale (the tables' scale: one number, one meaning)."""
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def legend_outside(ax: Axes) -> None:
    """The legend right of the axes, outside the plotting area, so it never covers bars or points
    (a constrained-layout figure makes room for it)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def effort_positions(efforts: Iterable[Any]) -> dict[str, int]:
    """x positions for effort levels in their natural order (low ... max)."""
    present = {str(e) for e in efforts if not missing(e)}
    ordered = [e for e in EFFORT_ORDER if e in present] + sorted(present - set(EFFORT_ORDER))
    return {e: i for i, e in enumerate(ordered)}


def budget_axis(ax: Axes, budgets: Iterable[Any]) -> None:
    """Log-2 x axis with one tick per budget actually swept."""
    ticks = sorted({int(b) for b in budgets if not missing(b)})
    ax.set_xscale("log", base=2)
    ax.set_xticks(ticks, [f"{t:,}" for t in ticks])
    ax.minorticks_off()


def finish(ax: Axes, *, title: str, xlabel: str, ylabel: str, legend: bool = True,
           legend_kw: dict[str, Any] | None = None, outside: bool = False) -> Axes:
    """Title, axis labels, grid and (when there is anything to name) a legend; ``outside`` puts it
    right of the axes (stacked bars fill the plotting area)."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if legend and outside:
        legend_outside(ax)
    elif legend and ax.get_legend_handles_labels()[0]:
        ax.legend(**{"fontsize": "small", **(legend_kw or {})})
    return ax


def missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value)))


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
