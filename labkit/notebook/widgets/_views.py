"""Small notebook views: `stream` (one trial streamed live, thinking and answer apart) and `side_by_side`.

`stream(lab, prompt, config)` displays two live areas and a token counter, runs the trial through
``lab.run(..., on_chunk=...)`` and returns the `Trial`. `side_by_side({...})` shows JSON-like
values (dicts, pydantic models, the SDK's objects) in columns, e.g. the OpenAI-style request, the
prepared Anthropic params and the converted chat completion.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from labkit.notebook.widgets._panel import (
    Panel,
    append_html,
    append_text,
    provenance_badge,
    table_html,
    widgets_module,
)
from labkit.notebook.widgets._playground import USAGE_FIELDS, stream_into

COLUMN_STYLE = "flex:1; min-width:0; margin-right:8px"
PRE_STYLE = "white-space:pre-wrap; word-break:break-word; font-size:11px; max-height:420px; overflow:auto"


def stream_panel(lab: Any = None) -> Panel:
    """The live areas `stream` writes into: thinking, answer, counter and usage (under the provenance
    badge of ``lab``'s backend)."""
    w = widgets_module()
    box = {"border": "1px solid #ccc", "max_height": "260px", "overflow": "auto", "width": "100%"}
    outputs = {"thinking": w.Output(layout=w.Layout(**box)), "answer": w.Output(layout=w.Layout(**box)),
               "counter": w.Label(value=""), "usage": w.Output()}
    layout = w.VBox([provenance_badge(lab), outputs["counter"],
                     w.HTML("<b>Thinking</b> (reasoning_content)"), outputs["thinking"],
                     w.HTML("<b>Answer</b> (content)"), outputs["answer"], outputs["usage"]])
    return Panel(controls={}, outputs=outputs, widget=layout)


def stream(lab: Any, prompt: Any, config: Any, *, experiment: str = "runs", show: bool = True) -> Any:
    """Run one trial with its thinking and answer streamed live into separate areas; return the `Trial`."""
    panel = stream_panel(lab)
    if show:
        from IPython.display import display

        display(panel)  # type: ignore[no-untyped-call]
    on_chunk, seen = stream_into(panel.outputs)
    trial = lab.run(prompt, config, experiment=experiment, on_chunk=on_chunk)
    if not seen["thinking"] and not seen["answer"]:
        append_text(panel.outputs["thinking"], trial.reasoning or "")
        append_text(panel.outputs["answer"], trial.answer or "")
    row = trial.row()
    panel.outputs["counter"].value = f"done · {row['status']} · {row['thinking_tokens']} thinking tokens billed"
    append_html(panel.outputs["usage"], table_html({k: row[k] for k in USAGE_FIELDS if row.get(k) is not None}))
    panel.state["trial"] = trial
    return trial


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def side_by_side(columns: Mapping[str, Any]) -> Any:
    """An HTML widget showing each value as indented JSON under its title, in columns."""
    w = widgets_module()
    cells = []
    for title, value in columns.items():
        text = json.dumps(_plain(value), indent=2, ensure_ascii=False, default=str)
        cells.append(f"<div style='{COLUMN_STYLE}'><b>{html.escape(title)}</b>"
                     f"<pre style='{PRE_STYLE}'>{html.escape(text)}</pre></div>")
    return w.HTML(f"<div style='display:flex; width:100%'>{''.join(cells)}</div>")
