"""`Emulator`: one local Anthropic API, wired from its parts (ids, signer, cache, sampler, batches, app).

``Emulator(seed=0, latency="none", faults=None, api_key=None, assumptions=None)``; ``assumptions``
(`labkit.emulator.Assumptions`, a mapping of overrides, or None for ``LABKIT_EMULATOR_ASSUMPTIONS``
or the defaults) holds every effect the synthetic model builds in; ``rate_limits`` (`RateLimits`) the
per-minute limits it advertises and enforces (by default far above what one machine can send).
`handle` is the core every
carrier uses (the in-process transports and the HTTP server): method, path with query, headers
and body in, `EmulatorResponse` out. `client()` / `async_client()` return real
``anthropic.Anthropic`` / ``AsyncAnthropic`` clients wired to it in process (built by
`labkit.emulator.serving._transport`; no port; base URL ``http://labkit-emulator.local``; a fake key
unless one is given); `bedrock_client()` / `vertex_client()` return the SDK's platform clients
(``asynchronous=True``: their async twins) wired to the Bedrock and Vertex routes the same way.

Determinism: the signing key derives from the seed; request ids, message ids and tool ids derive
from the seed and per-kind counters (`IdMinter`), so a fresh emulator with the same seed and the
same request sequence answers byte-identical bodies (timestamps of batches aside). Repeated requests
are answered by successive samples of the synthetic model (`Sampler`).
``counters`` counts requests by endpoint (``"messages"``, ``"models.list"``, ...); ``failures``
keeps unexpected exceptions (answered as 500s).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labkit.core import EmulatorError
from labkit.emulator.model import Assumptions
from labkit.emulator.rules import Signer
from labkit.emulator.serving._app import App
from labkit.emulator.serving._assumptions_source import resolve_assumptions
from labkit.emulator.serving._batches import BatchStore
from labkit.emulator.serving._cache import PromptCache
from labkit.emulator.serving._faults import FaultPlan
from labkit.emulator.serving._ids import IdMinter
from labkit.emulator.serving._latency import LatencyProfile, resolve_latency
from labkit.emulator.serving._messages import MessagesEndpoint
from labkit.emulator.serving._ratelimits import RateLimits
from labkit.emulator.serving._response import EmulatorResponse
from labkit.emulator.serving._sampler import Sampler
from labkit.emulator.serving._transport import DEFAULT_BASE_URL, async_client, platform_client, sync_client

if TYPE_CHECKING:
    import anthropic


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
        assumptions: Assumptions | Mapping[str, Any] | str | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise EmulatorError(f"seed must be an int, got {seed!r}")
        if faults is not None and not isinstance(faults, FaultPlan):
            raise EmulatorError(f"faults must be a FaultPlan or None, got {type(faults).__name__}")
        if rate_limits is not None and not isinstance(rate_limits, RateLimits):
            raise EmulatorError(f"rate_limits must be a RateLimits or None, got {type(rate_limits).__name__}")
        if api_key is not None and not (isinstance(api_key, str) and api_key):
            raise EmulatorError("api_key must be a non-empty string or None")
        self.seed: int = seed
        self.latency: LatencyProfile = resolve_latency(latency)
        self.faults: FaultPlan | None = faults
        self.api_key: str | None = api_key
        self.base_url = base_url.rstrip("/")
        self.assumptions: Assumptions = resolve_assumptions(assumptions)
        self.signer: Signer = Signer(hashlib.sha256(f"labkit-emulator-signing-key:{seed}".encode()).digest())
        self.cache: PromptCache = PromptCache()
        ids = IdMinter(seed)
        sampler = Sampler(seed, self.assumptions)
        messages = MessagesEndpoint(signer=self.signer, cache=self.cache, sampler=sampler, ids=ids,
                                    latency=self.latency, faults=faults)  # fmt: skip
        self.batches: BatchStore = BatchStore(ids=ids, run_item=messages.batch_result)
        self.rate_limits: RateLimits = rate_limits if rate_limits is not None else RateLimits()
        self.app: App = App(messages=messages, batches=self.batches, ids=ids, faults=faults, api_key=api_key,
                            rate_limits=self.rate_limits)

    def __repr__(self) -> str:
        return (f"Emulator(seed={self.seed}, latency={self.latency.name!r}, faults={self.faults is not None}, "
                f"assumptions={self.assumptions.version!r})")  # fmt: skip

    @property
    def counters(self) -> Counter[str]:
        """Requests by endpoint name."""
        return self.app.counters

    @property
    def failures(self) -> list[BaseException]:
        """Unexpected exceptions, each answered as a 500."""
        return self.app.failures

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes = b"", *, base_url: str | None = None
    ) -> EmulatorResponse:
        """Answer one request. ``path`` may carry a query string; ``base_url`` goes into results_url."""
        return self.app.handle(method, path, headers, body, base_url or self.base_url)

    def client(self, **kwargs: Any) -> anthropic.Anthropic:
        """A real ``anthropic.Anthropic`` wired to this emulator in process (kwargs pass through)."""
        return sync_client(self.handle, default_api_key=self.api_key, default_base_url=self.base_url, **kwargs)

    def async_client(self, **kwargs: Any) -> anthropic.AsyncAnthropic:
        """A real ``anthropic.AsyncAnthropic`` wired to this emulator in process."""
        return async_client(self.handle, default_api_key=self.api_key, default_base_url=self.base_url, **kwargs)

    def bedrock_client(self, *, asynchronous: bool = False, **kwargs: Any) -> Any:
        """The SDK's ``AnthropicBedrock`` (or ``AsyncAnthropicBedrock``) wired to this emulator in process."""
        return platform_client(self.handle, "bedrock", asynchronous=asynchronous, default_api_key=self.api_key,
                               default_base_url=self.base_url, **kwargs)  # fmt: skip

    def vertex_client(self, *, asynchronous: bool = False, **kwargs: Any) -> Any:
        """The SDK's ``AnthropicVertex`` (or ``AsyncAnthropicVertex``) wired to this emulator in process."""
        return platform_client(self.handle, "vertex", asynchronous=asynchronous, default_api_key=self.api_key,
                               default_base_url=self.base_url, **kwargs)  # fmt: skip
