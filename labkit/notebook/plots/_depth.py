"""Plots of thinking depth from ``lab.results()``: tokens, utilisation, truncation, accuracy, latency, cost.

Each function takes the trial DataFrame, an optional ``ax``, and returns the Axes it drew on. Only
finished trials (status ``ok``) are plotted; budget plots use the rows with ``thinking_mode ==
"budget"``, effort plots the rows with an effort level. One line per model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit.core import PlotDataError
from labkit.notebook.plots._frame import (
    COLORS,
    budget_axis,
    config_label,
    effort_positions,
    finish,
    new_axes,
    nonempty,
    ok_rows,
    rate_over_repeats,
    require,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


def _budget_rows(df: pd.DataFrame, plot: str, value: str) -> pd.DataFrame:
    require(df, ["model", "thinking_mode", "budget_tokens", value], plot=plot)
    rows = ok_rows(df)
    rows = rows[(rows["thinking_mode"] == "budget") & rows["budget_tokens"].notna()]
    return nonempty(rows, plot=plot, what="finished trials with a thinking budget")


def _effort_rows(df: pd.DataFrame, plot: str, value: str) -> pd.DataFrame:
    require(df, ["model", "effort", value], plot=plot)
    rows = ok_rows(df)
    return nonempty(rows[rows["effort"].notna()], plot=plot, what="finished trials with an effort level")


MARKERS = ("o", "s", "^", "D", "v", "P")
LINESTYLES = ("-", "--", "-.", ":")


def _lines_by_model(ax: Axes, stats: pd.DataFrame, x: str, scale: float = 1.0) -> None:
    """One error-bar line per model; markers and dashes differ so that identical curves stay visible."""
    for i, (model, part) in enumerate(stats.groupby("model", sort=True)):
        ax.errorbar(
            part[x].astype(float), part["mean"] * scale, yerr=part["se"] * scale, capsize=3, label=str(model),
            marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)],
            markersize=8 - 1.5 * (i % 3), alpha=0.85,
        )


def tokens_vs_budget(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean thinking tokens billed per trial against the thinking budget, with the budget itself dashed."""
    rows = _budget_rows(df, "tokens_vs_budget", "thinking_tokens")
    ax = new_axes(ax)
    _lines_by_model(ax, rate_over_repeats(rows, "thinking_tokens", ["model", "budget_tokens"]), "budget_tokens")
    budgets = sorted(rows["budget_tokens"].astype(float).unique())
    ax.plot(budgets, budgets, linestyle="--", color="grey", label="budget (thinking = budget)")
    budget_axis(ax, budgets)
    return finish(
        ax, title="Thinking tokens vs thinking budget",
        xlabel="thinking budget (tokens)", ylabel="thinking tokens per trial (mean ± SE)",
    )


def budget_knee(df: pd.DataFrame, *, tolerance: float = 0.02) -> pd.DataFrame:
    """Per model, the smallest budget whose accuracy is within ``tolerance`` of the best budget's.

    Past this budget more thinking stops paying: columns ``model, knee_budget, knee_accuracy,
    best_accuracy, largest_budget, knee_cost_usd, largest_cost_usd`` (costs are means per trial).
    """
    import pandas as pd

    rows = _budget_rows(df, "budget_knee", "correct")
    require(rows, ["cost_usd"], plot="budget_knee")
    stats = rows.assign(correct=rows["correct"].astype(float)).groupby(["model", "budget_tokens"]).agg(
        accuracy=("correct", "mean"), cost=("cost_usd", "mean")).reset_index()
    out = []
    for model, part in stats.groupby("model", sort=True):
        part = part.sort_values("budget_tokens")
        best = float(part["accuracy"].max())
        knee = part[part["accuracy"] >= best - tolerance].iloc[0]
        largest = part.iloc[-1]
        out.append({"model": model, "knee_budget": int(knee["budget_tokens"]), "knee_accuracy": knee["accuracy"],
                    "best_accuracy": best, "largest_budget": int(largest["budget_tokens"]),
                    "knee_cost_usd": knee["cost"], "largest_cost_usd": largest["cost"]})
    return pd.DataFrame(out)


