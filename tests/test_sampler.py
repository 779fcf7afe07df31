"""labkit.emulator.serving._sampler: the n-th identical request is sample n; plans are memoized."""

from __future__ import annotations

from labkit.core import get_model
from labkit.emulator.model import plan_reply
from labkit.emulator.serving._sampler import Sampler

PARAMS = {"model": "claude-sonnet-4-6", "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 2048},
          "messages": [{"role": "user", "content": "What is 17 * 23?"}]}  # fmt: skip


def test_repeats_advance_the_sample_and_stream_is_ignored() -> None:
    model = get_model("claude-sonnet-4-6")
    sampler = Sampler(0)
    first = sampler.plan(PARAMS, model)
    second = sampler.plan({**PARAMS, "stream": True}, model)  # the same request, streamed: sample 1
    assert first == plan_reply(dict(PARAMS), model, seed=0, sample=0)
    assert second == plan_reply(dict(PARAMS), model, seed=0, sample=1)
    assert Sampler(0).plan(PARAMS, model) == first  # sample 0 is the same for one seed


def test_an_undelivered_reply_does_not_use_up_its_sample() -> None:
    model = get_model("claude-sonnet-4-6")
    sampler, fresh = Sampler(3), Sampler(3)
    cut = sampler.plan(PARAMS, model, advance=False)
    assert sampler.plan(PARAMS, model) == cut == fresh.plan(PARAMS, model)


def test_plans_are_memoized() -> None:
    model = get_model("claude-sonnet-4-6")
    sampler = Sampler(0)
    plan = sampler.plan(PARAMS, model, advance=False)
    assert sampler.plan(PARAMS, model, advance=False) is plan
