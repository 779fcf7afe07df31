"""`playground(lab)`: one prompt, one model, its thinking and strategy knobs, streamed live.

The controls offer only what the chosen model accepts, read from its catalog entry: the budget
slider shows only for models that take ``budget_tokens`` (and mode ``budget``), the effort list is
the model's ``effort_levels``, ``off`` is hidden on always-thinking models, ``xml+prefill`` only
where prefill is accepted, and the thinking display (summarized / omitted, default named) whenever
thinking is on. ``kwargs`` puts inner thoughts in a tool argument, so choosing it adds labkit's demo
calculator tool (run locally) and says so. Run streams thinking and answer into two Output areas
through ``lab.run(..., on_chunk=...)`` with a running (local) token count, then shows the usage row.
Native thinking and inner thoughts are counted under their own labels; when the display is omitted
the thinking box says the thinking was billed but not shown.
"""

from __future__ import annotations

from typing import Any

from labkit.core import InnerThoughts, LabkitError, ModelInfo, ThinkingConfig, get_model
from labkit.notebook.widgets._panel import (
    Panel,
    append_html,
    append_text,
    clear,
    model_choices,
    provenance_badge,
    table_html,
    widgets_module,
)

DEFAULT_PROMPT = "What is 17 * 23? Work it out, then give the number."
PREFERRED_MODEL = "claude-sonnet-4-6"
MODES = (("adaptive (effort)", "adaptive"), ("budget (budget_tokens)", "budget"), ("off", "off"))
STRATEGIES = ("none", "kwargs", "xml", "xml+prefill")
"""Inner-thought strategies (with thinking on and ``none`` the trial's recorded strategy is ``native``)."""
DEMO_TOOL_NOTE = ("kwargs puts the inner thoughts in an argument of every tool, so it needs a tool: "
                  "the playground adds labkit's demo <code>calculator</code> tool (run locally).")
USAGE_FIELDS = (
    "status", "model", "thinking_mode", "budget_tokens", "effort", "display", "strategy", "prefill", "stop_reason",
    "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "thinking_tokens",
    "visible_tokens", "tokens_source", "ttft_s", "thinking_s", "answer_s", "total_s", "cost_usd", "cached",
    "error_type", "error_message",
)  # fmt: skip


def mode_options(info: ModelInfo) -> list[tuple[str, str]]:
    accepted = {"adaptive": info.accepts_adaptive, "budget": info.accepts_budget, "off": info.accepts_disabled}
    return [(label, value) for label, value in MODES if accepted[value]]


def strategy_options(info: ModelInfo) -> list[str]:
    return [s for s in STRATEGIES if s != "xml+prefill" or info.prefill]


def display_options(info: ModelInfo) -> list[tuple[str, str | None]]:
    """The thinking display choices, the model's default first and named (billing is the same)."""
    return [(f"model default ({info.default_display})", None), ("summarized", "summarized"), ("omitted", "omitted")]


def demo_tools() -> list[dict[str, Any]]:
    """The tool the playground adds for ``kwargs``: labkit's calculator (answered by `labkit.tasks.run_tool`)."""
    from labkit.tasks import TOOL_SPECS

    return [spec for spec in TOOL_SPECS if spec["function"]["name"] == "calculator"]


def _show(widget: Any, visible: bool) -> None:
    widget.layout.display = None if visible else "none"
    widget.disabled = not visible


def sync_controls(controls: dict[str, Any]) -> None:
    """Restrict mode / budget / effort / strategy to what the selected model accepts."""
    info = get_model(controls["model"].value)
    modes = mode_options(info)
    if [v for _, v in controls["mode"].options] != [v for _, v in modes]:
        current = controls["mode"].value
        controls["mode"].options = modes
        controls["mode"].value = current if current in [v for _, v in modes] else modes[0][1]
    budget = controls["budget"]
    budget.max = max(budget.min, min(32768, info.max_output - 4096))
    _show(budget, controls["mode"].value == "budget")
    effort = controls["effort"]
    if tuple(effort.options) != info.effort_levels:
        effort.options = info.effort_levels
        if info.effort_levels:
            effort.value = info.default_effort if info.default_effort in info.effort_levels else info.effort_levels[-1]
    _show(effort, controls["mode"].value == "adaptive" and bool(info.effort_levels))
    strategies = strategy_options(info)
    if list(controls["strategy"].options) != strategies:
        current = controls["strategy"].value
        controls["strategy"].options = strategies
        controls["strategy"].value = current if current in strategies else "none"
    display = controls["display"]
    options = display_options(info)
    if list(display.options) != options:
        current = display.value
        display.options = options
        display.value = current if current in [v for _, v in options] else None
    _show(display, controls["mode"].value != "off")
    controls["note"].value = _note(info, controls)


