"""Plots of thinking depth from ``lab.results()``: tokens, utilisation, truncation, accuracy, latency, cost.

Each function takes the trial DataFrame, an optional ``ax``, and returns the Axes it drew on. Only
finished trials (status ``ok``) are plotted; budget plots use the rows with ``thinking_mode ==
"budget"``, effort plots the rows with an effort level. One line per model. Error bars are 95%
intervals: Wilson for rates (accuracy, truncation), Student-t for means (tokens, utilisation),
clipped to what is possible. Rates are drawn on the tables' 0-1 scale with percent tick labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.core import PlotDataError
from labkit.notebook._provenance import stamp_figure, stamped
from labkit.notebook.plots._frame import (
    COLORS,
    budget_axis,
    config_label,
    effort_positions,
    error_bars,
    finish,
    mean_intervals,
    new_axes,
    nonempty,
    ok_rows,
    percent_axis,
    rate_intervals,
    require,
)
from labkit.notebook.plots._labels import place_labels, spot_texts

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


def _lines_by_model(ax: Axes, stats: pd.DataFrame, x: str) -> None:
    """One error-bar line per model (``mean`` with ``low`` / ``high``); markers and dashes differ so
    that identical curves stay visible."""
    for i, (model, part) in enumerate(stats.groupby("model", sort=True)):
        ax.errorbar(
            part[x].astype(float), part["mean"], yerr=error_bars(part), capsize=3, label=str(model),
            marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)],
            markersize=8 - 1.5 * (i % 3), alpha=0.85,
        )


@stamped
def tokens_vs_budget(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean thinking tokens billed per trial against the thinking budget, with the budget itself dashed.

    Both axes are logarithmic: budgets double, and tokens are read as ratios of the budget."""
    rows = _budget_rows(df, "tokens_vs_budget", "thinking_tokens")
    ax = new_axes(ax)
    stats = mean_intervals(rows, "thinking_tokens", ["model", "budget_tokens"], floor=0.0)
    _lines_by_model(ax, stats, "budget_tokens")
    budgets = sorted(rows["budget_tokens"].astype(float).unique())
    ax.plot(budgets, budgets, linestyle="--", color="grey", label="budget (thinking = budget)")
    budget_axis(ax, budgets)
    ax.set_yscale("log")
    return finish(
        ax, title="Thinking tokens vs thinking budget",
        xlabel="thinking budget (tokens)", ylabel="thinking tokens per trial (mean, 95% CI; log scale)",
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


@stamped
def accuracy_vs_budget(df: pd.DataFrame, *, ax: Axes | None = None, mark_knee: bool = True) -> Axes:
    """Accuracy against the thinking budget; error bars are 95% Wilson intervals over the trials.

    With ``mark_knee`` a dotted vertical line marks each model's `budget_knee`.
    """
    rows = _budget_rows(df, "accuracy_vs_budget", "correct")
    ax = new_axes(ax)
    _lines_by_model(ax, rate_intervals(rows, "correct", ["model", "budget_tokens"]), "budget_tokens")
    if mark_knee and "cost_usd" in rows.columns:
        colors = [c.lines[0].get_color() for c in ax.containers if hasattr(c, "lines")]
        for color, knee in zip(colors, budget_knee(rows).itertuples(index=False), strict=False):
            ax.axvline(knee.knee_budget, linestyle=":", color=color,
                       label=f"{knee.model}: more budget stops paying past {knee.knee_budget:,}")
    budget_axis(ax, rows["budget_tokens"])
    _rate_axis(ax)
    return finish(
        ax, title="Accuracy vs thinking budget",
        xlabel="thinking budget (tokens)", ylabel="accuracy (% correct, 95% Wilson CI)",
    )


def _rate_axis(ax: Axes) -> None:
    ax.set_ylim(-0.05, 1.05)
    percent_axis(ax)


@stamped
def accuracy_vs_effort(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Accuracy per effort level (low ... max); error bars are 95% Wilson intervals over the trials."""
    rows = _effort_rows(df, "accuracy_vs_effort", "correct")
    rows = rows.assign(effort=rows["effort"].astype(str))
    positions = effort_positions(rows["effort"])
    stats = rate_intervals(rows, "correct", ["model", "effort"])
    stats["x"] = stats["effort"].map(positions)
    ax = new_axes(ax)
    _lines_by_model(ax, stats.sort_values(["model", "x"]), "x")
    ax.set_xticks(list(positions.values()), list(positions))
    _rate_axis(ax)
    return finish(
        ax, title="Accuracy vs effort level",
        xlabel="effort level (output_config.effort)", ylabel="accuracy (% correct, 95% Wilson CI)",
    )


@stamped
def budget_utilisation(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of the thinking budget actually used (thinking tokens / budget), per model and budget.

    The interval of the mean is clipped to 0-100% (a mean cannot use more than the whole budget); a
    note counts the single trials above 100% and says why (thinking tokens estimated from output minus
    visible text where the API reports none, or a tool loop whose turns add up).
    """
    rows = _budget_rows(df, "budget_utilisation", "budget_utilisation")
    rows = rows[rows["budget_utilisation"].notna()]
    ax = new_axes(ax)
    stats = mean_intervals(rows, "budget_utilisation", ["model", "budget_tokens"], floor=0.0, ceiling=1.0)
    _lines_by_model(ax, stats, "budget_tokens")
    ax.axhline(1.0, linestyle="--", color="grey", label="whole budget used")
    budget_axis(ax, rows["budget_tokens"])
    ax.set_ylim(0, max(1.1, float(stats["mean"].max()) + 0.05))
    percent_axis(ax)
    over = rows[rows["budget_utilisation"].astype(float) > 1.0]
    if len(over):
        estimated = "tokens_source" in over.columns and bool((over["tokens_source"] == "estimated").all())
        why = "thinking tokens estimated: the API reported none" if estimated else "estimated or multi-turn"
        ax.text(0.99, 0.02, f"{len(over)} of {len(rows)} trials above 100% ({why})", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7, color="#555")
    return finish(
        ax, title="Thinking budget utilisation",
        xlabel="thinking budget (tokens)", ylabel="budget used (thinking tokens / budget; mean, 95% CI)",
    )


@stamped
def truncation_rate(df: pd.DataFrame, *, ax: Axes | None = None, x: str = "budget_tokens") -> Axes:
    """Share of trials stopped by ``max_tokens`` per thinking budget (``x="budget_tokens"``) or effort.

    Error bars are 95% Wilson intervals, so a rate of 0 still shows how high it could plausibly be;
    when no trial was truncated the plot says so and gives the largest upper bound.
    """
    if x not in ("budget_tokens", "effort"):
        raise PlotDataError(f"truncation_rate: x must be 'budget_tokens' or 'effort', got {x!r}")
    if x == "budget_tokens":
        rows = _budget_rows(df, "truncation_rate", "stop_reason")
    else:
        rows = _effort_rows(df, "truncation_rate", "stop_reason").assign(effort=lambda d: d["effort"].astype(str))
    rows = rows.assign(truncated=rows["stop_reason"] == "max_tokens")
    stats = rate_intervals(rows, "truncated", ["model", x])
    ax = new_axes(ax)
    if x == "effort":
        positions = effort_positions(stats["effort"])
        stats = stats.assign(x=stats["effort"].map(positions)).sort_values(["model", "x"])
        _lines_by_model(ax, stats, "x")
        ax.set_xticks(list(positions.values()), list(positions))
        xlabel = "effort level (output_config.effort)"
    else:
        _lines_by_model(ax, stats, x)
        budget_axis(ax, rows[x])
        xlabel = "thinking budget (tokens)"
    _rate_axis(ax)
    if int(stats["k"].sum()) == 0:
        ax.text(0.5, 0.6, f"no trial was truncated (0 of {int(stats['trials'].sum())});\n"
                f"bars: how high the rate could still be (95%: at most {float(stats['high'].max()):.0%})",
                transform=ax.transAxes, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "#bbb"})
    return finish(ax, title="Truncation rate (stop_reason = max_tokens)", xlabel=xlabel,
                  ylabel="trials truncated (%, 95% Wilson CI)")


LATENCY_PARTS = (("ttft_s", "time to first token"), ("thinking_s", "thinking"), ("answer_s", "answer"))
_LATENCY_COLORS = (COLORS["ttft"], COLORS["thinking"], COLORS["answer"])


@stamped
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
                  xlabel=f"seconds per trial ({stat} of each part)", ylabel="configuration", outside=True)


