"""Matplotlib figures of labkit experiments, drawn from ``lab.results()`` and ``lab.tokens()``.

Every function takes a DataFrame, an optional ``ax`` (a new pyplot-free Figure is made when it is
None) and returns the Axes it drew on, with a title and axis labels that name their units. Nothing
here touches pyplot state or calls ``show()``: display the returned ``ax.figure`` or save it with
`save_figure`. matplotlib and pandas are imported only when a plot is drawn.

- `depth`: tokens_vs_budget, accuracy_vs_budget, budget_knee (a table), accuracy_vs_effort, budget_utilisation,
  truncation_rate, latency_breakdown, cost_vs_accuracy
- `accounting`: strategy_comparison, assumption_sensitivity, token_composition, cost_split, estimate_error, save_figure
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "assumption_sensitivity": "labkit.notebook.plots._accounting",
    "cost_split": "labkit.notebook.plots._accounting",
    "estimate_error": "labkit.notebook.plots._accounting",
    "save_figure": "labkit.notebook.plots._accounting",
    "strategy_comparison": "labkit.notebook.plots._accounting",
    "token_composition": "labkit.notebook.plots._accounting",
    "accuracy_vs_budget": "labkit.notebook.plots._depth",
    "accuracy_vs_effort": "labkit.notebook.plots._depth",
    "budget_knee": "labkit.notebook.plots._depth",
    "budget_utilisation": "labkit.notebook.plots._depth",
    "cost_vs_accuracy": "labkit.notebook.plots._depth",
    "latency_breakdown": "labkit.notebook.plots._depth",
    "tokens_vs_budget": "labkit.notebook.plots._depth",
    "truncation_rate": "labkit.notebook.plots._depth",
    "PlotDataError": "labkit.core",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.core import PlotDataError as PlotDataError
    from labkit.notebook.plots._accounting import assumption_sensitivity as assumption_sensitivity
    from labkit.notebook.plots._accounting import cost_split as cost_split
    from labkit.notebook.plots._accounting import estimate_error as estimate_error
    from labkit.notebook.plots._accounting import save_figure as save_figure
    from labkit.notebook.plots._accounting import strategy_comparison as strategy_comparison
    from labkit.notebook.plots._accounting import token_composition as token_composition
    from labkit.notebook.plots._depth import accuracy_vs_budget as accuracy_vs_budget
    from labkit.notebook.plots._depth import accuracy_vs_effort as accuracy_vs_effort
    from labkit.notebook.plots._depth import budget_knee as budget_knee
    from labkit.notebook.plots._depth import budget_utilisation as budget_utilisation
    from labkit.notebook.plots._depth import cost_vs_accuracy as cost_vs_accuracy
    from labkit.notebook.plots._depth import latency_breakdown as latency_breakdown
    from labkit.notebook.plots._depth import tokens_vs_budget as tokens_vs_budget
    from labkit.notebook.plots._depth import truncation_rate as truncation_rate