def _note(info: ModelInfo, controls: dict[str, Any]) -> str:
    """What the chosen knobs will do that the boxes alone would not show."""
    notes = []
    shown = controls["display"].value or info.default_display
    if controls["mode"].value != "off" and shown == "omitted":
        default = " (this model's default)" if not controls["display"].value else ""
        notes.append(f"Thinking display <b>omitted</b>{default}: the model thinks and the thinking tokens are "
                     "billed, but no thinking text comes back. Choose display <b>summarized</b> to read a summary.")
    if controls["strategy"].value == "kwargs":
        notes.append(DEMO_TOOL_NOTE)
    return "<br>".join(f"<small>{n}</small>" for n in notes)


def config_from(controls: dict[str, Any]) -> Any:
    """The `Config` the controls describe (raises `ConfigError` when the model would reject it)."""
    from labkit.lab import Config

    info = get_model(controls["model"].value)
    mode = controls["mode"].value
    display = controls["display"].value if mode != "off" else None
    if mode == "budget":
        thinking = ThinkingConfig(mode="budget", budget_tokens=int(controls["budget"].value), display=display)
    elif mode == "adaptive":
        thinking = ThinkingConfig(mode="adaptive", effort=controls["effort"].value or None, display=display)
    else:
        thinking = ThinkingConfig(mode="off")
    strategy = controls["strategy"].value
    inner = None if strategy == "none" else InnerThoughts.coerce(strategy)
    budget = thinking.budget_tokens or 0
    max_tokens = min(info.max_output, max(8192, budget + 4096))
    tools = demo_tools() if strategy == "kwargs" else None
    return Config(model=info.id, max_tokens=max_tokens, thinking=thinking, inner_thoughts=inner, tools=tools,
                  label="playground")


def _build_controls(lab: Any) -> dict[str, Any]:
    w = widgets_module()
    models = model_choices(lab)
    start = PREFERRED_MODEL if PREFERRED_MODEL in models else models[0]
    return {
        "prompt": w.Textarea(value=DEFAULT_PROMPT, description="Prompt",
                             layout=w.Layout(width="100%", height="80px")),
        "model": w.Dropdown(options=models, value=start, description="Model"),
        "mode": w.Dropdown(options=list(MODES), value="adaptive", description="Thinking"),
        "budget": w.IntSlider(value=4096, min=1024, max=32768, step=1024, description="Budget"),
        "effort": w.Dropdown(options=(), description="Effort"),
        "strategy": w.Dropdown(options=list(STRATEGIES), value="none", description="Inner thoughts"),
        "display": w.Dropdown(options=[("model default", None)], value=None, description="Display"),
        "note": w.HTML(value=""),
        "run": w.Button(description="Run", button_style="primary", icon="play"),
    }


def _build_outputs() -> dict[str, Any]:
    w = widgets_module()
    box = {"border": "1px solid #ccc", "max_height": "260px", "overflow": "auto", "width": "100%"}
    outputs = {
        "thinking": w.Output(layout=w.Layout(**box)),
        "answer": w.Output(layout=w.Layout(**box)),
        "counter": w.Label(value=""),
        "usage": w.Output(),
    }
    for name, widget in outputs.items():
        widget.add_class(f"labkit-{name}")
    return outputs


def stream_into(outputs: dict[str, Any], *, inner: bool = False) -> tuple[Any, dict[str, list[str]]]:
    """An ``on_chunk`` callback that appends to the thinking/answer areas and updates the counter.

    ``inner``: the reasoning box holds inner thoughts (kwargs / xml), counted under that label."""
    from labkit.tokens import count_tokens

    seen: dict[str, list[str]] = {"thinking": [], "answer": []}

    def on_chunk(chunk: Any) -> None:
        for choice in getattr(chunk, "choices", ()):
            delta = choice.delta
            for name, text in (("thinking", delta.reasoning_content), ("answer", delta.content)):
                if text:
                    seen[name].append(text)
                    append_text(outputs[name], text)
        label = "inner thoughts" if inner else "thinking"
        outputs["counter"].value = (
            f"streaming · {label} ≈ {count_tokens(''.join(seen['thinking']))} tokens · "
            f"answer ≈ {count_tokens(''.join(seen['answer']))} tokens (local count)"
        )

    return on_chunk, seen


