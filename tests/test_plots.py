"""labkit.notebook.plots on synthetic frames with the documented trial-row and tokens columns (Agg, no image diffs)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

from labkit.lab._frames import results_frame
from labkit.notebook import plots
from labkit.notebook.plots import PlotDataError
from labkit.notebook.plots._frame import rate_over_repeats, standard_error

BUDGETS = [1024, 2048, 4096, 8192]
EFFORTS = ["low", "medium", "high", "max"]


def _row(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "experiment": "t", "trial_key": "", "backend": "emulator", "model": "m", "label": None,
        "thinking_mode": "off", "budget_tokens": None, "effort": None, "display": None, "strategy": "none",
        "tag": None, "prefill": False, "fallback_from": None, "task_id": "a1", "category": "arithmetic",
        "repeat": 0, "status": "ok", "error_type": None, "error_message": None, "stop_reason": "end_turn",
        "input_tokens": 100, "cache_write_tokens": 0, "cache_read_tokens": 0, "output_tokens": 50,
        "thinking_tokens": 0, "visible_tokens": 50, "tokens_source": "reported", "budget_utilisation": None,
        "ttft_s": 0.2, "thinking_s": 0.0, "answer_s": 0.5, "total_s": 0.7, "cost_input_usd": 0.0003,
        "cost_cache_usd": 0.0, "cost_thinking_usd": 0.0, "cost_output_usd": 0.00075, "cost_usd": 0.00105,
        "batch": False, "answer": "42", "reasoning": None, "has_reasoning": False, "tool_calls": 0,
        "tool_calls_valid": None, "correct": True, "cached": False, "created_at": "2026-11-23T20:00:00Z",
    }
    base.update(kw)
    return base


def _results() -> pd.DataFrame:
    rows = []
    for budget, rep, task in itertools.product(BUDGETS, range(3), range(4)):
        thinking = min(budget, 900 + 500 * task)
        rows.append(_row(
            trial_key=f"b{budget}-{rep}-{task}", model="claude-budget", thinking_mode="budget", budget_tokens=budget,
            repeat=rep, task_id=f"t{task}", thinking_tokens=thinking, budget_utilisation=thinking / budget,
            stop_reason="max_tokens" if thinking >= budget and task == 3 else "end_turn",
            correct=thinking < budget or (rep + task) % 2 == 0, thinking_s=thinking / 1000,
            cost_usd=0.001 + thinking * 1.5e-5, has_reasoning=True,
        ))
    for effort, rep, task in itertools.product(EFFORTS, range(3), range(4)):
        rows.append(_row(
            trial_key=f"e{effort}-{rep}-{task}", model="claude-effort", thinking_mode="adaptive", effort=effort,
            repeat=rep, task_id=f"t{task}", thinking_tokens=500 * (EFFORTS.index(effort) + 1),
            correct=EFFORTS.index(effort) >= task % 3 or rep == 0, cost_usd=0.002 * (EFFORTS.index(effort) + 1),
            stop_reason="max_tokens" if effort == "low" and task == 0 else "end_turn",
        ))
    rows.append(_row(trial_key="err", model="claude-budget", thinking_mode="budget", budget_tokens=1024,
                     status="error", error_type="APIError", correct=None, thinking_tokens=None))
    return results_frame(rows)


def _strategies() -> pd.DataFrame:
    rows = []
    specs = [("none", False, "off"), ("none", False, "adaptive"), ("kwargs", False, "off"), ("xml", False, "off"),
             ("xml", True, "off")]
    for (strategy, prefill, mode), task in itertools.product(specs, range(4)):
        skipped = prefill and task < 2
        rows.append(_row(
            trial_key=f"{strategy}{prefill}{mode}{task}", strategy=strategy, prefill=prefill, thinking_mode=mode,
            task_id=f"tool{task}", category="tool_use", status="skipped" if skipped else "ok",
            has_reasoning=strategy != "none" or mode == "adaptive", tool_calls=1,
            tool_calls_valid=task != 0 or strategy != "kwargs", correct=task % 2 == 0 or strategy == "xml",
            error_message="prefill not accepted" if skipped else None,
        ))
    return results_frame(rows)


def _tokens() -> pd.DataFrame:
    rows = []
    for trial, strategy in enumerate(["none", "kwargs", "xml"] * 2):
        base = {"experiment": "t", "trial_key": f"k{trial}", "model": "claude-x", "task_id": f"t{trial}",
                "category": "tool_use", "repeat": 0, "thinking_mode": "off", "budget_tokens": None, "effort": None,
                "strategy": strategy}
        reported = {"input": 400 + 60 * (strategy == "kwargs"), "cache_write_5m": 200 if trial < 3 else 0,
                    "cache_write_1h": 50 if trial == 0 else 0, "cache_read": 0 if trial < 3 else 200, "thinking": 0,
                    "visible_output": 80}  # fmt: skip
        for cat, n in reported.items():
            rows.append({**base, "token_category": cat, "tokens": n, "source": "reported"})
        total = sum(reported[c] for c in ("input", "cache_write_5m", "cache_write_1h", "cache_read"))
        rows.append({**base, "token_category": "input", "tokens": total, "source": "count_tokens"})
        rows.append({**base, "token_category": "input", "tokens": int(total * 1.1), "source": "estimated"})
    return pd.DataFrame(rows)


def _errorbars(ax: Axes) -> list[ErrorbarContainer]:
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def _bars(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def test_pure_helpers_do_not_need_pyplot() -> None:
    plots.tokens_vs_budget(_results())
    assert "matplotlib.pyplot" not in sys.modules


def test_standard_error_and_rate_over_repeats() -> None:
    assert standard_error([1.0]) == 0.0
    assert standard_error([0.0, 1.0]) == pytest.approx(0.5)
    frame = pd.DataFrame({"g": ["a"] * 4, "repeat": [0, 0, 1, 1], "v": [1.0, 1.0, 0.0, 1.0]})
    stats = rate_over_repeats(frame, "v", ["g"])
    assert stats.loc[0, "mean"] == pytest.approx(0.75)
    assert stats.loc[0, "se"] == pytest.approx(0.25)
    assert stats.loc[0, "repeats"] == 2 and stats.loc[0, "trials"] == 4


def test_tokens_vs_budget_draws_one_line_per_model_and_the_budget() -> None:
    ax = plots.tokens_vs_budget(_results())
    assert isinstance(ax.figure, Figure)
    assert [c.get_label() for c in _errorbars(ax)] == ["claude-budget"]
    line = _errorbars(ax)[0].lines[0]
    assert list(line.get_xdata()) == BUDGETS
    assert list(line.get_ydata()) == [993.0, 1562.0, 1650.0, 1650.0]
    assert "budget (thinking = budget)" in [ln.get_label() for ln in ax.get_lines()]
    assert ax.get_xlabel() == "thinking budget (tokens)" and "tokens" in ax.get_ylabel()
    assert ax.get_title() == "Thinking tokens vs thinking budget"


def test_accuracy_vs_budget_error_bars_are_wilson_intervals() -> None:
    """Issue 13: accuracy on the tables' 0-1 scale (percent tick labels) with 95% Wilson intervals
    (was: percent with standard errors over repeats)."""
    from labkit.lab import rate_interval

    df = _results()
    ax = plots.accuracy_vs_budget(df)
    (bars,) = _errorbars(ax)
    ys = list(bars.lines[0].get_ydata())
    ok = df[(df.status == "ok") & (df.model == "claude-budget")]
    expected = ok.groupby("budget_tokens")["correct"].mean().astype(float)
    assert ys == pytest.approx(list(expected))
    last = ok[ok.budget_tokens == 8192]["correct"].astype(bool)
    wilson = rate_interval(int(last.sum()), len(last))
    segments = bars.lines[2][0].get_segments()
    (_, bottom), (_, top) = segments[-1]
    assert (bottom, top) == pytest.approx((wilson.low, wilson.high))
    assert [t.get_text() for t in ax.get_yticklabels()][-2].endswith("%")
    assert "%" in ax.get_ylabel() and "Wilson" in ax.get_ylabel() and ax.get_title() == "Accuracy vs thinking budget"


def test_accuracy_vs_effort_orders_levels() -> None:
    ax = plots.accuracy_vs_effort(_results())
    assert [t.get_text() for t in ax.get_xticklabels()] == EFFORTS
    assert [c.get_label() for c in _errorbars(ax)] == ["claude-effort"]
    assert ax.get_xlabel().startswith("effort level")


def test_budget_utilisation_and_truncation() -> None:
    ax = plots.budget_utilisation(_results())
    bars = _errorbars(ax)[0]
    ys = list(bars.lines[0].get_ydata())
    assert ys[0] == pytest.approx((900 / 1024 + 1 + 1 + 1) / 4)
    tops = [seg[1][1] for seg in bars.lines[2][0].get_segments()]
    assert max(tops) <= 1.0 + 1e-9  # never above what was possible (here: 100%, the largest observed)
    assert ax.get_title() == "Thinking budget utilisation"
    ax = plots.truncation_rate(_results())
    assert list(_errorbars(ax)[0].lines[0].get_ydata()) == pytest.approx([0.25, 0.25, 0.0, 0.0])
    ax = plots.truncation_rate(_results(), x="effort")
    assert list(_errorbars(ax)[0].lines[0].get_ydata()) == pytest.approx([0.25, 0.0, 0.0, 0.0])
    with pytest.raises(PlotDataError, match="x must be"):
        plots.truncation_rate(_results(), x="model")


def test_truncation_rate_of_zero_shows_its_upper_bound_not_a_flat_line() -> None:
    from labkit.lab import rate_interval

    df = _results().assign(stop_reason="end_turn")
    ax = plots.truncation_rate(df)
    bars = _errorbars(ax)[0]
    assert list(bars.lines[0].get_ydata()) == [0.0] * len(BUDGETS)
    tops = [seg[1][1] for seg in bars.lines[2][0].get_segments()]
    per_budget = int((df[(df.status == "ok") & (df.thinking_mode == "budget")].budget_tokens == 1024).sum())
    assert tops[0] == pytest.approx(rate_interval(0, per_budget).high) and tops[0] > 0
    assert any("no trial was truncated" in t.get_text() for t in ax.texts)


def test_tokens_vs_budget_uses_a_log_axis_and_legends_stay_off_the_bars() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    assert plots.tokens_vs_budget(_results()).get_yscale() == "log"
    for ax in (plots.token_composition(_tokens()), plots.cost_split(_results()), plots.latency_breakdown(_results()),
               plots.strategy_comparison(_strategies())):
        FigureCanvasAgg(ax.figure).draw()
        legend = ax.get_legend().get_window_extent()
        patches = [p.get_window_extent() for c in _bars(ax) for p in c.patches]
        assert patches and not any(legend.overlaps(box) for box in patches), ax.get_title()


def test_latency_breakdown_stacks_three_parts_per_config() -> None:
    ax = plots.latency_breakdown(_results())
    bars = _bars(ax)
    assert [b.get_label() for b in bars] == ["time to first token", "thinking", "answer"]
    assert all(len(b) == len(BUDGETS) + len(EFFORTS) for b in bars)
    first = [b.patches[0] for b in bars]
    assert first[1].get_x() == pytest.approx(first[0].get_x() + first[0].get_width())
    assert ax.get_xlabel() == "seconds per trial (median of each part)"
    slow = _results()
    slow.loc[0, "ttft_s"] = 100.0  # one stalled request moves the mean, not the median
    median_first = plots.latency_breakdown(slow).containers[0].patches[0].get_width()
    assert median_first == pytest.approx(0.2)
    mean_first = plots.latency_breakdown(slow, stat="mean").containers[0].patches[0].get_width()
    assert mean_first > 5


def test_cost_vs_accuracy_points_and_frontier() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ax = plots.cost_vs_accuracy(_results())
    points = _errorbars(ax)  # one error-bar series per model: accuracy with its Wilson interval
    assert sum(len(c.lines[0].get_xdata()) for c in points) == len(BUDGETS) + len(EFFORTS)
    # the second model is drawn hollow and larger, so it cannot hide the first one's markers
    first, second = (c.lines[0] for c in points)
    assert second.get_markerfacecolor() == "none" and second.get_markersize() > first.get_markersize()
    frontier = [ln for ln in ax.get_lines() if ln.get_label().startswith("frontier")]
    assert len(frontier) == 1
    assert list(frontier[0].get_ydata()) == sorted(frontier[0].get_ydata())
    assert "USD" in ax.get_xlabel()
    FigureCanvasAgg(ax.figure).draw()  # every label stays inside the axes
    frame = ax.get_window_extent()
    for label in ax.texts:
        box = label.get_window_extent()
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, label.get_text()


def _crowded() -> pd.DataFrame:
    """Three models x eight configurations packed into a small corner of cost and accuracy, some on one spot."""
    rows = []
    for m, model in enumerate(["claude-a", "claude-b", "claude-c"]):
        for k in range(8):
            budget = 1024 * 2**k
            for rep in range(5):
                rows.append(_row(
                    trial_key=f"{model}-{k}-{rep}", model=model, thinking_mode="budget", budget_tokens=budget,
                    repeat=rep, cost_usd=0.020 + 0.0004 * min(k, 5) + 0.0003 * m, correct=rep < 2 + min(k, 3) % 3,
                ))  # fmt: skip
    return results_frame(rows)


def test_cost_vs_accuracy_labels_hide_no_point_and_no_label() -> None:
    """Each spot gets one label, placed inside the axes over no marker and no other label; a label
    set away from its point has a leader line to it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from labkit.notebook.plots._labels import text_box

    for frame in (_results(), _crowded()):
        ax = plots.cost_vs_accuracy(frame)
        FigureCanvasAgg(ax.figure).draw()
        inside = ax.get_window_extent()
        labels = list(ax.texts)
        boxes = [text_box(label) for label in labels]
        spots = {(round(float(label.xy[0]), 9), round(float(label.xy[1]), 6)) for label in labels}
        assert len(spots) == len(labels)
        markers = [(x, y) for line in _errorbars(ax) for x, y in ax.transData.transform(line.lines[0].get_xydata())]
        for i, (label, box) in enumerate(zip(labels, boxes, strict=True)):
            assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), label.get_text()
            assert not any(box.overlaps(other) for other in boxes[i + 1:]), label.get_text()
            assert not any(box.contains(x, y) for x, y in markers), label.get_text()
            moved = max(abs(v) for v in label.get_position()) >= 12
            assert label.arrow_patch is not None and label.arrow_patch.get_visible() == moved
    texts = sorted(t.get_text() for t in ax.texts)
    assert any("b: budget" in t and ", " in t for t in texts), texts  # configurations on one spot share a line


