"""labkit's local emulator of the Anthropic HTTP API (the default backend and the test fixture).

    from labkit.emulator import Emulator
    client = Emulator(seed=0).client()          # a real anthropic.Anthropic, in process
    client.messages.create(model="claude-opus-5-5", max_tokens=1024, messages=[...])

`Emulator` holds the state; `LatencyProfile` and `FaultPlan` are its realism knobs;
``labkit emulator --port 8765`` (`labkit.emulator.server`) serves it over loopback HTTP.
"""

from __future__ import annotations

from labkit.emulator.emulator import Emulator
from labkit.emulator.faults import FaultPlan
from labkit.emulator.latency import LatencyProfile

__all__ = ["Emulator", "FaultPlan", "LatencyProfile"]
