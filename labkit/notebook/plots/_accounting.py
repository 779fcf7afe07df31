"""Plots of strategies and token accounting, and `save_figure`.

`strategy_comparison` reads ``lab.results()``; `token_composition` and `estimate_error` read the
long-format ``lab.tokens()`` (one row per trial x token category x source). Each takes an optional
``ax`` and returns the Axes it drew on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from labkit.core import PlotDataError
from labkit.notebook._provenance import stamp_of, stamped
from labkit.notebook.plots._frame import (
    COLORS,
    STRATEGY_ORDER,
    TOKEN_CATEGORIES,
    config_label,
    error_bars,
    finish,
    mean_intervals,
    new_axes,
    nonempty,
    ok_rows,
    percent_axis,
    rate_intervals,
    require,
    strategy_of,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

STRATEGY_METRICS = (
    ("has_reasoning", "replies with inner thoughts"),
    ("tool_calls_valid", "valid tool calls"),
    ("correct", "accuracy"),
)
TOKEN_COLUMNS = ["trial_key", "model", "thinking_mode", "budget_tokens", "effort", "strategy",
                 "token_category", "tokens", "source"]


@stamped
def strategy_comparison(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per strategy: share of replies with inner thoughts, of valid tool calls and correct (grouped bars).

    Each bar carries its value and a 95% Wilson interval. A measured 0% is drawn (a line on the axis
    and "0%") and told apart from "not applicable" (no trial it applies to, e.g. no tool call made:
    a hatched outline and "n/a"). Tick labels count the trials behind each group and name skipped or
    fallen-back cells.
    """
    from labkit.lab import rate_interval

    require(df, ["strategy", *(c for c, _ in STRATEGY_METRICS)], plot="strategy_comparison")
    labelled = df.assign(strategy_label=[strategy_of(r) for r in df.itertuples(index=False)])
    rows = nonempty(ok_rows(labelled), plot="strategy_comparison", what="finished trials")
    present = set(labelled["strategy_label"])
    order = [s for s in STRATEGY_ORDER if s in present] + sorted(present - set(STRATEGY_ORDER))
    ax = new_axes(ax, figsize=(10.0, 4.8))
    width = 0.8 / len(STRATEGY_METRICS)
    for i, (column, name) in enumerate(STRATEGY_METRICS):
        xs = [k + (i - 1) * width for k in range(len(order))]
        known = [rows[rows["strategy_label"] == s][column].dropna().astype(bool) for s in order]
        cis = [rate_interval(int(v.sum()), len(v)) for v in known]
        bars = ax.bar(xs, [ci.estimate if ci.n else 0.0 for ci in cis], width=width, label=name)
        color = bars.patches[0].get_facecolor()
        for x, ci, bar in zip(xs, cis, bars.patches, strict=True):
            if not ci.n:  # not applicable: a hatched outline and the words, never a bar that reads as 0%
                bar.set_height(0.12)
                bar.set(facecolor="none", edgecolor="#999", hatch="///", linewidth=0.8)
                ax.text(x, 0.14, "n/a", ha="center", va="bottom", fontsize=7, color="#666")
                continue
            ax.errorbar([x], [ci.estimate], yerr=[[ci.estimate - ci.low], [ci.high - ci.estimate]], fmt="none",
                        ecolor="black", elinewidth=0.8, capsize=2)
            if ci.estimate == 0:  # a measured 0%: a line on the axis in the bar's colour
                ax.plot([x - width / 2, x + width / 2], [0, 0], color=color, linewidth=3, solid_capstyle="butt")
            ax.text(x, ci.high + 0.015, f"{ci.estimate:.0%}", ha="center", va="bottom", fontsize=6)
    ax.set_xticks(range(len(order)), [_strategy_tick(labelled, s) for s in order], fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    percent_axis(ax)
    return finish(ax, title="Inner-thought strategies compared", xlabel="strategy",
                  ylabel="% of finished trials (95% Wilson CI)", outside=True)


def _strategy_tick(df: pd.DataFrame, strategy: str) -> str:
    part = df[df["strategy_label"] == strategy]
    notes = [f"n={int((part['status'] == 'ok').sum()) if 'status' in part else len(part)}"]
    if "status" in part:
        skipped = int((part["status"] == "skipped").sum())
        if skipped:
            notes.append(f"{skipped} skipped")
    if "fallback_from" in part:
        fell_back = int(part["fallback_from"].fillna("").astype(str).str.len().gt(0).sum())
        if fell_back:
            notes.append(f"{fell_back} fell back")
    return strategy + "\n" + ", ".join(notes)


SOURCE_ORDER = ("reported", "count_tokens", "estimated")


def _best_source(tokens: pd.DataFrame) -> pd.DataFrame:
    """Per trial and category, only the rows of the most reliable source present."""
    rank = tokens["source"].astype(str).map({s: i for i, s in enumerate(SOURCE_ORDER)}).fillna(len(SOURCE_ORDER))
    best = rank.groupby([tokens["trial_key"], tokens["token_category"].astype(str)]).transform("min")
    return tokens[rank == best]


def _per_trial(tokens: pd.DataFrame, source: str) -> pd.DataFrame:
    """Wide table: one row per trial (in first-seen order), one column per token category.

    ``source`` picks the rows of one source, or ``"best"`` the most reliable one per category.
    """
    picked = _best_source(tokens) if source == "best" else tokens[tokens["source"] == source]
    counts = picked.pivot_table(index="trial_key", columns="token_category", values="tokens",
                                aggfunc="sum", fill_value=0)
    counts.columns = [str(c) for c in counts.columns]
    descriptors = [c for c in picked.columns if c not in ("token_category", "tokens", "source")]
    meta = picked.drop_duplicates("trial_key")[descriptors].set_index("trial_key")
    return meta.join(counts).reset_index()


@stamped
def token_composition(tokens: pd.DataFrame, *, ax: Axes | None = None, by: str | None = None,
                      source: str = "best") -> Axes:
    """Stacked mean tokens per trial by category (input, cache write, cache read, thinking, visible output).

    Args:
        tokens: ``lab.tokens()``.
        by: a column to group by (e.g. ``"strategy"``); default: model and thinking/strategy knobs.
        source: which numbers to stack: ``"best"`` (per category the most reliable source: reported,
            else count_tokens, else estimated, e.g. thinking tokens the API did not report),
            or only ``"reported"``, ``"count_tokens"`` or ``"estimated"`` numbers.
    """
    require(tokens, TOKEN_COLUMNS if by is None else [*TOKEN_COLUMNS, by], plot="token_composition")
    wide = _per_trial(nonempty(tokens, plot="token_composition", what="token rows"), source)
    nonempty(wide, plot="token_composition", what=f"token rows with source {source!r}")
    wide["group"] = config_label(wide) if by is None else wide[by].astype(str).tolist()
    categories = [c for c in TOKEN_CATEGORIES if c in wide.columns]
    means = wide.groupby("group", sort=False)[categories].mean()
    ax = new_axes(ax, figsize=(8.0, 0.45 * len(means) + 2.0))
    left = [0.0] * len(means)
    for category in categories:
        widths = means[category].astype(float).tolist()
        ax.barh(list(means.index), widths, left=left, label=category.replace("_", " "), color=COLORS[category])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    _total_interval(ax, wide.assign(total=wide[categories].sum(axis=1)), list(means.index))
    ax.invert_yaxis()
    what = "best available source" if source == "best" else f"{source} numbers"
    return finish(ax, title=f"Where the tokens go (per trial, {what})",
                  xlabel="tokens per trial (mean)", ylabel=by or "configuration", outside=True)


def _total_interval(ax: Axes, rows: pd.DataFrame, groups: list[str]) -> None:
    """A 95% t interval of the mean total per trial at the end of each stacked bar."""
    stats = mean_intervals(rows, "total", ["group"], floor=0.0).set_index("group").loc[groups].reset_index()
    ax.errorbar(stats["mean"], groups, xerr=error_bars(stats), fmt="none", ecolor="black", elinewidth=0.9,
                capsize=3, label="95% CI of the total")


COST_PARTS = (("cost_input_usd", "input"), ("cost_cache_usd", "cache write + read"),
              ("cost_thinking_usd", "thinking"), ("cost_output_usd", "visible output"))
_COST_COLORS = {"input": COLORS["input"], "cache write + read": COLORS["cache"], "thinking": COLORS["thinking"],
                "visible output": COLORS["visible_output"]}


@stamped
def cost_split(df: pd.DataFrame, *, ax: Axes | None = None, by: str | None = None) -> Axes:
    """Stacked mean cost per trial split into input, cache, thinking and visible output, per group."""
    require(df, ["model", *(c for c, _ in COST_PARTS)] + ([by] if by else []), plot="cost_split")
    rows = nonempty(ok_rows(df), plot="cost_split", what="finished trials")
    rows = rows.assign(group=config_label(rows) if by is None else rows[by].astype(str).tolist())
    means = rows.groupby("group", sort=False)[[c for c, _ in COST_PARTS]].mean().fillna(0.0)
    ax = new_axes(ax, figsize=(8.0, 0.45 * len(means) + 2.0))
    left = [0.0] * len(means)
    for column, name in COST_PARTS:
        widths = means[column].astype(float).tolist()
        ax.barh(list(means.index), widths, left=left, label=name, color=_COST_COLORS[name])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    totals = rows[[c for c, _ in COST_PARTS]].astype(float).fillna(0.0).sum(axis=1)
    _total_interval(ax, rows.assign(total=totals), list(means.index))
    ax.invert_yaxis()
    return finish(ax, title="Cost split per trial", xlabel="USD per trial (mean)",
                  ylabel=by or "configuration", outside=True)


@stamped
def estimate_error(tokens: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Input tokens: labkit's local estimate and ``count_tokens`` against the reported usage.

    Reported input is the billed total (input + cache write + cache read), which is what
    ``count_tokens`` and the local estimate measure. The legend gives each source's mean error.
    """
    require(tokens, TOKEN_COLUMNS, plot="estimate_error")
    reported = _per_trial(tokens, "reported")
    if reported.empty:
        raise PlotDataError("estimate_error: no reported token rows to compare against")
    cached = [c for c in ("input", "cache_write_5m", "cache_write_1h", "cache_read") if c in reported.columns]
    truth = reported.set_index("trial_key")[cached].sum(axis=1).astype(float)
    ax = new_axes(ax)
    compared = 0
    for source, name in (("count_tokens", "count_tokens"), ("estimated", "local estimate")):
        rows = tokens[(tokens["source"] == source) & (tokens["token_category"] == "input")]
        guess = rows.groupby("trial_key")["tokens"].sum().astype(float)
        both = guess.index.intersection(truth.index)
        if both.empty:
            continue
        compared += 1
        err = ((guess[both] - truth[both]) / truth[both].where(truth[both] > 0)).mean() * 100.0
        ax.scatter(truth[both], guess[both], alpha=0.6, label=f"{name} (mean error {err:+.1f}%)")
    if not compared:
        raise PlotDataError("estimate_error: no count_tokens or estimated input rows match a reported trial")
    low, high = float(truth.min()), float(truth.max())
    ax.plot([low, high], [low, high], linestyle="--", color="grey", label="exact (= reported)")
    return finish(ax, title="Input-token estimates vs reported usage",
                  xlabel="reported input tokens (input + cache write + cache read)",
                  ylabel="estimated input tokens")


def save_figure(ax_or_fig: Axes | Figure | SubFigure, path: str | Path, *, dpi: int = 120) -> Path:
    """Write the figure holding ``ax_or_fig`` to ``path`` (format from the suffix, e.g. ``.png``).

    Creates missing parent folders and returns the path written. A figure stamped with its rows'
    provenance (`labkit.notebook.stamp_figure`) keeps the stamp in the file's metadata too (PNG
    ``Description``), so a figure cut out of its caption still says it is synthetic.
    """
    from matplotlib.axes import Axes as _Axes

    source = ax_or_fig.get_figure(root=True) if isinstance(ax_or_fig, _Axes) else ax_or_fig
    figure = source.get_figure(root=True) if source is not None else None
    if figure is None:
        raise PlotDataError("save_figure: the Axes belongs to no figure")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = stamp_of(figure)
    metadata = {"Description": stamp} if stamp and target.suffix.lower() == ".png" else None
    figure.savefig(target, dpi=dpi, bbox_inches="tight", metadata=metadata)
    return target


@stamped
def assumption_sensitivity(df: pd.DataFrame, *, ax: Axes | None = None, metric: str = "has_reasoning",
                           by: str = "strategy") -> Axes:
    """One line per ``by`` group: the share of ``metric`` (95% Wilson CI) against the assumption's value.

    Draws the frame `labkit.notebook.assumption_sensitivity` returns; the x axis names the assumption.
    """
    require(df, ["assumption", "assumption_value", by, metric], plot="assumption_sensitivity")
    rows = nonempty(ok_rows(df), plot="assumption_sensitivity", what="finished trials")
    stats = rate_intervals(rows, metric, [by, "assumption_value"])
    ax = new_axes(ax)
    for group, line in stats.groupby(by, sort=False):
        ax.errorbar(line["assumption_value"], line["mean"], yerr=error_bars(line), marker="o", capsize=3,
                    label=str(group))  # fmt: skip
    ax.set_ylim(-0.02, 1.05)
    percent_axis(ax)
    name = str(rows["assumption"].iloc[0])
    return finish(ax, title=f"{dict(STRATEGY_METRICS).get(metric, metric)} as the emulator's {name} moves",
                  xlabel=f"Assumptions.{name} (an assumption of the synthetic model, not a measurement)",
                  ylabel="% of finished trials (95% Wilson CI)")
