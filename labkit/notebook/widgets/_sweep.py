"""`sweep_panel(lab)`: pick the axes of a sweep, price it, run it with progress, then plot it.

Axes: models, budgets, effort levels, strategies, repeats and task categories. "Estimate" calls
``lab.estimate`` and says, as money, the expected cost (from matching trials in the store, else an
emulator dry run, labelled) beside the ceiling (``max_tokens``), with the per-cell table folded
away, and lists the cells the models reject; "Run" sweeps one config at a time so the progress bar moves,
then draws every plot that applies to the results. Grids use `labkit.lab.grid`, so a knob
a model rejects is skipped (or replaced, with policy "fallback") and never sent.
"""

from __future__ import annotations

import html
from typing import Any

from labkit.core import EFFORT_LEVELS, LabkitError
from labkit.notebook.widgets._panel import (
    Panel,
    append_figure,
    append_html,
    clear,
    model_choices,
    provenance_badge,
    widgets_module,
)

BUDGETS = (1024, 2048, 4096, 8192, 16384)
STRATEGIES = ("native", "none", "kwargs", "xml", "xml+prefill")
DEFAULT_MODELS = ("claude-sonnet-4-6", "claude-opus-4-7")
PLOTS = ("tokens_vs_budget", "accuracy_vs_budget", "budget_utilisation", "truncation_rate", "accuracy_vs_effort",
         "strategy_comparison", "cost_vs_accuracy", "latency_breakdown")


def task_categories() -> list[str]:
    from labkit.tasks import load_tasks

    return sorted({str(t.category) for t in load_tasks() if t.category})


def selected_tasks(controls: dict[str, Any]) -> list[Any]:
    """The suite's tasks in the chosen categories (all categories when none is chosen)."""
    from labkit.tasks import load_tasks

    chosen = set(controls["categories"].value)
    tasks = [t for t in load_tasks() if not chosen or t.category in chosen]
    if not tasks:
        raise LabkitError(f"no task in the categories {sorted(chosen)}")
    return tasks


def selected_configs(controls: dict[str, Any]) -> tuple[list[Any], list[tuple[dict[str, Any], str]]]:
    """(configs, skipped cells with reasons) for the chosen axes.

    Native thinking crosses models with budgets and, separately, with effort levels (a budget and
    an effort are two different knobs); the inner-thought strategies run with thinking off.
    """
    from labkit.lab import grid

    models = list(controls["models"].value)
    if not models:
        raise LabkitError("choose at least one model")
    strategies = list(controls["strategies"].value) or ["native"]
    policy = controls["policy"].value
    grids = []
    if "native" in strategies:
        budgets, efforts = list(controls["budgets"].value), list(controls["efforts"].value)
        if budgets:
            grids.append(grid(model=models, budget=budgets, strategy="native", policy=policy))
        if efforts:
            grids.append(grid(model=models, effort=efforts, strategy="native", policy=policy))
        if not budgets and not efforts:
            grids.append(grid(model=models, strategy="native", policy=policy))
    others = [s for s in strategies if s != "native"]
    if others:
        grids.append(grid(model=models, strategy=others, policy=policy))
    configs: list[Any] = []
    skipped: list[tuple[dict[str, Any], str]] = []
    for result in grids:
        configs += [c for c in result if c not in configs]
        skipped += result.skipped
    return configs, skipped


def _controls(lab: Any) -> dict[str, Any]:
    w = widgets_module()
    models = model_choices(lab)
    categories = task_categories()
    return {
        "models": w.SelectMultiple(options=models, value=[m for m in DEFAULT_MODELS if m in models] or models[:1],
                                   description="Models", rows=6),
        "budgets": w.SelectMultiple(options=BUDGETS, value=(1024, 4096, 16384), description="Budgets"),
        "efforts": w.SelectMultiple(options=EFFORT_LEVELS, value=("low", "high"), description="Efforts"),
        "strategies": w.SelectMultiple(options=STRATEGIES, value=("native",), description="Strategies"),
        "categories": w.SelectMultiple(options=categories, value=tuple(categories[:1]), description="Tasks"),
        "repeats": w.IntSlider(value=2, min=1, max=10, description="Repeats"),
        "name": w.Text(value="panel", description="Name"),
        "policy": w.Dropdown(options=("skip", "fallback"), value="skip", description="Rejected"),
        "estimate": w.Button(description="Estimate cost", icon="calculator"),
        "run": w.Button(description="Run sweep", button_style="primary", icon="play"),
    }


def _outputs() -> dict[str, Any]:
    w = widgets_module()
    return {
        "estimate": w.Output(),
        "progress": w.IntProgress(value=0, min=0, max=1, description="Progress"),
        "status": w.Label(value=""),
        "plots": w.Output(),
    }