def test_label_boxes_worked_out_for_each_position_are_the_ones_matplotlib_draws() -> None:
    """`place_labels` measures a label once and works out its box at every other position; each such
    box must be the box matplotlib lays the label out in there (multi-line labels included)."""
    from labkit.notebook.plots._labels import _options, _put

    crowded = _crowded()
    twin = crowded[crowded["model"] == "claude-a"].assign(model="claude-d")  # on claude-a's spots: two-line labels
    ax = plots.cost_vs_accuracy(pd.concat([crowded, twin], ignore_index=True))
    pixels = ax.figure.dpi / 72.0
    everywhere = (-1e9, -1e9, 1e9, 1e9)
    checked = 0
    for label in ax.texts:
        for _, spot, box in _options(label, everywhere, [], [], pixels):  # type: ignore[arg-type]
            drawn = _put(label, spot)  # type: ignore[arg-type]
            assert box == pytest.approx((drawn.x0, drawn.y0, drawn.x1, drawn.y1), abs=1e-6), (label.get_text(), spot)
            checked += 1
    assert checked == len(ax.texts) * 96 and any("\n" in t.get_text() for t in ax.texts)


def test_spot_texts_share_a_line_per_model_in_knob_order() -> None:
    from labkit.notebook.plots._labels import spot_texts

    texts = spot_texts([
        (0.02, 0.5, "opus-4-5", "budget 16384"), (0.02, 0.5, "opus-4-5", "budget 4096"),
        (0.02, 0.5, "opus-4-7", "effort max"), (0.02, 0.5, "opus-4-7", "effort high"),
        (0.02, 0.5, "opus-4-7", "budget 2048 · xml"), (0.03, 0.1, "opus-4-5", "budget 1024"),
    ])  # fmt: skip
    assert texts == {
        (0.02, 0.5): "opus-4-5: budget 4096, 16384\nopus-4-7: effort high, max\nopus-4-7: budget 2048 · xml",
        (0.03, 0.1): "opus-4-5: budget 1024",
    }


