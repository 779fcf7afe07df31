"""The emulator's serving edge: routing, the Messages / count_tokens / models / batches handlers,
rendering plans to JSON and SSE, prompt cache, faults, latency, and the carriers (in-process
transports and the loopback HTTP server).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "Emulator": "labkit.emulator.serving._emulator",
    "FaultPlan": "labkit.emulator.serving._faults",
    "LatencyProfile": "labkit.emulator.serving._latency",
    "RateLimits": "labkit.emulator.serving._ratelimits",
    "EmulatorResponse": "labkit.emulator.serving._response",
    "EmulatorServer": "labkit.emulator.serving._server",
    "serve_in_thread": "labkit.emulator.serving._server",
    "AsyncEmulatorTransport": "labkit.emulator.serving._transport",
    "EmulatorTransport": "labkit.emulator.serving._transport",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.emulator.serving._emulator import Emulator as Emulator
    from labkit.emulator.serving._faults import FaultPlan as FaultPlan
    from labkit.emulator.serving._latency import LatencyProfile as LatencyProfile
    from labkit.emulator.serving._ratelimits import RateLimits as RateLimits
    from labkit.emulator.serving._response import EmulatorResponse as EmulatorResponse
    from labkit.emulator.serving._server import EmulatorServer as EmulatorServer
    from labkit.emulator.serving._server import serve_in_thread as serve_in_thread
    from labkit.emulator.serving._transport import AsyncEmulatorTransport as AsyncEmulatorTransport
    from labkit.emulator.serving._transport import EmulatorTransport as EmulatorTransport
