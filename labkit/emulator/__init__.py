"""labkit's local emulator of the Anthropic HTTP API (the default backend and the test fixture).

    from labkit.emulator import Emulator
    client = Emulator(seed=0).client()          # a real anthropic.Anthropic, in process
    client.messages.create(model="claude-opus-5-5", max_tokens=1024, messages=[...])

`Emulator` holds the state; `Assumptions` holds every effect its synthetic model builds in
(documented, overridable, versioned); `LatencyProfile`, `FaultPlan` and `RateLimits` are its
realism knobs;
``labkit emulator --port 8765`` (`labkit.emulator.serving`) serves it over loopback HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "Assumptions": "labkit.emulator.model",
    "Emulator": "labkit.emulator.serving",
    "FaultPlan": "labkit.emulator.serving",
    "LatencyProfile": "labkit.emulator.serving",
    "RateLimits": "labkit.emulator.serving",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.emulator.model import Assumptions as Assumptions
    from labkit.emulator.serving import Emulator as Emulator
    from labkit.emulator.serving import FaultPlan as FaultPlan
    from labkit.emulator.serving import LatencyProfile as LatencyProfile
    from labkit.emulator.serving import RateLimits as RateLimits
