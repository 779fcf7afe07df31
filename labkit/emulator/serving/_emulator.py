"""`Emulator`: the state of one local Anthropic API (signing key, prompt cache, batches, faults).

``Emulator(seed=0, latency="none", faults=None, api_key=None)``. `handle` is the core every
carrier uses (the in-process transports and the HTTP server): method, path with query, headers
and body in, `EmulatorResponse` out. `client()` / `async_client()` return real
``anthropic.Anthropic`` / ``AsyncAnthropic`` clients wired to it in process through an ``httpx2``
transport (no port; base URL ``http://labkit-emulator.local``; a fake key unless one is given).

Determinism: the signing key derives from the seed; request ids, message ids and tool ids derive
from the seed and a per-emulator request counter, so a fresh emulator with the same seed and the
same request sequence answers byte-identical bodies (timestamps of batches aside).
``counters`` counts requests by endpoint (``"messages"``, ``"models.list"``, ...); ``failures``
keeps unexpected exceptions (answered as 500s). Plans of the synthetic model are memoized per
request, seed and sample (`PLAN_MEMO_SIZE`, oldest dropped first), so repeated requests are cheap.

Sampling: like the real model, the emulator does not answer a repeated request identically. The
n-th time it sees the same request body it plans sample n (`synth.plan_reply`): sample 0 is the
modal reply, later ones vary around it. Identical requests are interchangeable, so the set of
answers a sweep gets is the same whatever order concurrent requests arrive in.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labkit.core import EmulatorError, ModelInfo
from labkit.emulator.model import ReplyPlan
from labkit.emulator.rules import Signer
from labkit.emulator.serving import _app as app
from labkit.emulator.serving._batches import BatchStore
from labkit.emulator.serving._cache import PromptCache
from labkit.emulator.serving._faults import FaultPlan
from labkit.emulator.serving._latency import LatencyProfile, resolve_latency
from labkit.emulator.serving._response import EmulatorResponse

if TYPE_CHECKING:
    import anthropic

DEFAULT_BASE_URL = "http://labkit-emulator.local"
FAKE_API_KEY = "labkit-emulator-fake-key"
PLAN_MEMO_SIZE = 1024
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(data: bytes, length: int) -> str:
    number, out = int.from_bytes(data, "big"), list[str]()
    while number and len(out) < length:
        number, digit = divmod(number, 58)
        out.append(_BASE58[digit])
    return "".join(out).ljust(length, "1")


class Emulator:
    """A local, deterministic implementation of the Anthropic HTTP API (see the module docstring)."""

    def __init__(
        self,
        seed: int = 0,
        latency: LatencyProfile | str | None = "none",
        faults: FaultPlan | None = None,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise EmulatorError(f"seed must be an int, got {seed!r}")
        if faults is not None and not isinstance(faults, FaultPlan):
            raise EmulatorError(f"faults must be a FaultPlan or None, got {type(faults).__name__}")
        if api_key is not None and not (isinstance(api_key, str) and api_key):
            raise EmulatorError("api_key must be a non-empty string or None")
        self.seed: int = seed
        self.latency: LatencyProfile = resolve_latency(latency)
        self.faults: FaultPlan | None = faults
        self.api_key: str | None = api_key
        self.base_url = base_url.rstrip("/")
        self.signer: Signer = Signer(hashlib.sha256(f"labkit-emulator-signing-key:{seed}".encode()).digest())
        self.cache: PromptCache = PromptCache()
        self.batches: BatchStore = BatchStore()
        self.counters: Counter[str] = Counter()
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()
        self._requests = 0
        self._messages = 0
        self._minute = (0, 0)
        self._plans: dict[tuple[str, int], ReplyPlan] = {}
        self._seen: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"Emulator(seed={self.seed}, latency={self.latency.name!r}, faults={self.faults is not None})"

    # -- the core -----------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes = b"", *, base_url: str | None = None
    ) -> EmulatorResponse:
        """Answer one request. ``path`` may carry a query string; ``base_url`` goes into results_url."""
        return app.handle(self, method, path, headers, body, base_url or self.base_url)

    def plan(self, params: Mapping[str, Any], model: ModelInfo, *, advance: bool = True) -> ReplyPlan:
        """The synthetic model's plan for a validated request: the n-th time this request is
        answered it is sample n (memoized: a pure function of the request, the seed and the
        sample). ``advance=False`` leaves the count alone (a reply that will not be delivered)."""
        from labkit.emulator.model._synth import plan_reply  # at call time: keeps the package import light

        request = json.dumps({k: v for k, v in params.items() if k != "stream"}, sort_keys=True, default=str)
        with self._lock:
            sample = self._seen.pop(request, 0)
            self._seen[request] = sample + 1 if advance else sample
            if len(self._seen) > PLAN_MEMO_SIZE * 8:
                self._seen.pop(next(iter(self._seen)))
            hit = self._plans.get((request, sample))
        if hit is not None:
            return hit
        plan = plan_reply(dict(params), model, seed=self.seed, sample=sample)
        with self._lock:
            if len(self._plans) >= PLAN_MEMO_SIZE:
                self._plans.pop(next(iter(self._plans)))
            self._plans[(request, sample)] = plan
        return plan

    def count(self, endpoint: str) -> None:
        with self._lock:
            self.counters[endpoint] += 1

    def draw_fault(self, endpoint: str) -> str | None:
        """The injected fault for this request to ``endpoint``, if any."""
        if self.faults is None or not self.faults.applies_to(endpoint):
            return None
        return self.faults.draw()

    def _next(self, kind: str) -> str:
        with self._lock:
            if kind == "req":
                self._requests += 1
                number = self._requests
            else:
                self._messages += 1
                number = self._messages
        return _base58(hashlib.sha256(f"{self.seed}:{kind}:{number}".encode()).digest(), 24)

    def next_request_id(self) -> str:
        return "req_011C" + self._next("req")

    def next_message_id(self) -> str:
        return "msg_synth_" + self._next("msg")

    def requests_this_minute(self, now: float) -> int:
        minute = int(now) // 60
        with self._lock:
            count = self._minute[1] + 1 if self._minute[0] == minute else 1
            self._minute = (minute, count)
        return count

    # -- clients ------------------------------------------------------------------------------
    def client(self, **kwargs: Any) -> anthropic.Anthropic:
        """A real ``anthropic.Anthropic`` wired to this emulator in process (kwargs pass through)."""
        import anthropic
        import httpx2

        from labkit.emulator.serving._transport import EmulatorTransport

        kwargs.setdefault("api_key", self.api_key or FAKE_API_KEY)
        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("http_client", httpx2.Client(transport=EmulatorTransport(self)))
        return anthropic.Anthropic(**kwargs)

    def async_client(self, **kwargs: Any) -> anthropic.AsyncAnthropic:
        """A real ``anthropic.AsyncAnthropic`` wired to this emulator in process."""
        import anthropic
        import httpx2

        from labkit.emulator.serving._transport import AsyncEmulatorTransport

        kwargs.setdefault("api_key", self.api_key or FAKE_API_KEY)
        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("http_client", httpx2.AsyncClient(transport=AsyncEmulatorTransport(self)))
        return anthropic.AsyncAnthropic(**kwargs)
