"""Fault injection: which request fails, and how, by seeded rate or by script.

A `FaultPlan` is consulted once per request to a faultable endpoint: ``endpoints`` names them as
the emulator counts them (``"messages"`` by default; also ``"count_tokens"``, ``"models.list"``,
``"models.retrieve"``, ``"batches.create"``, ``"batches.retrieve"``, ``"batches.results"``, ...).
It answers a fault kind or None:

- ``"rate_limit"``  429 ``rate_limit_error`` with ``retry-after`` (whole seconds, rounded up) and
  ``retry-after-ms`` (exact; the SDK prefers it), so SDK retries stay fast in tests;
- ``"overloaded"``  529 ``overloaded_error`` with the same retry headers;
- ``"server_error"`` 500 ``api_error``, with the same retry headers (the API does not promise them
  on a 500, but an injected fault is a test fixture: without them the SDK backs off 0.5-8 s);
- ``"stream_error"`` a streamed reply that stops after ``after_events`` events with an
  ``event: error`` (a non-streamed request gets a 500 instead);
- ``"drop"``  the connection closes after ``after_events`` events (the whole body, when not
  streamed): clients see ``httpx2.RemoteProtocolError``;
- ``"stall"`` the stream stops sending after ``after_events`` events; the in-process transport
  raises ``httpx2.ReadTimeout`` after ``min(stall_s, client read timeout)`` seconds, and the HTTP
  server holds the connection for ``stall_s`` then closes it. Bounded either way.

By script, kinds are consumed in order, one a request (None or "ok" = no fault); once the script is
used up the rate applies. By rate, a ``random.Random(seed)`` draws, so a run is reproducible.
"""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from labkit.core import EmulatorError
from labkit.emulator.rules import ApiProblem

FAULT_KINDS: tuple[str, ...] = ("rate_limit", "overloaded", "server_error", "stream_error", "drop", "stall")
STREAM_FAULTS: frozenset[str] = frozenset({"stream_error", "drop", "stall"})
_HTTP_FAULTS: dict[str, tuple[int, str]] = {
    "rate_limit": (429, "Number of request tokens has exceeded your per-minute rate limit (emulated fault)."),
    "overloaded": (529, "Overloaded (emulated fault)."),
    "server_error": (500, "Internal server error (emulated fault)."),
}


@dataclass(kw_only=True)
class FaultPlan:
    """When and how requests fail. Thread-safe: the HTTP server consults it from many threads."""

    rate: float = 0.0
    kinds: Sequence[str] = FAULT_KINDS
    script: Sequence[str | None] = ()
    seed: int = 0
    retry_after_s: float = 0.001
    after_events: int = 3
    stall_s: float = 0.05
    endpoints: Sequence[str] = ("messages",)
    _queue: deque[str | None] = field(init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    injected: list[str] = field(init=False, default_factory=list)
    """Every fault injected so far, in order (for tests and reports)."""

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.rate) <= 1.0:
            raise EmulatorError(f"FaultPlan.rate must be between 0 and 1, got {self.rate!r}")
        for kind in [*self.kinds, *(k for k in self.script if k not in (None, "ok"))]:
            if kind not in FAULT_KINDS:
                raise EmulatorError(f"unknown fault kind {kind!r}; known kinds: {', '.join(FAULT_KINDS)}")
        if self.rate > 0 and not self.kinds:
            raise EmulatorError("FaultPlan.kinds must name at least one fault kind when rate > 0")
        if self.retry_after_s < 0 or self.stall_s < 0 or self.after_events < 0:
            raise EmulatorError("FaultPlan.retry_after_s, stall_s and after_events must be >= 0")
        self._queue = deque(self.script)
        self._rng = random.Random(self.seed)

    @classmethod
    def scripted(cls, *kinds: str | None, **options: float | int | Sequence[str]) -> FaultPlan:
        """``FaultPlan.scripted("rate_limit", None, "drop")``: one entry a request, in order."""
        return cls(script=list(kinds), **options)  # type: ignore[arg-type]

    def applies_to(self, endpoint: str) -> bool:
        return endpoint in self.endpoints

    def draw(self) -> str | None:
        """The fault for the next request, or None; consumes one script entry if any is left."""
        with self._lock:
            if self._queue:
                kind = self._queue.popleft()
                kind = None if kind == "ok" else kind
            elif self.rate > 0 and self._rng.random() < self.rate:
                kind = self._rng.choice(list(self.kinds))
            else:
                kind = None
            if kind is not None:
                self.injected.append(kind)
            return kind

    def retry_headers(self) -> dict[str, str]:
        return {
            "retry-after": str(max(0, math.ceil(self.retry_after_s))),
            "retry-after-ms": f"{self.retry_after_s * 1000:g}",
        }

    def http_problem(self, kind: str, *, streaming: bool) -> ApiProblem | None:
        """The HTTP error for ``kind``, or None when the fault happens inside a stream.

        ``stream_error`` on a non-streamed request has no stream to break: it becomes a 500.
        """
        if kind in STREAM_FAULTS and (streaming or kind != "stream_error"):
            return None
        status, message = _HTTP_FAULTS.get(kind, _HTTP_FAULTS["server_error"])
        return ApiProblem(status, message, headers=self.retry_headers())