def test_strategy_comparison_groups_and_notes_skips() -> None:
    ax = plots.strategy_comparison(_strategies())
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert [t.split("\n")[0] for t in ticks] == ["none", "native", "kwargs", "xml", "xml+prefill"]
    assert "2 skipped" in ticks[-1]
    bars = _bars(ax)
    assert [b.get_label() for b in bars] == ["replies with inner thoughts", "valid tool calls", "accuracy"]
    validity = [p.get_height() for p in bars[1].patches]
    assert validity[2] == pytest.approx(0.75) and validity[0] == pytest.approx(1.0)
    assert [p.get_height() for p in bars[2].patches][3] == pytest.approx(1.0)
    labels = [t.get_text() for t in ax.texts]
    assert "75%" in labels and "100%" in labels


def test_strategy_comparison_tells_zero_from_not_applicable() -> None:
    df = _strategies()
    df["has_reasoning"] = False  # measured: 0%
    df["tool_calls_valid"] = None  # no tool call made anywhere: not applicable
    ax = plots.strategy_comparison(df)
    reasoning, validity, _ = _bars(ax)
    assert all(p.get_height() == 0 for p in reasoning.patches)
    assert all(p.get_hatch() == "///" and p.get_facecolor()[3] == 0 for p in validity.patches)
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("n/a") == len(validity.patches) and labels.count("0%") == len(reasoning.patches)
    zero_lines = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [0, 0]]
    assert len(zero_lines) == len(reasoning.patches)


