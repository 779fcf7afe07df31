"""Latency profiles: how long the emulator waits before and between streamed events.

A `LatencyProfile` gives the time to first token and token rates for thinking and for text. The
emulator computes one delay per SSE chunk from it; the transports and the HTTP server are the only
places that actually wait (``time.sleep`` / ``asyncio.sleep``), and only when a delay is positive.

Presets: ``"none"`` (the default: no waiting at all, for tests), ``"fast"`` (a few milliseconds,
enough to see ordering and timings), ``"realistic"`` (about a second to first token, ~150
thinking and ~80 text tokens a second), ``"demo"`` (realistic proportions about 30x faster: a
latency breakdown that means something, in tenths of a second, so notebooks stay quick).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from labkit.core import EmulatorError


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyProfile:
    """Time to first token (seconds) and token rates (tokens a second; 0 means "no delay")."""

    name: str = "custom"
    ttft_s: float = 0.0
    thinking_tokens_per_s: float = 0.0
    text_tokens_per_s: float = 0.0

    def __post_init__(self) -> None:
        for field_name in ("ttft_s", "thinking_tokens_per_s", "text_tokens_per_s"):
            value = getattr(self, field_name)
            if not isinstance(value, int | float) or value < 0:
                raise EmulatorError(f"LatencyProfile.{field_name} must be a number >= 0, got {value!r}")

    @property
    def is_zero(self) -> bool:
        """True when the profile never asks anyone to wait."""
        return self.ttft_s == 0 and self.thinking_tokens_per_s == 0 and self.text_tokens_per_s == 0

    def token_delay(self, kind: str, tokens: int) -> float:
        """Seconds to produce ``tokens`` tokens of ``kind`` ("thinking" or anything else = text)."""
        rate = self.thinking_tokens_per_s if kind == "thinking" else self.text_tokens_per_s
        return tokens / rate if rate > 0 and tokens > 0 else 0.0

    def delays(self, pacing: Sequence[tuple[str, int]]) -> list[float]:
        """One delay per streamed event, given each event's ``(kind, tokens)``.

        The time to first token is waited before the second event (``message_start`` leaves at
        once, as the API's does); each delta then waits for its own tokens.
        """
        out = [self.token_delay(kind, tokens) for kind, tokens in pacing]
        if len(out) > 1:
            out[1] += self.ttft_s
        elif out:
            out[0] += self.ttft_s
        return out

    def total_delay(self, pacing: Sequence[tuple[str, int]]) -> float:
        """The whole reply's production time (what a non-streamed request waits)."""
        return sum(self.delays(pacing))


PRESETS: dict[str, LatencyProfile] = {
    "none": LatencyProfile(name="none"),
    "fast": LatencyProfile(name="fast", ttft_s=0.002, thinking_tokens_per_s=200_000.0, text_tokens_per_s=200_000.0),
    "realistic": LatencyProfile(name="realistic", ttft_s=0.9, thinking_tokens_per_s=150.0, text_tokens_per_s=80.0),
    "demo": LatencyProfile(name="demo", ttft_s=0.05, thinking_tokens_per_s=5_000.0, text_tokens_per_s=2_500.0),
}


def resolve_latency(value: LatencyProfile | str | None) -> LatencyProfile:
    """A profile from a preset name, a profile, or None (= "none")."""
    if value is None:
        return PRESETS["none"]
    if isinstance(value, LatencyProfile):
        return value
    if isinstance(value, str) and value in PRESETS:
        return PRESETS[value]
    raise EmulatorError(f"latency must be a LatencyProfile or one of {sorted(PRESETS)}, got {value!r}")
