"""The emulator's synthetic model: recognise a request's task, work it out step by step within the
thinking budget in force, and plan the reply (`plan_reply` -> `ReplyPlan`). Every effect it builds in
is an `Assumptions` value. Pure and deterministic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "Assumptions": "labkit.emulator.model._assumptions",
    "DEFAULT_ASSUMPTIONS": "labkit.emulator.model._assumptions",
    "REFERENCE_ASSUMPTIONS": "labkit.emulator.model._assumptions",
    "PlannedText": "labkit.emulator.model._plan",
    "PlannedThinking": "labkit.emulator.model._plan",
    "PlannedToolUse": "labkit.emulator.model._plan",
    "ReplyPlan": "labkit.emulator.model._plan",
    "plan_reply": "labkit.emulator.model._synth",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.emulator.model._assumptions import DEFAULT_ASSUMPTIONS as DEFAULT_ASSUMPTIONS
    from labkit.emulator.model._assumptions import REFERENCE_ASSUMPTIONS as REFERENCE_ASSUMPTIONS
    from labkit.emulator.model._assumptions import Assumptions as Assumptions
    from labkit.emulator.model._plan import PlannedText as PlannedText
    from labkit.emulator.model._plan import PlannedThinking as PlannedThinking
    from labkit.emulator.model._plan import PlannedToolUse as PlannedToolUse
    from labkit.emulator.model._plan import ReplyPlan as ReplyPlan
    from labkit.emulator.model._synth import plan_reply as plan_reply