def accuracy_vs_budget(df: pd.DataFrame, *, ax: Axes | None = None, mark_knee: bool = True) -> Axes:
    """Accuracy against the thinking budget; error bars are the standard error over repeats.

    With ``mark_knee`` a dotted vertical line marks each model's `budget_knee`.
    """
    rows = _budget_rows(df, "accuracy_vs_budget", "correct")
    rows = rows.assign(correct=rows["correct"].astype(float))
    ax = new_axes(ax)
    _lines_by_model(ax, rate_over_repeats(rows, "correct", ["model", "budget_tokens"]), "budget_tokens", 100.0)
    if mark_knee and "cost_usd" in rows.columns:
        colors = [c.lines[0].get_color() for c in ax.containers if hasattr(c, "lines")]
        for color, knee in zip(colors, budget_knee(rows).itertuples(index=False), strict=False):
            ax.axvline(knee.knee_budget, linestyle=":", color=color,
                       label=f"{knee.model}: more budget stops paying past {knee.knee_budget:,}")
    budget_axis(ax, rows["budget_tokens"])
    ax.set_ylim(-5, 105)
    return finish(
        ax, title="Accuracy vs thinking budget",
        xlabel="thinking budget (tokens)", ylabel="accuracy (% correct, mean ± SE over repeats)",
    )


