"""Anthropic usage -> wire Usage: cache tokens in the prompt, cumulative deltas assigned, SDK objects."""

from __future__ import annotations

import pytest
from anthropic.types import MessageDeltaUsage
from anthropic.types import Usage as SdkUsage
from anthropic.types.beta import BetaUsage
from hypothesis import given
from hypothesis import strategies as st

from labkit.convert._usage import apply_delta_usage, read_usage_counts, to_usage
from labkit.core._errors import ConversionError

START = {
    "input_tokens": 700,
    "cache_creation_input_tokens": 20,
    "cache_read_input_tokens": 650,
    "output_tokens": 3,
    "service_tier": "standard",
}


def test_prompt_tokens_include_both_cache_counts() -> None:
    usage = to_usage(START)
    assert usage.prompt_tokens == 700 + 20 + 650
    assert usage.prompt_tokens_details.cached_tokens == 650
    assert usage.prompt_tokens_details.cache_creation_tokens == 20
    assert usage.input_tokens == 700
    assert usage.completion_tokens == usage.output_tokens == 3
    assert usage.total_tokens == 1370 + 3
    assert usage.completion_tokens_details.reasoning_tokens is None


def test_cumulative_delta_output_is_assigned_not_added() -> None:
    # regression: message_start output 3 + delta output 40 gave 43.
    usage = to_usage(START, {"output_tokens": 40})
    assert usage.completion_tokens == 40
    assert usage.prompt_tokens == 1370


def test_last_of_several_deltas_wins_and_absent_values_keep_start() -> None:
    deltas = [
        {"output_tokens": 10, "input_tokens": 701},
        {"output_tokens": 55, "output_tokens_details": {"thinking_tokens": 30}},
    ]
    usage = to_usage(START, *deltas)
    assert usage.completion_tokens == 55
    assert usage.input_tokens == 701  # kept from the first delta, as the SDK does
    assert usage.cache_read_input_tokens == 650  # from message_start
    assert usage.completion_tokens_details.reasoning_tokens == 30


def test_null_cache_fields_count_as_zero() -> None:
    usage = to_usage({"input_tokens": 5, "output_tokens": 1, "cache_read_input_tokens": None})
    assert usage.prompt_tokens == 5
    assert usage.prompt_tokens_details.cached_tokens == 0


@pytest.mark.parametrize("cls", [SdkUsage, BetaUsage])
def test_sdk_usage_objects(cls: type) -> None:
    sdk = cls(
        input_tokens=42,
        output_tokens=187,
        cache_creation_input_tokens=1,
        cache_read_input_tokens=2,
        output_tokens_details={"thinking_tokens": 160},
    )
    delta = MessageDeltaUsage(output_tokens=200, input_tokens=None)
    usage = to_usage(sdk, delta)
    assert (usage.prompt_tokens, usage.completion_tokens) == (45, 200)
    assert usage.completion_tokens_details.reasoning_tokens == 160


def test_apply_delta_usage_updates_in_place() -> None:
    counts = read_usage_counts(START)
    apply_delta_usage(counts, {"output_tokens": 9, "cache_read_input_tokens": None})
    assert counts["output_tokens"] == 9
    assert counts["cache_read_input_tokens"] == 650


@pytest.mark.parametrize("bad", [{"output_tokens": "7"}, {"input_tokens": -1}, {"output_tokens": True}, 7])
def test_bad_counts_are_conversion_errors(bad: object) -> None:
    with pytest.raises(ConversionError):
        to_usage(bad)


@given(
    st.fixed_dictionaries(
        {
            "input_tokens": st.integers(0, 10**6),
            "cache_creation_input_tokens": st.integers(0, 10**6) | st.none(),
            "cache_read_input_tokens": st.integers(0, 10**6) | st.none(),
            "output_tokens": st.integers(0, 10**6),
        }
    ),
    st.lists(st.integers(0, 10**6), max_size=4),
)
def test_totals_are_consistent(start: dict[str, int | None], outputs: list[int]) -> None:
    usage = to_usage(start, *({"output_tokens": o} for o in outputs))
    expected_prompt = sum(v or 0 for k, v in start.items() if k != "output_tokens")
    assert usage.prompt_tokens == expected_prompt
    assert usage.completion_tokens == (outputs[-1] if outputs else start["output_tokens"])
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
