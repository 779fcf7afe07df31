"""The notebook surface: DataFrame views (`summary_frame`, token accounting views), the demo's
figure/table writer, the `plots` and `widgets` subpackages, and the provenance every one of them
shows (`provenance`, `stamp_figure`: rows from labkit's emulator are always labelled synthetic).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "billed_vs_shown": "labkit.notebook.accounting",
    "estimate_errors": "labkit.notebook.accounting",
    "input_breakdown": "labkit.notebook.accounting",
    "prefix_cache_usage": "labkit.notebook.accounting",
    "tokens_with_sources": "labkit.notebook.accounting",
    "assumption_sensitivity": "labkit.notebook._sensitivity",
    "backend_provenance": "labkit.notebook._provenance",
    "Provenance": "labkit.notebook._provenance",
    "provenance": "labkit.notebook._provenance",
    "stamp_figure": "labkit.notebook._provenance",
    "stamp_of": "labkit.notebook._provenance",
    "TableError": "labkit.core",
    "results_frame": "labkit.lab",
    "summary_frame": "labkit.notebook._tables",
    "tokens_frame": "labkit.lab",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.core import TableError as TableError
    from labkit.lab import results_frame as results_frame
    from labkit.lab import tokens_frame as tokens_frame
    from labkit.notebook._provenance import Provenance as Provenance
    from labkit.notebook._provenance import backend_provenance as backend_provenance
    from labkit.notebook._provenance import provenance as provenance
    from labkit.notebook._provenance import stamp_figure as stamp_figure
    from labkit.notebook._provenance import stamp_of as stamp_of
    from labkit.notebook._sensitivity import assumption_sensitivity as assumption_sensitivity
    from labkit.notebook._tables import summary_frame as summary_frame
    from labkit.notebook.accounting import billed_vs_shown as billed_vs_shown
    from labkit.notebook.accounting import estimate_errors as estimate_errors
    from labkit.notebook.accounting import input_breakdown as input_breakdown
    from labkit.notebook.accounting import prefix_cache_usage as prefix_cache_usage
    from labkit.notebook.accounting import tokens_with_sources as tokens_with_sources
