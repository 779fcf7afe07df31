"""Bad input gets a clear labkit error naming what was wrong, never a bare TypeError, a
RecursionError, a silent empty result or a traceback (the cases a new user really hit)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from labkit import grid, prepare_request, to_chat_completion
from labkit.cli import main as cli
from labkit.core import ConfigError, ConversionError
from labkit.tasks import load_tasks

EXAMPLE = Path(__file__).parent.parent / "examples" / "sweeps" / "budget_vs_effort.toml"
HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        ({"budget": ["lots"]}, "grid budget must be positive whole numbers of tokens, got 'lots'"),
        ({"budget": [True]}, "grid budget must be positive whole numbers of tokens, got True"),
        ({"max_tokens": [-1]}, "grid max_tokens must be positive whole numbers of tokens, got -1"),
        ({"effort": ["extreme"]}, "grid effort 'extreme' is not one of low, medium, high, xhigh, max"),
        ({"display": ["loud"]}, "grid display 'loud' is not 'summarized' or 'omitted'"),
        ({"budget": 3.5}, "grid budget must be a value or a list of values, got float"),
    ],
)
def test_grid_names_the_bad_axis_value(axes: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        grid(model="claude-sonnet-4-6", **axes)
    assert str(caught.value) == message


def test_a_good_grid_still_builds() -> None:
    assert len(grid(model="claude-opus-4-7", effort=["low", "high"])) == 2


@pytest.mark.parametrize("limit", ["ten", 2.5, True, -1])
def test_load_tasks_limit_must_be_a_whole_number(limit: object) -> None:
    with pytest.raises(ConfigError, match=r"limit must be a whole number >= 0, got"):
        load_tasks(limit=limit)  # type: ignore[arg-type]


def test_max_tokens_zero_is_refused() -> None:
    with pytest.raises(ConfigError, match="max_tokens must be at least 1, got 0"):
        prepare_request({"model": "claude-sonnet-4-6", "messages": HI, "max_tokens": 0})


def test_no_messages_is_refused_not_replaced_by_a_dummy_prompt() -> None:
    with pytest.raises(ConfigError, match="at least one message is required"):
        prepare_request({"model": "claude-sonnet-4-6", "messages": []})


@pytest.mark.parametrize(
    ("block", "message"),
    [({"text": "hi"}, "content[0] has no type"), ({"type": "text", "text": None}, "content[0].text must be a string")],
)
def test_a_malformed_content_block_is_a_conversion_error(block: dict, message: str) -> None:
    with pytest.raises(ConversionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        to_chat_completion({"id": "msg_1", "model": "claude-sonnet-4-6", "content": [block]})


def test_a_schema_nested_five_thousand_deep_is_a_clear_error() -> None:
    deep = functools.reduce(lambda inner, _: {"type": "object", "properties": {"x": inner}}, range(5000), {})
    tool = {"type": "function", "function": {"name": "f", "parameters": deep}}
    with pytest.raises(ConfigError, match=r"tools\[0\]\.function\.parameters: nested more than 100 levels deep"):
        prepare_request({"model": "claude-sonnet-4-6", "messages": HI, "tools": [tool]})


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        ("repeats = 2", 'repeats = "three"', "repeats must be a whole number >= 1, got 'three'"),
        ("limit = 20", 'limit = "ten"', "limit must be a whole number >= 1, got 'ten'"),
        ("budget = [1024, 4096, 16384]", 'budget = ["lots"]', "grid budget must be positive whole numbers"),
    ],
)
def test_labkit_sweep_says_what_is_wrong_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, replacement: str, message: str
) -> None:
    text = EXAMPLE.read_text()
    assert line in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(line, replacement))
    assert cli(["sweep", str(bad), "--store", str(tmp_path / "s.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_labkit_emulator_refuses_a_fault_rate_above_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["emulator", "--fault-rate", "5"]) == 2
    err = capsys.readouterr().err
    assert err == "labkit emulator: FaultPlan.rate must be between 0 and 1, got 5.0\n"