def _skipped_html(skipped: list[tuple[dict[str, Any], str]]) -> str:
    if not skipped:
        return ""
    items = "".join(
        f"<li>{html.escape(', '.join(f'{k}={v}' for k, v in cell.items() if v is not None))}: "
        f"{html.escape(reason)}</li>" for cell, reason in skipped
    )
    return f"<p>{len(skipped)} cell(s) skipped:</p><ul>{items}</ul>"


def _estimate(lab: Any, panel: Panel) -> None:
    out = panel.outputs["estimate"]
    clear(out)
    try:
        tasks, (configs, skipped) = selected_tasks(panel.controls), selected_configs(panel.controls)
        if not configs:
            raise LabkitError("every selected cell is rejected by its model")
        frame = lab.estimate(tasks, configs, repeats=panel.controls["repeats"].value)
    except LabkitError as exc:
        append_html(out, f"<b>Cannot estimate</b>: {html.escape(str(exc))}")
        return
    append_html(out, estimate_html(frame, len(configs), len(tasks), panel.controls["repeats"].value)
                + _skipped_html(skipped))
    trials = len(configs) * len(tasks) * panel.controls["repeats"].value
    panel.state.update(estimate=frame, estimate_usd=float(frame["cost_max_usd"].sum()),
                       expected_usd=float(frame["cost_expected_usd"].sum()), trials=trials)


def estimate_html(frame: Any, configs: int, tasks: int, repeats: int) -> str:
    """The estimate in one sentence (expected cost and its source beside the ceiling, as money); the
    per-(config, task) table folded away in a ``<details>`` the reader opens when they want it."""
    from labkit.tokens import format_usd

    sources = sorted({str(s) for s in frame["expected_source"]})
    where = "; ".join(s for s in sources if not s.startswith("store")) or ""
    stored = int(frame["expected_source"].astype(str).str.startswith("store").sum())
    said = ", ".join(x for x in ((f"{stored} of {len(frame)} cells from matching trials in the store" if stored
                                  else ""), where) if x)
    trials = configs * tasks * repeats
    table = frame.to_html(index=False, max_rows=30, float_format=lambda v: f"{v:,.6g}")
    return (f"<p><b>{trials} trials</b> ({configs} configs x {tasks} tasks x {repeats} repeats): expected about "
            f"<b>{format_usd(float(frame['cost_expected_usd'].sum()))}</b> ({html.escape(said)}), at most "
            f"<b>{format_usd(float(frame['cost_max_usd'].sum()))}</b> (every reply at max_tokens).</p>"
            f"<details><summary>per config and task ({len(frame)} rows)</summary>{table}</details>")


def figures_for(results: Any) -> list[Any]:
    """Every plot of `labkit.notebook.plots` that has data in ``results``, as Axes (plots without data are left out)."""
    from labkit.notebook import plots

    drawn = []
    for name in PLOTS:
        try:
            drawn.append(getattr(plots, name)(results))
        except plots.PlotDataError:
            continue
    return drawn


def _run(lab: Any, panel: Panel) -> None:
    controls, outputs = panel.controls, panel.outputs
    clear(outputs["plots"])
    try:
        tasks, (configs, _skipped) = selected_tasks(controls), selected_configs(controls)
    except LabkitError as exc:
        outputs["status"].value = f"Cannot run: {exc}"
        return
    progress, name = outputs["progress"], controls["name"].value or "panel"
    progress.max, progress.value = max(1, len(configs)), 0
    for config in configs:
        outputs["status"].value = f"running {config.model} ({progress.value + 1}/{len(configs)})"
        try:
            lab.sweep(tasks, [config], repeats=controls["repeats"].value, name=name, progress=False)
        except LabkitError as exc:
            outputs["status"].value = f"Stopped: {exc}"
            return
        progress.value += 1
    results = lab.results(name)
    ok = int((results["status"] == "ok").sum()) if len(results) else 0
    outputs["status"].value = f"done: {len(results)} trials in {name!r}, {ok} ok"
    axes = figures_for(results)
    for ax in axes:
        append_figure(outputs["plots"], ax.figure, ax.get_title())
    panel.state.update(results=results, figures=axes)


def sweep_panel(lab: Any) -> Panel:
    """The sweep panel for ``lab`` (a `labkit.Lab`); display the returned `Panel`."""
    w = widgets_module()
    controls, outputs = _controls(lab), _outputs()
    layout = w.VBox([
        provenance_badge(lab),
        w.HBox([controls["models"], controls["categories"]]),
        w.HBox([controls["budgets"], controls["efforts"], controls["strategies"]]),
        w.HBox([controls["repeats"], controls["name"], controls["policy"]]),
        w.HBox([controls["estimate"], controls["run"], outputs["progress"], outputs["status"]]),
        outputs["estimate"], outputs["plots"],
    ])
    panel = Panel(controls=controls, outputs=outputs, widget=layout)
    panel.actions.update(estimate=lambda: _estimate(lab, panel), run=lambda: _run(lab, panel))
    controls["estimate"].on_click(lambda _b: panel.actions["estimate"]())
    controls["run"].on_click(lambda _b: panel.actions["run"]())
    return panel