def omitted_note(thinking_tokens: int) -> str:
    return (f"<i>Display omitted: the model thought for {thinking_tokens:,} tokens, billed as output, but the API "
            f"returns no thinking text. Set Display to <b>summarized</b> to read a summary.</i>")


def done_counter(row: dict[str, Any], inner_text: str | None = None) -> str:
    """The counter after a run: native thinking (billed), inner thoughts (part of the visible text), visible."""
    from labkit.tokens import count_tokens

    parts = [f"done · thinking {row['thinking_tokens']} tokens"]
    if inner_text is not None:
        parts.append(f"inner thoughts ≈ {count_tokens(inner_text)} tokens (inside the visible output, local count)")
    parts.append(f"visible {row['visible_tokens']} tokens ({row['tokens_source']})")
    return " · ".join(parts)


def _run(lab: Any, panel: Panel) -> None:
    controls, outputs = panel.controls, panel.outputs
    for name in ("thinking", "answer", "usage"):
        clear(outputs[name])
    outputs["counter"].value = ""
    try:
        config = config_from(controls)
    except LabkitError as exc:
        append_html(outputs["usage"], f"<b>Not sent</b>: {exc}", f"Not sent: {exc}")
        panel.state["error"] = str(exc)
        return
    on_chunk, seen = stream_into(outputs, inner=config.inner_thoughts is not None)
    button = controls["run"]
    button.disabled, button.description = True, "Running…"
    try:
        trial = lab.run(controls["prompt"].value, config, experiment="playground", on_chunk=on_chunk)
    except Exception as exc:  # a widget shows the failure instead of raising into the UI
        append_html(outputs["usage"], f"<b>{type(exc).__name__}</b>: {exc}", f"{type(exc).__name__}: {exc}")
        panel.state["error"] = str(exc)
        return
    finally:
        button.disabled, button.description = False, "Run"
    if not seen["thinking"] and not seen["answer"]:  # served from the store: nothing streamed
        append_text(outputs["thinking"], trial.reasoning or "")
        append_text(outputs["answer"], trial.answer or "")
    row = trial.row()
    outputs["counter"].value = done_counter(row, inner_text=trial.reasoning if config.inner_thoughts else None)
    shown = row["display"] or get_model(row["model"]).default_display
    if row["thinking_tokens"] and not seen["thinking"] and not trial.reasoning and shown == "omitted":
        append_html(outputs["thinking"], omitted_note(row["thinking_tokens"]))
    append_html(outputs["usage"], table_html({k: row[k] for k in USAGE_FIELDS if row.get(k) is not None}))
    panel.state.update(trial=trial, error=None)


def playground(lab: Any) -> Panel:
    """The interactive playground for ``lab`` (a `labkit.Lab`); display the returned `Panel`."""
    w = widgets_module()
    controls, outputs = _build_controls(lab), _build_outputs()
    sync_controls(controls)
    for name in ("model", "mode", "strategy", "display"):
        controls[name].observe(lambda _change: sync_controls(controls), names="value")
    layout = w.VBox([
        provenance_badge(lab),
        controls["prompt"],
        w.HBox([controls["model"], controls["mode"], controls["strategy"]]),
        w.HBox([controls["budget"], controls["effort"], controls["display"]]),
        controls["note"],
        w.HBox([controls["run"], outputs["counter"]]),
        w.HTML("<b>Thinking / inner thoughts</b> (reasoning_content)"), outputs["thinking"],
        w.HTML("<b>Answer</b> (content)"), outputs["answer"],
        outputs["usage"],
    ])
    panel = Panel(controls=controls, outputs=outputs, widget=layout)
    panel.actions["run"] = lambda: _run(lab, panel)
    controls["run"].on_click(lambda _button: panel.actions["run"]())
    return panel
