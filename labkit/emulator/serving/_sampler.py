"""`Sampler`: which sample of the synthetic model answers a request, and its memoized plan.

Like the real model, the emulator does not answer a repeated request identically. The n-th time it
sees the same request body it plans sample n (`labkit.emulator.model.plan_reply`): sample 0 is the
modal reply, later ones vary around it. Identical requests are interchangeable, so the set of
answers a sweep gets is the same whatever order concurrent requests arrive in. Plans are memoized
per request, seed and sample (`PLAN_MEMO_SIZE`, oldest dropped first), so repeats are cheap.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from labkit.core import ModelInfo
from labkit.emulator.model import DEFAULT_ASSUMPTIONS, Assumptions, ReplyPlan, plan_reply

PLAN_MEMO_SIZE = 1024


class Sampler:
    """The synthetic model's plans for one seed, sampled per repeated request (thread-safe)."""

    def __init__(self, seed: int, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> None:
        self.seed = seed
        self.assumptions = assumptions
        self._lock = threading.Lock()
        self._plans: dict[tuple[str, int], ReplyPlan] = {}
        self._seen: dict[str, int] = {}

    def plan(self, params: Mapping[str, Any], model: ModelInfo, *, advance: bool = True) -> ReplyPlan:
        """The plan for a validated request: the n-th time this request is answered it is sample n.
        ``advance=False`` leaves the count alone (a reply that will not be delivered)."""
        request = json.dumps({k: v for k, v in params.items() if k != "stream"}, sort_keys=True, default=str)
        with self._lock:
            sample = self._seen.pop(request, 0)
            self._seen[request] = sample + 1 if advance else sample
            if len(self._seen) > PLAN_MEMO_SIZE * 8:
                self._seen.pop(next(iter(self._seen)))
            hit = self._plans.get((request, sample))
        if hit is not None:
            return hit
        plan = plan_reply(dict(params), model, seed=self.seed, sample=sample, assumptions=self.assumptions)
        with self._lock:
            if len(self._plans) >= PLAN_MEMO_SIZE:
                self._plans.pop(next(iter(self._plans)))
            self._plans[(request, sample)] = plan
        return plan