def test_token_composition_stacks_categories() -> None:
    ax = plots.token_composition(_tokens(), by="strategy")
    bars = _bars(ax)
    assert [b.get_label() for b in bars] == [
        "input", "cache write 5m", "cache write 1h", "cache read", "thinking", "visible output"
    ]  # fmt: skip
    assert [t.get_text() for t in ax.get_yticklabels()] == ["none", "kwargs", "xml"]
    assert bars[0].patches[1].get_width() == pytest.approx(460)
    assert ax.get_ylabel() == "strategy" and "tokens" in ax.get_xlabel()
    default = plots.token_composition(_tokens())
    assert len(_bars(default)[0]) == 3


def test_token_composition_takes_the_best_source_per_category() -> None:
    tokens = _tokens()
    thinking = tokens[(tokens.token_category == "thinking")].assign(tokens=300, source="estimated")
    tokens = pd.concat([tokens[tokens.token_category != "thinking"], thinking], ignore_index=True)
    bars = {b.get_label(): b for b in _bars(plots.token_composition(tokens, by="strategy"))}
    assert [p.get_width() for p in bars["thinking"].patches] == [300, 300, 300]
    assert bars["input"].patches[1].get_width() == pytest.approx(460)  # reported input, not the estimates
    only_reported = {b.get_label(): b for b in _bars(plots.token_composition(tokens, source="reported"))}
    assert "thinking" not in only_reported


