"""What both widget panels share: the `Panel` holder, the lazy ipywidgets import, output writers.

Outputs are written straight into an ``ipywidgets.Output``'s ``outputs`` list (stream text, HTML,
PNG) instead of through ``with out:`` capture, so a panel behaves the same in a live kernel, in a
headless test (no kernel at all) and in the browser.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from labkit.core import LabkitError, WidgetsUnavailableError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def widgets_module() -> ModuleType:
    """``ipywidgets``, imported on first use, with an install hint when it is missing."""
    try:
        import ipywidgets
    except ImportError as exc:  # pragma: no cover - ipywidgets is a declared dependency
        raise WidgetsUnavailableError("labkit.notebook.widgets needs ipywidgets: pip install ipywidgets") from exc
    module: ModuleType = ipywidgets
    return module


@dataclass
class Panel:
    """A widget panel: ``controls`` and ``outputs`` by name, the assembled ``widget``, and state.

    Displaying a Panel in Jupyter displays its ``widget``. ``state`` holds what the last action
    produced (the last `Trial`, the estimate or results DataFrame, the figures), for code and tests.
    """

    controls: dict[str, Any]
    outputs: dict[str, Any]
    widget: Any
    state: dict[str, Any] = field(default_factory=dict)
    actions: dict[str, Callable[[], None]] = field(default_factory=dict)
    """The functions behind the buttons, by name (a button's click calls the same function)."""

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def clear(out: Any) -> None:
    out.outputs = ()


def append_text(out: Any, text: str) -> None:
    """Append streamed text, merging with the previous stdout entry so the area holds one block."""
    if not text:
        return
    outputs = list(out.outputs)
    if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1].get("name") == "stdout":
        outputs[-1] = {**outputs[-1], "text": outputs[-1]["text"] + text}
    else:
        outputs.append({"output_type": "stream", "name": "stdout", "text": text})
    out.outputs = tuple(outputs)


def append_html(out: Any, markup: str, plain: str = "") -> None:
    out.outputs = (*out.outputs, {"output_type": "display_data", "metadata": {},
                                  "data": {"text/html": markup, "text/plain": plain or _strip(markup)}})


def append_figure(out: Any, figure: Figure, title: str = "figure") -> None:
    """Render a Figure to PNG (no pyplot) and append it as image output."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    out.outputs = (*out.outputs, {"output_type": "display_data", "metadata": {},
                                  "data": {"image/png": png, "text/plain": f"<{title}>"}})


def output_text(out: Any) -> str:
    """All text an Output holds (stream text and the plain-text form of display data), joined."""
    parts = []
    for entry in out.outputs:
        if entry.get("output_type") == "stream":
            parts.append(entry["text"])
        else:
            parts.append(str(entry.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def table_html(values: Mapping[str, Any]) -> str:
    """A two-column HTML table of name / value pairs."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in values.items()
    )
    return f"<table class='labkit-usage-table'>{rows}</table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value < 1 else f"{value:.3f}"
    return "" if value is None else str(value)


def _strip(markup: str) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", " ", markup)).strip()


def model_choices(lab: Any) -> list[str]:
    """Model ids to offer: the live ``GET /v1/models`` list on the real API, else the catalog (not retired)."""
    from labkit.core import get_model, list_models

    if getattr(lab, "backend_name", None) == "anthropic":
        try:
            live = [m.id for m in lab.backend.client().models.list()]
        except Exception:  # any failure of the live list falls back to the catalog
            live = []
        known = []
        for model_id in live:
            try:
                known.append(get_model(model_id).id)
            except LabkitError:
                continue
        if known:
            return list(dict.fromkeys(known))
    return [m.id for m in list_models() if not isinstance(m, str) and m.lifecycle != "retired"]


BADGE_STYLE = ("display:inline-block; padding:2px 8px; border-radius:4px; background:#fdecea; color:#8b0000; "
               "font-size:12px; font-weight:600")


def badge_text(lab: Any) -> str:
    """What the badge of a panel over ``lab`` says: the synthetic stamp when labkit's emulator answers
    (with its assumptions version), "" for a real server."""
    from labkit.notebook._provenance import backend_provenance

    text = backend_provenance(lab)
    return "" if text.startswith("real (") else text


def provenance_badge(lab: Any) -> Any:
    """An HTML widget with `badge_text` (empty, taking no room, for a real server)."""
    text = badge_text(lab)
    return widgets_module().HTML(f"<span style='{BADGE_STYLE}'>{html.escape(text)}</span>" if text else "")
