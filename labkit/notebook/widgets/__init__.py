"""ipywidgets panels for exploring Claude from a notebook: `playground`, `sweep_panel`, `stream`, `side_by_side`.

Each returns a `Panel`: its ``controls`` and ``outputs`` are plain dicts of widgets (so code and
tests can set values and call ``button.click()`` headless), ``actions`` holds the functions the
buttons run, and displaying the Panel displays its assembled widget. ipywidgets is imported only
when a panel is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "Panel": "labkit.notebook.widgets._panel",
    "WidgetsUnavailableError": "labkit.core",
    "output_text": "labkit.notebook.widgets._panel",
    "playground": "labkit.notebook.widgets._playground",
    "sweep_panel": "labkit.notebook.widgets._sweep",
    "side_by_side": "labkit.notebook.widgets._views",
    "stream": "labkit.notebook.widgets._views",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.core import WidgetsUnavailableError as WidgetsUnavailableError
    from labkit.notebook.widgets._panel import Panel as Panel
    from labkit.notebook.widgets._panel import output_text as output_text
    from labkit.notebook.widgets._playground import playground as playground
    from labkit.notebook.widgets._sweep import sweep_panel as sweep_panel
    from labkit.notebook.widgets._views import side_by_side as side_by_side
    from labkit.notebook.widgets._views import stream as stream