def test_estimate_error_compares_sources_with_reported_total() -> None:
    ax = plots.estimate_error(_tokens())
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["count_tokens (mean error +0.0%)", "local estimate (mean error +10.0%)"]
    assert ax.get_title() == "Input-token estimates vs reported usage"


def test_every_plot_draws_on_a_given_axes_and_saves(tmp_path: Path) -> None:
    fig = Figure()
    axes = fig.subplots(2, 5).ravel()
    calls = [
        (plots.tokens_vs_budget, _results()), (plots.accuracy_vs_budget, _results()),
        (plots.accuracy_vs_effort, _results()), (plots.budget_utilisation, _results()),
        (plots.truncation_rate, _results()), (plots.latency_breakdown, _results()),
        (plots.cost_vs_accuracy, _results()), (plots.strategy_comparison, _strategies()),
        (plots.token_composition, _tokens()), (plots.estimate_error, _tokens()),
    ]
    for ax, (fn, frame) in zip(axes, calls, strict=True):
        assert fn(frame, ax=ax) is ax
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    written = plots.save_figure(axes[0], tmp_path / "sub" / "all.png")
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plots.save_figure(fig, tmp_path / "fig.png").exists()


@pytest.mark.parametrize("fn", [plots.tokens_vs_budget, plots.accuracy_vs_budget, plots.budget_utilisation])
def test_budget_plots_name_what_is_missing(fn: Any) -> None:
    with pytest.raises(PlotDataError, match="lacks column"):
        fn(pd.DataFrame({"model": ["m"]}))
    only_effort = _results()
    only_effort = only_effort[only_effort.model == "claude-effort"]
    with pytest.raises(PlotDataError, match="thinking budget"):
        fn(only_effort)


