"""compare_rows / Lab.compare: paired comparisons of two configs on the tasks both finished."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from labkit import Config, ConfigError
from labkit.lab import compare_rows


def _row(model: str, budget: int | None, task: str, repeat: int, correct: bool | None, *, status: str = "ok",
         tokens: int = 100, cost: float = 0.01, label: str | None = None) -> dict[str, Any]:
    return {"model": model, "thinking_mode": "budget" if budget else "off", "budget_tokens": budget, "effort": None,
            "display": None, "strategy": "native" if budget else "none", "tag": None, "prefill": False,
            "label": label, "task_id": task, "repeat": repeat, "status": status, "correct": correct,
            "output_tokens": tokens, "cost_usd": cost}


def _pair(tasks: int, p_a: float, p_b: float, seed: int, repeats: int = 1) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(tasks):
        for r in range(repeats):
            rows.append(_row("claude-sonnet-4-6", 4096, f"t{t}", r, bool(rng.random() < p_a), tokens=300, cost=0.02))
            rows.append(_row("claude-sonnet-4-6", 1024, f"t{t}", r, bool(rng.random() < p_b), tokens=100, cost=0.01))
    return rows


def test_compare_pairs_by_task_and_reports_every_metric() -> None:
    rows = _pair(30, 0.9, 0.3, seed=1)
    rows.append(_row("claude-sonnet-4-6", 1024, "only-b", 0, True))  # a task a never ran: left out
    rows.append(_row("claude-sonnet-4-6", 4096, "t0", 1, None, status="error"))  # an error: left out
    got = compare_rows(rows, {"budget_tokens": 4096}, {"budget_tokens": 1024}, experiment="x")
    assert got.tasks == 30 and got.trials_a == 30 and got.trials_b == 30
    assert got.accuracy.difference.estimate == pytest.approx(got.accuracy_a.estimate - got.accuracy_b.estimate)
    assert got.significant and got.accuracy.p_value < 0.001
    assert got.output_tokens.difference.estimate == pytest.approx(200) and got.cost_usd.difference.estimate == \
        pytest.approx(0.01)
    frame = got.frame()
    assert list(frame["metric"]) == ["accuracy", "output_tokens", "cost_usd"]
    assert frame.loc[1, "a"] == pytest.approx(300) and frame.loc[1, "b"] == pytest.approx(100)
    text = str(got)
    assert "30 tasks both finished" in text and "a real difference" in text and "+$0.0100" in text
    assert got.excludes_zero and repr(got) == text  # a notebook cell shows the verdict


def test_compare_says_when_a_gap_is_noise() -> None:
    rows = [_row("claude-sonnet-4-6", 4096, f"t{t}", 0, t % 4 != 0) for t in range(20)]  # 75%
    rows += [_row("claude-sonnet-4-6", 1024, f"t{t}", 0, t % 3 != 0) for t in range(20)]  # 65%
    got = compare_rows(rows, {"budget_tokens": 4096}, {"budget_tokens": 1024})
    assert got.accuracy.difference.low < 0 < got.accuracy.difference.high and not got.significant
    assert "not distinguishable from noise" in str(got)


def test_compare_selects_by_config_label_or_columns_and_refuses_ambiguity() -> None:
    rows = _pair(5, 0.5, 0.5, seed=2)
    config = Config(model="claude-sonnet-4-6", thinking=4096, max_tokens=12288)
    assert compare_rows(rows, config, {"budget_tokens": 1024}).tasks == 5
    labelled = [{**r, "label": "big"} if r["budget_tokens"] == 4096 else r for r in rows]
    assert compare_rows(labelled, "big", {"budget_tokens": 1024}).a == "big"
    with pytest.raises(ConfigError, match="2 configs"):
        compare_rows(rows, "claude-sonnet-4-6", {"budget_tokens": 1024})
    with pytest.raises(ConfigError, match="matches no trial"):
        compare_rows(rows, {"budget_tokens": 2048}, {"budget_tokens": 1024})
    with pytest.raises(ConfigError, match="same config"):
        compare_rows(rows, {"budget_tokens": 1024}, {"budget_tokens": 1024, "model": "claude-sonnet-4-6"})
    with pytest.raises(ConfigError, match="unknown column"):
        compare_rows(rows, {"colour": "red"}, {"budget_tokens": 1024})


def test_compare_covers_the_true_difference_at_the_stated_rate() -> None:
    """Property over many seeds: rows of a synthetic pair whose true accuracy gap is 0.15 (400 seeds: a
    binomial SD of 1.1 points around 95%, so 92% .. 98% allows three SDs either way)."""
    seeds, covered = 400, 0
    for seed in range(seeds):
        got = compare_rows(_pair(40, 0.7, 0.55, seed, repeats=2), {"budget_tokens": 4096}, {"budget_tokens": 1024},
                           seed=seed, resamples=1000)
        covered += got.accuracy.difference.covers(0.15)
    assert 0.92 <= covered / seeds <= 0.98, covered / seeds


def test_compare_calls_an_interval_the_exact_test_does_not_back_borderline() -> None:
    # five tasks favour a, none favour b: the bootstrap interval excludes 0 but the exact sign test
    # cannot go below p = 2 * 0.5**5 = 0.0625
    rows = [_row("claude-sonnet-4-6", 4096, f"t{t}", 0, True) for t in range(13)]
    rows += [_row("claude-sonnet-4-6", 1024, f"t{t}", 0, t >= 5) for t in range(13)]
    got = compare_rows(rows, {"budget_tokens": 4096}, {"budget_tokens": 1024})
    assert got.accuracy.p_value == pytest.approx(0.0625)
    assert got.excludes_zero and not got.significant
    assert "borderline" in str(got)


def test_lab_compare_reads_the_store_and_covers_the_true_difference(tmp_path: Any) -> None:
    """lab.compare itself, on synthetic trials written to a store (a true gap of 0.15): the same answer
    as compare_rows on those rows, and across seeds the interval covers the gap at about the stated rate."""
    from labkit.lab import Knobs, Lab, Store, Trial

    covered, seeds = 0, 60
    for seed in range(seeds):
        store = Store(tmp_path / f"s{seed}.sqlite")
        for i, row in enumerate(_pair(40, 0.7, 0.55, seed)):
            knobs = Knobs(thinking_mode="budget", budget_tokens=row["budget_tokens"], strategy="native")
            store.put_trial("pair", Trial(trial_key=f"k{i}", backend="emulator", model=row["model"], knobs=knobs,
                                          task_id=row["task_id"], repeat=row["repeat"], correct=row["correct"]))
        lab = Lab(backend="emulator", store=store)
        got = lab.compare("pair", {"budget_tokens": 4096}, {"budget_tokens": 1024}, seed=seed)
        assert got.accuracy == compare_rows(store.rows("pair"), {"budget_tokens": 4096}, {"budget_tokens": 1024},
                                            seed=seed).accuracy
        covered += got.accuracy.difference.covers(0.15)
        store.close()
    assert covered / seeds >= 0.85  # 60 seeds: a looser bound than the 400-seed property above
