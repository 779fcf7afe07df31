"""Issue 13 end to end, as a researcher meets it: short forms, a two-model grid by model line with budget
and effort axes, a sweep, the summary with intervals, lab.compare on the sweep, the expected cost, and a
lab.run against a dead port that raises instead of returning a silent error."""

from __future__ import annotations

from pathlib import Path

import pytest

from labkit import Config, ConfigError, InnerThoughts, Lab, ThinkingConfig, TrialError, grid
from labkit.lab import base_url_backend, emulator_backend
from labkit.notebook import summary_frame
from labkit.tasks import load_tasks

SONNET, OPUS = "claude-sonnet-4-6", "claude-opus-4-7"
N_TASKS = 16
"""Enough tasks for a budget gap to be told from noise, with the emulator's slips on."""


def test_short_forms_are_read_the_one_way_they_can_be() -> None:
    assert Config(model=SONNET, thinking=4096).thinking == ThinkingConfig(mode="budget", budget_tokens=4096)
    assert ThinkingConfig(budget_tokens=4096).mode == "budget" and ThinkingConfig(effort="high").mode == "adaptive"
    assert Config(model=OPUS, thinking="adaptive").trial_knobs().thinking_mode == "adaptive"
    high = Config(model=OPUS, thinking="high").trial_knobs()
    assert (high.thinking_mode, high.effort, high.strategy) == ("adaptive", "high", "native")
    xml = Config(model="claude-haiku-4-5", inner_thoughts="xml+prefill")
    assert xml.inner_thoughts == InnerThoughts(strategy="xml", prefill=True)
    assert xml.trial_knobs().strategy == "xml+prefill"
    assert Config(model="claude-haiku-4-5", inner_thoughts="kwargs").trial_knobs().strategy == "kwargs"
    for ambiguous, named in ((lambda: Config(model=SONNET, thinking="budget"), "needs a number"),
                             (lambda: ThinkingConfig(mode="adaptive", budget_tokens=2048), "budget_tokens"),
                             (lambda: Config(model=SONNET, inner_thoughts="native"), "native thinking")):
        with pytest.raises(ConfigError, match=named):
            ambiguous()


def test_a_researcher_session_end_to_end(tmp_path: Path) -> None:
    lab = Lab(backend=emulator_backend(), store=tmp_path / "runs.sqlite")
    configs = grid(model=[SONNET, OPUS], budget=[1024, 16384], effort=["low", "high"])
    cells = {(c.model, c.thinking.budget_tokens, c.thinking.effort) for c in configs}  # type: ignore[union-attr]
    assert cells == {(SONNET, 1024, None), (SONNET, 16384, None), (SONNET, None, "low"), (SONNET, None, "high"),
                     (OPUS, None, "low"), (OPUS, None, "high")}  # by model line, never budget x effort
    report = configs.report()
    assert f"{SONNET}: 4 configs" in report and f"{OPUS}: 2 configs (budget axis not applied" in report

    tasks = load_tasks("arithmetic", limit=N_TASKS)
    estimate = lab.estimate(tasks, configs, repeats=2)
    assert set(estimate["expected_source"]) == {"emulator dry run (synthetic)"}
    results = lab.sweep(tasks, configs, repeats=2, name="session", progress=False)
    assert len(results) == 6 * N_TASKS * 2 and set(results["status"]) == {"ok"}
    assert set(results["strategy"].astype(str)) == {"native"}  # asked for native, recorded native
    assert float(estimate["cost_expected_usd"].sum()) == pytest.approx(float(results["cost_usd"].sum()), rel=0.5)
    again = lab.estimate(tasks, configs, repeats=2)
    assert float(again["cost_expected_usd"].sum()) == pytest.approx(float(results["cost_usd"].sum()), rel=1e-6)

    summary = summary_frame(results, by=["model", "budget_tokens", "effort"])
    assert list(summary[summary["model"] == OPUS]["effort"]) == ["low", "high"]
    for row in summary.itertuples(index=False):
        assert row.scored == 2 * N_TASKS and row.accuracy_low <= row.accuracy <= row.accuracy_high

    comparison = lab.compare("session", {"model": SONNET, "budget_tokens": 16384},
                             {"model": SONNET, "budget_tokens": 1024})
    a = results[(results["model"] == SONNET) & (results["budget_tokens"] == 16384)]
    b = results[(results["model"] == SONNET) & (results["budget_tokens"] == 1024)]
    truth = float(a["correct"].astype(float).mean() - b["correct"].astype(float).mean())
    difference = comparison.accuracy.difference
    assert comparison.tasks == N_TASKS and difference.estimate == pytest.approx(truth)
    assert difference.low <= truth <= difference.high and difference.low > 0  # a real gap, and it is covered
    assert comparison.output_tokens.difference.estimate == pytest.approx(
        float(a["output_tokens"].astype(float).mean() - b["output_tokens"].astype(float).mean()))
    assert comparison.significant and comparison.accuracy.p_value < 0.05

    dead = Lab(backend=base_url_backend("http://127.0.0.1:9"), store=tmp_path / "runs.sqlite", max_retries=0,
               max_attempts=1)
    with pytest.raises(TrialError) as caught:
        dead.run("What is 2 + 2?", Config(model=SONNET, thinking=2048), experiment="dead")
    assert caught.value.trial.status == "error" and caught.value.trial.answer is None
    assert [r["status"] for r in lab.store.rows("dead")] == ["error"]
