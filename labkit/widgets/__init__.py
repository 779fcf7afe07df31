"""ipywidgets panels for exploring Claude from a notebook: `playground`, `sweep_panel`, `stream`, `side_by_side`.

Each returns a `Panel`: its ``controls`` and ``outputs`` are plain dicts of widgets (so code and
tests can set values and call ``button.click()`` headless), ``actions`` holds the functions the
buttons run, and displaying the Panel displays its assembled widget. ipywidgets is imported only
when a panel is built.
"""

from __future__ import annotations

from labkit.widgets._panel import Panel, WidgetsUnavailableError, output_text
from labkit.widgets.playground import playground
from labkit.widgets.sweep import sweep_panel
from labkit.widgets.views import side_by_side, stream

__all__ = ["Panel", "WidgetsUnavailableError", "output_text", "playground", "side_by_side", "stream", "sweep_panel"]
