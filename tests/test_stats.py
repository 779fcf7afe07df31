"""Intervals, paired differences and the sample-size planner (labkit.lab._stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit import ConfigError
from labkit.lab import mean_interval, paired_difference, plan_tasks, rate_interval


def test_wilson_and_exact_intervals_match_the_textbook_values() -> None:
    # Wilson score interval for 7/20 at 95%: 0.1812 .. 0.5671 (Newcombe 1998, method 3)
    wilson = rate_interval(7, 20)
    assert wilson.estimate == 0.35 and wilson.n == 20
    assert wilson.low == pytest.approx(0.1812, abs=1e-4) and wilson.high == pytest.approx(0.5671, abs=1e-4)
    # Clopper-Pearson for 0/10: [0, 1 - 0.025**(1/10)]
    exact = rate_interval(0, 10, method="exact")
    assert exact.low == 0.0 and exact.high == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-9)
    # a rate of 0 still has an upper bound above 0: 0% is not "not applicable"
    assert rate_interval(0, 20).high > 0.1
    empty = rate_interval(0, 0)
    assert empty.n == 0 and math.isnan(empty.estimate) and math.isnan(empty.low)


@pytest.mark.parametrize("bad", [lambda: rate_interval(3, 2), lambda: rate_interval(1, 5, confidence=95),
                                 lambda: rate_interval(1, 5, method="wald")])  # type: ignore[arg-type]
def test_bad_interval_requests_are_config_errors(bad: object) -> None:
    with pytest.raises(ConfigError):
        bad()  # type: ignore[operator]


def test_mean_interval_is_the_student_t_interval() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    got = mean_interval(values)
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)  # t(0.975, 4) * sd / sqrt(n)
    assert got.estimate == 3.0 and got.low == pytest.approx(3 - half) and got.high == pytest.approx(3 + half)
    one = mean_interval([4.0, float("nan")])
    assert one.n == 1 and one.estimate == 4.0 and math.isnan(one.low)


def test_paired_difference_counts_and_sign_test() -> None:
    a = [1.0] * 12 + [0.0] * 8
    b = [0.0] * 10 + [1.0] * 2 + [0.0] * 8  # a ahead on 10 tasks, tie on 10
    got = paired_difference(a, b)
    assert (got.a_higher, got.b_higher, got.ties) == (10, 0, 10)
    assert got.difference.estimate == pytest.approx(0.5)
    assert got.p_value == pytest.approx(2 * 0.5**10)  # exact two-sided sign test, 10 of 10
    assert got.difference.low > 0 and got.difference.covers(0.5)
    same = paired_difference([1.0, 0.0, 1.0], [1.0, 0.0, 1.0])
    assert same.p_value == 1.0 and same.difference.low == same.difference.high == 0.0
    assert paired_difference([1.0, 0.0], [0.0, 1.0], seed=3) == paired_difference([1.0, 0.0], [0.0, 1.0], seed=3)
    with pytest.raises(ConfigError, match="pairs"):
        paired_difference([1.0], [1.0, 0.0])


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=2, max_size=40), st.integers(0, 2**16))
@settings(max_examples=40, deadline=None)
def test_paired_interval_holds_its_estimate_and_is_antisymmetric(pairs: list[tuple[int, int]], seed: int) -> None:
    a, b = [float(x) for x, _ in pairs], [float(y) for _, y in pairs]
    ab, ba = paired_difference(a, b, seed=seed, resamples=500), paired_difference(b, a, seed=seed, resamples=500)
    assert ab.difference.low <= ab.difference.estimate <= ab.difference.high
    assert ab.difference.low >= -1.0 and ab.difference.high <= 1.0
    assert ab.difference.estimate == pytest.approx(-ba.difference.estimate)
    assert (ab.a_higher, ab.b_higher) == (ba.b_higher, ba.a_higher) and ab.p_value == pytest.approx(ba.p_value)


@pytest.mark.parametrize(("tasks", "p_a", "p_b", "repeats"), [(40, 0.7, 0.55, 1), (30, 0.6, 0.6, 2), (50, 0.5, 0.3, 1)])
def test_paired_interval_covers_the_true_difference_at_the_stated_rate(
        tasks: int, p_a: float, p_b: float, repeats: int) -> None:
    """Over many seeds, the 95% interval of a synthetic pair with a known difference covers it ~95% of
    the time (300 seeds: a binomial SD of 1.3 points, so 91% .. 99% allows three SDs either way)."""
    seeds = 300
    covered = 0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        a = (rng.random((tasks, repeats)) < p_a).mean(axis=1)
        b = (rng.random((tasks, repeats)) < p_b).mean(axis=1)
        covered += paired_difference(list(a), list(b), seed=seed, resamples=1000).difference.covers(p_a - p_b)
    assert 0.91 <= covered / seeds <= 0.99, covered / seeds


def test_plan_tasks_gives_the_wilson_width_asked_for() -> None:
    plan = plan_tasks(0.2, rate=0.5)
    assert rate_interval(plan.tasks // 2, plan.tasks).width <= 0.2 + 1e-9
    assert rate_interval((plan.tasks - 1) // 2, plan.tasks - 1).width > 0.2
    assert plan.trials == plan.tasks and "tasks x 1 repeats" in str(plan)
    # repeats help, but less than proportionally; a paired difference of similar configs needs fewer tasks
    three = plan_tasks(0.1, repeats=3)
    assert plan_tasks(0.1, repeats=1).tasks > three.tasks > plan_tasks(0.1, repeats=1).tasks / 3
    assert plan_tasks(0.2, paired=True, discordance=0.1).tasks < plan_tasks(0.2, paired=True).tasks
    with pytest.raises(ConfigError, match="width"):
        plan_tasks(0)


def test_planned_paired_design_reaches_the_width_in_simulation() -> None:
    plan = plan_tasks(0.3, paired=True, rate=0.6, between_tasks=0.0)
    widths = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        a, b = rng.random(plan.tasks) < 0.6, rng.random(plan.tasks) < 0.6
        widths.append(paired_difference(list(a.astype(float)), list(b.astype(float)), resamples=500).difference.width)
    assert float(np.mean(widths)) == pytest.approx(0.3, rel=0.15)