def accuracy_vs_effort(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Accuracy per effort level (low ... max); error bars are the standard error over repeats."""
    rows = _effort_rows(df, "accuracy_vs_effort", "correct")
    rows = rows.assign(correct=rows["correct"].astype(float), effort=rows["effort"].astype(str))
    positions = effort_positions(rows["effort"])
    stats = rate_over_repeats(rows, "correct", ["model", "effort"])
    stats["x"] = stats["effort"].map(positions)
    ax = new_axes(ax)
    _lines_by_model(ax, stats.sort_values(["model", "x"]), "x", 100.0)
    ax.set_xticks(list(positions.values()), list(positions))
    ax.set_ylim(-5, 105)
    return finish(
        ax, title="Accuracy vs effort level",
        xlabel="effort level (output_config.effort)", ylabel="accuracy (% correct, mean ± SE over repeats)",
    )


def budget_utilisation(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of the thinking budget actually used (thinking tokens / budget), per model and budget."""
    rows = _budget_rows(df, "budget_utilisation", "budget_utilisation")
    rows = rows[rows["budget_utilisation"].notna()]
    ax = new_axes(ax)
    _lines_by_model(ax, rate_over_repeats(rows, "budget_utilisation", ["model", "budget_tokens"]),
                    "budget_tokens", 100.0)
    ax.axhline(100.0, linestyle="--", color="grey", label="whole budget used")
    budget_axis(ax, rows["budget_tokens"])
    ax.set_ylim(bottom=0)
    return finish(
        ax, title="Thinking budget utilisation",
        xlabel="thinking budget (tokens)", ylabel="budget used (% = thinking tokens / budget)",
    )


def truncation_rate(df: pd.DataFrame, *, ax: Axes | None = None, x: str = "budget_tokens") -> Axes:
    """Share of trials stopped by ``max_tokens`` per thinking budget (``x="budget_tokens"``) or effort."""
    if x not in ("budget_tokens", "effort"):
        raise PlotDataError(f"truncation_rate: x must be 'budget_tokens' or 'effort', got {x!r}")
    if x == "budget_tokens":
        rows = _budget_rows(df, "truncation_rate", "stop_reason")
    else:
        rows = _effort_rows(df, "truncation_rate", "stop_reason").assign(effort=lambda d: d["effort"].astype(str))
    rows = rows.assign(truncated=(rows["stop_reason"] == "max_tokens").astype(float))
    stats = rate_over_repeats(rows, "truncated", ["model", x])
    ax = new_axes(ax)
    if x == "effort":
        positions = effort_positions(stats["effort"])
        stats = stats.assign(x=stats["effort"].map(positions)).sort_values(["model", "x"])
        _lines_by_model(ax, stats, "x", 100.0)
        ax.set_xticks(list(positions.values()), list(positions))
        xlabel = "effort level (output_config.effort)"
    else:
        _lines_by_model(ax, stats, x, 100.0)
        budget_axis(ax, rows[x])
        xlabel = "thinking budget (tokens)"
    ax.set_ylim(-5, 105)
    return finish(ax, title="Truncation rate (stop_reason = max_tokens)", xlabel=xlabel,
                  ylabel="trials truncated (%, mean ± SE over repeats)")


LATENCY_PARTS = (("ttft_s", "time to first token"), ("thinking_s", "thinking"), ("answer_s", "answer"))
_LATENCY_COLORS = (COLORS["ttft"], COLORS["thinking"], COLORS["answer"])


def latency_breakdown(df: pd.DataFrame, *, ax: Axes | None = None, stat: str = "median") -> Axes:
    """Seconds per trial split into time to first token, thinking time and answer time, per config.

    ``stat`` is ``"median"`` (default: robust to the odd stalled or retried request) or ``"mean"``.
    """
    if stat not in ("median", "mean"):
        raise PlotDataError(f"latency_breakdown: stat must be 'median' or 'mean', got {stat!r}")
    require(df, ["model", *(c for c, _ in LATENCY_PARTS)], plot="latency_breakdown")
    rows = nonempty(ok_rows(df), plot="latency_breakdown", what="finished trials")
    rows = rows.assign(config=config_label(rows))
    means = rows.groupby("config", sort=False)[[c for c, _ in LATENCY_PARTS]].agg(stat).fillna(0.0)
    ax = new_axes(ax, figsize=(8.0, 0.45 * len(means) + 2.0))
    left = [0.0] * len(means)
    labels = list(means.index)
    for (column, name), color in zip(LATENCY_PARTS, _LATENCY_COLORS, strict=True):
        widths = means[column].astype(float).tolist()
        ax.barh(labels, widths, left=left, label=name, color=color)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.invert_yaxis()
    return finish(ax, title="Latency breakdown per configuration",
                  xlabel=f"seconds per trial ({stat} of each part)", ylabel="configuration")


def cost_vs_accuracy(df: pd.DataFrame, *, ax: Axes | None = None, annotate: bool = True) -> Axes:
    """Accuracy against mean cost per trial, one point per configuration, with the cost-accuracy frontier."""
    require(df, ["model", "cost_usd", "correct"], plot="cost_vs_accuracy")
    rows = nonempty(ok_rows(df), plot="cost_vs_accuracy", what="finished trials")
    rows = rows.assign(config=config_label(rows), correct=rows["correct"].astype(float))
    stats = rows.groupby(["model", "config"], sort=False).agg(cost=("cost_usd", "mean"), acc=("correct", "mean"))
    stats = stats.reset_index()
    ax = new_axes(ax)
    for i, (model, part) in enumerate(stats.groupby("model", sort=True)):
        ax.scatter(part["cost"], part["acc"] * 100.0, label=str(model), zorder=3, alpha=0.8,
                   marker=MARKERS[i % len(MARKERS)], s=60 - 15 * (i % 3))
        if annotate:
            _annotate_points(ax, part, str(model), offset=i)
    frontier = _frontier(stats)
    ax.step([c for c, _ in frontier], [a * 100.0 for _, a in frontier], where="post",
            linestyle=":", color="black", label="frontier (best accuracy for the cost)")
    ax.set_ylim(-5, 105)
    return finish(ax, title="Accuracy vs cost per trial",
                  xlabel="cost per trial (USD, mean)", ylabel="accuracy (% correct)")


def _annotate_points(ax: Axes, part: pd.DataFrame, model: str, offset: int) -> None:
    """One label per distinct point of a model (configs that land on the same point share it)."""
    labels: dict[tuple[float, float], list[str]] = {}
    for row in part.itertuples(index=False):
        labels.setdefault((float(row.cost), float(row.acc)), []).append(str(row.config).removeprefix(f"{model} · "))
    for (cost, acc), names in labels.items():
        ax.annotate(" / ".join(names), (cost, acc * 100.0), fontsize=7, xytext=(5, 4 - 10 * offset),
                    textcoords="offset points")


def _frontier(stats: pd.DataFrame) -> list[tuple[float, float]]:
    """Configurations no cheaper one beats on accuracy, in order of cost."""
    points: list[tuple[float, float]] = []
    for cost, acc in sorted(zip(stats["cost"].astype(float), stats["acc"].astype(float), strict=True)):
        if not points or acc > points[-1][1]:
            points.append((cost, acc))
    return points
