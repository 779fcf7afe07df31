"""labkit.emulator.Assumptions: every built-in effect documented, versioned, overridable, and each
one doing what its reason says (xml skips, slips by model line, effort work, where it comes from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labkit.cli import main as cli_main
from labkit.convert._inner_thoughts import xml_instructions
from labkit.core import ConfigError
from labkit.core._catalog import get_model
from labkit.emulator import Assumptions, Emulator
from labkit.emulator.model import DEFAULT_ASSUMPTIONS, REFERENCE_ASSUMPTIONS, plan_reply
from labkit.tasks import Task, load_tasks, score

TASKS = load_tasks("arithmetic", limit=40)


def _params(task: Task, model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 32000, "messages": [{"role": "user", "content": task.prompt}], **extra}


def _text(plan: Any) -> str:
    return "".join(b.text for b in plan.blocks if type(b).__name__ == "PlannedText")


def _accuracy(model_id: str, assumptions: Assumptions, samples: int = 1, **extra: Any) -> float:
    model = get_model(model_id)
    hits = [score(t, _text(plan_reply(_params(t, model_id, **extra), model, seed=0, sample=n, assumptions=assumptions)))
            for t in TASKS for n in range(samples)]  # fmt: skip
    return sum(hits) / len(hits)


def test_every_assumption_has_a_reason_and_the_table_lists_them_all() -> None:
    rows = Assumptions().table()
    assert [r["assumption"] for r in rows] == list(Assumptions.model_fields)
    assert all(len(r["reason"]) > 40 and r["value"] == r["default"] for r in rows)


def test_version_is_stable_and_moves_with_every_value() -> None:
    assert Assumptions().version == DEFAULT_ASSUMPTIONS.version and Assumptions().version.startswith("a1-")
    changed = [Assumptions().replace(xml_skip_rate=0.5), Assumptions().replace(silent_planning_tokens=300),
               Assumptions().replace(step_error_rate={"haiku": 0.1}), REFERENCE_ASSUMPTIONS]  # fmt: skip
    assert len({DEFAULT_ASSUMPTIONS.version, *(a.version for a in changed)}) == 5
    assert Assumptions().replace(xml_skip_rate=0.5).changed() == {"xml_skip_rate": 0.5}


@pytest.mark.parametrize(("overrides", "named"), [
    ({"xml_skip_rate": 1.5}, "xml_skip_rate"),
    ({"xml_skip": 0.5}, "xml_skip"),
    ({"effort_work": {"low": "lots"}}, "effort_work.low"),
    ({"tool_use": "always"}, "tool_use"),
])  # fmt: skip
def test_bad_overrides_are_refused_naming_the_field(overrides: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        Assumptions.from_overrides(overrides)


def test_xml_alone_sometimes_skips_the_reasoning_a_prefill_never_does() -> None:
    model = get_model("claude-sonnet-4-5")
    task = TASKS[0]
    always = Assumptions(xml_skip_rate=1.0)
    xml = plan_reply(_params(task, model.id, system=xml_instructions("thinking")), model, seed=0, assumptions=always)
    assert xml.notes["skipped_reasoning"] and "<thinking>" not in _text(xml)
    assert xml.notes["capacity"] == always.silent_planning_tokens
    prefilled = _params(task, model.id, system=xml_instructions("thinking"))
    prefilled["messages"] = [*prefilled["messages"], {"role": "assistant", "content": "<thinking>"}]
    forced = plan_reply(prefilled, model, seed=0, assumptions=always)
    assert not forced.notes["skipped_reasoning"] and forced.notes["capacity"] == always.tagged_thought_tokens


def test_the_skip_rate_moves_xml_accuracy_in_the_documented_direction() -> None:
    system = xml_instructions("thinking")
    rates = [_accuracy("claude-sonnet-4-5", Assumptions(xml_skip_rate=r), samples=3, system=system)
             for r in (0.0, 0.5, 1.0)]  # fmt: skip
    assert rates[0] > rates[1] > rates[2]


def test_a_small_model_with_a_big_budget_still_slips_and_lines_differ() -> None:
    big = {"thinking": {"type": "enabled", "budget_tokens": 30000}}
    haiku, sonnet = (_accuracy(m, DEFAULT_ASSUMPTIONS, **big) for m in ("claude-haiku-4-5", "claude-sonnet-4-5"))
    assert haiku < sonnet < 1.0
    assert _accuracy("claude-haiku-4-5", DEFAULT_ASSUMPTIONS.replace(step_error_rate={}), **big) == 1.0


def test_effort_is_not_a_budget_in_disguise() -> None:
    new, old = get_model("claude-opus-4-7"), get_model("claude-opus-4-6")
    task = TASKS[5]
    for effort, budget in (("low", 1024), ("medium", 2048), ("high", 4096)):
        by_effort = plan_reply(_params(task, new.id, thinking={"type": "adaptive"}, output_config={"effort": effort}),
                               new, seed=0)
        enabled = {"type": "enabled", "budget_tokens": budget}
        by_budget = plan_reply(_params(task, old.id, thinking=enabled), old, seed=0)
        assert by_effort.notes["budget"] == DEFAULT_ASSUMPTIONS.effort_work[effort] != by_budget.notes["budget"]


def test_the_emulator_takes_assumptions_from_an_object_a_mapping_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Emulator(assumptions=Assumptions(xml_skip_rate=0.4)).assumptions.xml_skip_rate == 0.4
    assert Emulator(assumptions={"xml_skip_rate": 0.3}).assumptions.xml_skip_rate == 0.3
    monkeypatch.setenv("LABKIT_EMULATOR_ASSUMPTIONS", json.dumps({"xml_skip_rate": 0.7}))
    assert Emulator().assumptions.xml_skip_rate == 0.7
    file = tmp_path / "assumptions.toml"
    file.write_text("xml_skip_rate = 0.9\n[step_error_rate]\nhaiku = 0.5\n")
    monkeypatch.setenv("LABKIT_EMULATOR_ASSUMPTIONS", str(file))
    emulator = Emulator()
    assert emulator.assumptions.changed() == {"xml_skip_rate": 0.9, "step_error_rate": {"haiku": 0.5}}
    assert emulator.assumptions.version in repr(emulator)
    monkeypatch.setenv("LABKIT_EMULATOR_ASSUMPTIONS", "{not json")
    with pytest.raises(ConfigError, match="LABKIT_EMULATOR_ASSUMPTIONS"):
        Emulator()
    monkeypatch.delenv("LABKIT_EMULATOR_ASSUMPTIONS")
    assert Emulator().assumptions == DEFAULT_ASSUMPTIONS


def test_the_emulator_command_refuses_bad_assumptions_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["emulator", "--port", "0", "--assumptions", '{"xml_skip_rate": 2}']) == 2
    err = capsys.readouterr().err
    assert err.startswith("labkit emulator: bad emulator assumptions: xml_skip_rate") and err.count("\n") == 1