def test_token_plots_need_reported_rows() -> None:
    tokens = _tokens()
    with pytest.raises(PlotDataError, match="reported"):
        plots.estimate_error(tokens[tokens.source != "reported"])
    with pytest.raises(PlotDataError, match="count_tokens or estimated"):
        plots.estimate_error(tokens[tokens.source == "reported"])


def test_budget_knee_is_the_smallest_budget_near_the_best_accuracy() -> None:
    df = _results()
    knee = plots.budget_knee(df)
    ok = df[(df.status == "ok") & (df.model == "claude-budget")]
    accuracy = ok.groupby("budget_tokens")["correct"].mean().astype(float)
    expected = min(b for b, a in accuracy.items() if a >= accuracy.max() - 0.02)
    assert knee.to_dict("records")[0]["knee_budget"] == expected
    assert knee.loc[0, "largest_budget"] == max(BUDGETS)
    ax = plots.accuracy_vs_budget(df)
    marks = [ln for ln in ax.get_lines() if "stops paying" in str(ln.get_label())]
    assert len(marks) == 1 and list(marks[0].get_xdata()) == [expected, expected]


def test_cost_split_stacks_four_parts() -> None:
    ax = plots.cost_split(_results())
    bars = _bars(ax)
    assert [b.get_label() for b in bars] == ["input", "cache write + read", "thinking", "visible output"]
    assert all(len(b) == len(BUDGETS) + len(EFFORTS) for b in bars)
    assert ax.get_xlabel() == "USD per trial (mean)"


def test_stacked_bars_carry_the_interval_of_their_total() -> None:
    from labkit.lab import mean_interval

    df = _results()
    ax = plots.cost_split(df)
    (totals,) = _errorbars(ax)
    assert totals.get_label() == "95% CI of the total"
    ok = df[df.status == "ok"]
    first = ok[(ok.model == "claude-budget") & (ok.budget_tokens == BUDGETS[0])]
    parts = ["cost_input_usd", "cost_cache_usd", "cost_thinking_usd", "cost_output_usd"]
    expected = mean_interval(first[parts].astype(float).fillna(0.0).sum(axis=1).tolist())
    (left, _), (right, _) = totals.lines[2][0].get_segments()[0]
    assert (left, right) == pytest.approx((max(expected.low, 0.0), expected.high))
    assert len(_errorbars(plots.token_composition(_tokens()))[0].lines[2][0].get_segments()) == 3
