"""The stop_reason -> finish_reason table: every documented value, unknown values, never raising."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.convert._finish import DEFAULT_FINISH_REASON, FINISH_REASONS, finish_reason


@pytest.mark.parametrize(
    ("stop_reason", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "pause"),
        ("compaction", "stop"),
        ("a_reason_from_2027", "stop"),
    ],
)
def test_every_documented_and_unknown_stop_reason_maps(stop_reason: str, expected: str) -> None:
    assert finish_reason(stop_reason) == expected


def test_no_stop_reason_yet_is_none() -> None:
    assert finish_reason(None) is None


def test_the_table_covers_the_documented_values_only() -> None:
    assert set(FINISH_REASONS) == {
        "end_turn",
        "stop_sequence",
        "max_tokens",
        "model_context_window_exceeded",
        "tool_use",
        "refusal",
        "pause_turn",
    }
    assert DEFAULT_FINISH_REASON == "stop"


@given(st.one_of(st.text(), st.integers(), st.none(), st.lists(st.text())))
def test_never_raises(value: object) -> None:
    result = finish_reason(value)
    assert result in {None, "stop", "length", "tool_calls", "content_filter", "pause"}
    assert (result is None) == (value is None)
