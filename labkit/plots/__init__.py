"""Matplotlib figures of labkit experiments, drawn from ``lab.results()`` and ``lab.tokens()``.

Every function takes a DataFrame, an optional ``ax`` (a new pyplot-free Figure is made when it is
None) and returns the Axes it drew on, with a title and axis labels that name their units. Nothing
here touches pyplot state or calls ``show()``: display the returned ``ax.figure`` or save it with
`save_figure`. matplotlib and pandas are imported only when a plot is drawn.

- `depth`: tokens_vs_budget, accuracy_vs_budget, budget_knee (a table), accuracy_vs_effort, budget_utilisation,
  truncation_rate, latency_breakdown, cost_vs_accuracy
- `accounting`: strategy_comparison, token_composition, cost_split, estimate_error, save_figure
"""

from __future__ import annotations

from labkit.plots._frame import PlotDataError
from labkit.plots.accounting import cost_split, estimate_error, save_figure, strategy_comparison, token_composition
from labkit.plots.depth import (
    accuracy_vs_budget,
    accuracy_vs_effort,
    budget_knee,
    budget_utilisation,
    cost_vs_accuracy,
    latency_breakdown,
    tokens_vs_budget,
    truncation_rate,
)

__all__ = [
    "PlotDataError",
    "accuracy_vs_budget",
    "accuracy_vs_effort",
    "budget_knee",
    "budget_utilisation",
    "cost_split",
    "cost_vs_accuracy",
    "estimate_error",
    "latency_breakdown",
    "save_figure",
    "strategy_comparison",
    "token_composition",
    "tokens_vs_budget",
    "truncation_rate",
]
