"""labkit.emulator.RateLimits: limits far above one machine by default, settable to study rate-limit
behaviour (headers count down, then 429 with retry-after, which labkit's rate gate reads); not an
assumption of the synthetic model and not part of the emulator's identity."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import pytest

from labkit.core import EmulatorError
from labkit.emulator import Emulator, RateLimits
from labkit.lab._identity import identity_of_client
from labkit.lab._runner import exhausted_until

PARAMS = {"model": "claude-haiku-4-5", "max_tokens": 256, "messages": [{"role": "user", "content": "What is 2 + 2?"}]}


def test_by_default_no_sweep_ever_meets_a_limit() -> None:
    raw = Emulator().client().messages.with_raw_response.create(**PARAMS)  # type: ignore[arg-type]
    assert int(raw.headers["anthropic-ratelimit-requests-limit"]) == 100_000_000
    assert exhausted_until(raw.headers) is None


def _within_one_minute() -> tuple[list[int], Any, BaseException | None]:
    """Three requests and a fourth on a fresh emulator limited to 3 a minute, all in one clock minute
    (a run that straddles a minute boundary is repeated: the count restarts at the boundary)."""
    while True:
        minute = int(time.time()) // 60
        client = Emulator(rate_limits=RateLimits(requests_per_minute=3)).client(max_retries=0)
        seen = [client.messages.with_raw_response.create(**PARAMS) for _ in range(3)]  # type: ignore[arg-type]
        try:
            client.messages.create(**PARAMS)  # type: ignore[arg-type]
            refused: BaseException | None = None
        except anthropic.RateLimitError as error:
            refused = error
        if int(time.time()) // 60 == minute:
            return [int(r.headers["anthropic-ratelimit-requests-remaining"]) for r in seen], seen[-1].headers, refused


def test_a_low_limit_counts_down_then_answers_429_with_retry_after() -> None:
    remaining, last_headers, refused = _within_one_minute()
    assert remaining == [2, 1, 0]
    assert exhausted_until(last_headers) is not None  # labkit's gate pauses its workers until the reset
    assert isinstance(refused, anthropic.RateLimitError)
    assert 1 <= int(refused.response.headers["retry-after"]) <= 60


def test_limits_are_validated_and_never_part_of_the_identity() -> None:
    with pytest.raises(EmulatorError, match="requests_per_minute must be a positive integer"):
        RateLimits(requests_per_minute=0)
    limited = Emulator(rate_limits=RateLimits(requests_per_minute=10))
    assert identity_of_client(limited.client()) == identity_of_client(Emulator().client())
