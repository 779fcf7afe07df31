"""Shared helpers for the plot modules: column checks, row filters, series labels, statistics, axes.

Everything here works on the DataFrames of ``lab.results()`` / ``lab.tokens()`` (column names from
docs/architecture.md) and never touches pyplot state: a new figure is a ``matplotlib.figure.Figure``
created without a backend manager, so nothing is shown unless the caller displays it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import PlotDataError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

EFFORT_ORDER = ("low", "medium", "high", "xhigh", "max")
TOKEN_CATEGORIES = ("input", "cache_write", "cache_read", "thinking", "visible_output")
STRATEGY_ORDER = ("none", "native thinking", "kwargs", "xml", "xml+prefill")
DEFAULT_FIGSIZE = (7.0, 4.2)
COLORS = {
    "input": "#1f77b4", "cache_write": "#ff7f0e", "cache_read": "#2ca02c", "cache": "#ff7f0e",
    "thinking": "#d62728", "visible_output": "#9467bd",
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
    if label not in ("none", "native thinking"):
        parts.append(label)
    return " · ".join(parts)


def strategy_of(row: Any) -> str:
    """The strategy as compared in notebook 03: none, native thinking, kwargs, xml or xml+prefill."""
    strategy = getattr(row, "strategy", None)
    strategy = "none" if missing(strategy) else str(strategy)
    if strategy == "xml" and bool(getattr(row, "prefill", False)):
        return "xml+prefill"
    if strategy == "native" or (strategy == "none" and getattr(row, "thinking_mode", None) in ("budget", "adaptive")):
        return "native thinking"
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
           legend_kw: dict[str, Any] | None = None) -> Axes:
    """Title, axis labels, grid and (when there is anything to name) a legend."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(**{"fontsize": "small", **(legend_kw or {})})
    return ax


def missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value)))


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
