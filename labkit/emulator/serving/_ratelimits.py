"""`RateLimits`: the per-minute limits the emulator advertises (and enforces), a setting, not a model.

Real servers send ``anthropic-ratelimit-*`` headers and answer 429 with ``retry-after`` past a
limit; labkit's rate gate reads those headers and pauses its workers until the reset. The emulator
does the same with these limits. By default they are far above what one machine can send (100
million requests a minute), so an in-process sweep never waits on a limit nobody has; set them
low to study rate-limit behaviour (``Emulator(rate_limits=RateLimits(requests_per_minute=50))``,
``labkit emulator --requests-per-minute 50``). Not part of the synthetic model's `Assumptions` and
not in the emulator's identity: a limit changes when answers come, never what they say.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

from labkit.core import EmulatorError

UNLIMITED = 100_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Per-minute limits: requests, and the token limits the headers report."""

    requests_per_minute: int = UNLIMITED
    tokens_per_minute: int = UNLIMITED
    input_tokens_per_minute: int = UNLIMITED
    output_tokens_per_minute: int = UNLIMITED

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise EmulatorError(f"RateLimits.{item.name} must be a positive integer, got {value!r}")

    def headers(self, requests_used: int, now: float) -> dict[str, str]:
        """The ``anthropic-ratelimit-*`` headers after ``requests_used`` requests in the minute of ``now``."""
        reset = datetime.fromtimestamp(minute_end(now), UTC).isoformat().replace("+00:00", "Z")
        limits = {"requests": self.requests_per_minute, "tokens": self.tokens_per_minute,
                  "input-tokens": self.input_tokens_per_minute,
                  "output-tokens": self.output_tokens_per_minute}  # fmt: skip
        out: dict[str, str] = {}
        for kind, limit in limits.items():
            used = requests_used if kind == "requests" else 0
            out[f"anthropic-ratelimit-{kind}-limit"] = str(limit)
            out[f"anthropic-ratelimit-{kind}-remaining"] = str(max(0, limit - used))
            out[f"anthropic-ratelimit-{kind}-reset"] = reset
        return out

    def exceeded(self, requests_used: int) -> bool:
        return requests_used > self.requests_per_minute


def minute_end(now: float) -> int:
    """The epoch second the minute holding ``now`` ends (when per-minute limits reset)."""
    return (int(now) // 60 + 1) * 60
