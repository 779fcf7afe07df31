"""The task suites the experiments run (arithmetic, letter counting, sorting, word problems, tools).

Suites are read from the package's data files; scoring and the task tools are pure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "SUITES": "labkit.tasks._suites",
    "TOOL_SPECS": "labkit.tasks._tools",
    "Task": "labkit.tasks._suites",
    "calculate": "labkit.tasks._tools",
    "extract_answer": "labkit.tasks._scoring",
    "load_tasks": "labkit.tasks._suites",
    "lookup_table": "labkit.tasks._suites",
    "match_task": "labkit.tasks._suites",
    "run_tool": "labkit.tasks._tools",
    "score": "labkit.tasks._scoring",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.tasks._scoring import extract_answer as extract_answer
    from labkit.tasks._scoring import score as score
    from labkit.tasks._suites import SUITES as SUITES
    from labkit.tasks._suites import Task as Task
    from labkit.tasks._suites import load_tasks as load_tasks
    from labkit.tasks._suites import lookup_table as lookup_table
    from labkit.tasks._suites import match_task as match_task
    from labkit.tasks._tools import TOOL_SPECS as TOOL_SPECS
    from labkit.tasks._tools import calculate as calculate
    from labkit.tasks._tools import run_tool as run_tool