@stamped
def cost_vs_accuracy(df: pd.DataFrame, *, ax: Axes | None = None, annotate: bool = True) -> Axes:
    """Accuracy (95% Wilson interval) against mean cost per trial, one point per configuration, with the
    cost-accuracy frontier.

    Models differ in marker and fill (the first filled, the others hollow and larger), so a model whose
    points land on another's stays visible. Configurations on the same spot share one label (one line
    per model: "opus-4-5: budget 4096, 8192"); each label sits at the nearest place inside the axes
    where it covers no marker and no other label (`labkit.notebook.plots._labels`), with a leader line
    when it had to move away from its point.
    """
    require(df, ["model", "cost_usd", "correct"], plot="cost_vs_accuracy")
    rows = nonempty(ok_rows(df), plot="cost_vs_accuracy", what="finished trials")
    rows = rows.assign(config=config_label(rows))
    stats = rate_intervals(rows, "correct", ["model", "config"]).rename(columns={"mean": "acc"})
    costs = rows.groupby(["model", "config"])["cost_usd"].mean().rename("cost").reset_index()
    stats = stats.merge(costs, on=["model", "config"])
    ax = new_axes(ax, figsize=(8.0, 5.0))
    bars: list[Any] = []
    points: list[Any] = []
    for i, (model, part) in enumerate(stats.groupby("model", sort=True)):
        hollow = i > 0
        drawn = ax.errorbar(part["cost"], part["acc"], yerr=error_bars(part.rename(columns={"acc": "mean"})),
                            fmt=MARKERS[i % len(MARKERS)], capsize=2, label=str(model), zorder=3 + i,
                            markersize=7 + 3 * i, alpha=0.9, elinewidth=1,
                            markerfacecolor="none" if hollow else None, markeredgewidth=1.6)  # fmt: skip
        points.append(drawn.lines[0])
        bars.extend(drawn.lines[2])
    labels = _annotate_points(ax, stats) if annotate else []
    frontier = _frontier(stats)
    [step] = ax.step([c for c, _ in frontier], [a for _, a in frontier], where="post",
                     linestyle=":", color="black", label="frontier (best accuracy for the cost)")  # fmt: skip
    ax.set_ylim(-0.05, 1.12)
    percent_axis(ax)
    ax.margins(x=0.08)
    finish(ax, title="Accuracy vs cost per trial", xlabel="cost per trial (USD, mean)",
           ylabel="accuracy (% correct, 95% Wilson CI)", outside=True)
    stamp_figure(ax, df)  # now rather than after return (`stamped` keeps it): the stamp changes the layout
    place_labels(ax, labels, points=points, soft=[*bars, step])  # the layout is final: the points stay put
    return ax


def _annotate_points(ax: Axes, stats: pd.DataFrame) -> list[Any]:
    """One label per spot (`spot_texts`), at its point until `place_labels` moves it."""
    texts = spot_texts((float(row.cost), float(row.acc), _short(str(row.model)),
                        str(row.config).removeprefix(f"{row.model} · "))
                       for row in stats.itertuples(index=False))  # fmt: skip
    return [
        ax.annotate(text, spot, fontsize=7, xytext=(6, 0), textcoords="offset points", va="center", zorder=10,
                    annotation_clip=True, arrowprops={"arrowstyle": "-", "color": "0.35", "lw": 0.7,
                                                      "shrinkA": 0, "shrinkB": 4},
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        for spot, text in texts.items()
    ]  # fmt: skip


def _short(model: str) -> str:
    return model.removeprefix("claude-")


def _frontier(stats: pd.DataFrame) -> list[tuple[float, float]]:
    """Configurations no cheaper one beats on accuracy, in order of cost."""
    points: list[tuple[float, float]] = []
    for cost, acc in sorted(zip(stats["cost"].astype(float), stats["acc"].astype(float), strict=True)):
        if not points or acc > points[-1][1]:
            points.append((cost, acc))
    return points
