"""How sure a number is: intervals for rates and means, paired differences, and sample-size planning.

The statistics come from scipy (imported on first use), not hand-written tests:

- `rate_interval(k, n)`: a proportion with its Wilson score interval (``method="exact"``:
  Clopper-Pearson), via ``scipy.stats.binomtest(...).proportion_ci``;
- `mean_interval(values)`: a mean with its Student-t interval;
- `paired_difference(a, b)`: the mean of ``a - b`` over paired units (tasks) with a bootstrap
  interval over the units (``scipy.stats.bootstrap``, BCa; percentile when BCa is undefined) and
  the exact sign test (``scipy.stats.binomtest`` on the units where the two differ: McNemar's
  exact test when each unit is one yes/no outcome);
- `plan_tasks(width)`: how many tasks x repeats give an interval about ``width`` wide.

All return small frozen dataclasses; NaN bounds mean "not enough data" (n = 0, or one value).
The bootstrap draws from a generator seeded by ``seed``: the same data give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from labkit.core import ConfigError

DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 4000


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate with its confidence interval; ``n`` is how many values (or trials) it rests on."""

    estimate: float
    low: float
    high: float
    n: int
    confidence: float = DEFAULT_CONFIDENCE
    method: str = ""

    @property
    def width(self) -> float:
        return self.high - self.low

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.estimate:.4g} [{self.low:.4g}, {self.high:.4g}] ({self.confidence:.0%} CI, n={self.n})"


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")


def rate_interval(successes: int, n: int, *, confidence: float = DEFAULT_CONFIDENCE,
                  method: Literal["wilson", "exact"] = "wilson") -> Interval:
    """``successes / n`` with its Wilson (or exact Clopper-Pearson) interval; NaN when ``n == 0``."""
    _check_confidence(confidence)
    if method not in ("wilson", "exact"):
        raise ConfigError(f"rate_interval method must be 'wilson' or 'exact', not {method!r}")
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ConfigError(f"rate_interval needs 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, confidence, method)
    from scipy.stats import binomtest

    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence, method=method)
    return Interval(successes / n, float(ci.low), float(ci.high), int(n), confidence, method)


def mean_interval(values: Sequence[float], *, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """The mean of ``values`` (NaNs dropped) with its Student-t interval (NaN bounds below two values)."""
    _check_confidence(confidence)
    clean = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    n = len(clean)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, confidence, "t")
    mean = sum(clean) / n
    if n < 2:
        return Interval(mean, math.nan, math.nan, n, confidence, "t")
    from scipy.stats import t

    sd = math.sqrt(sum((v - mean) ** 2 for v in clean) / (n - 1))
    half = float(t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, confidence, "t")


@dataclass(frozen=True, slots=True)
class PairedDifference:
    """Mean of ``a - b`` over paired units with its bootstrap interval, and the exact sign test."""

    difference: Interval
    a_higher: int
    """Units where ``a`` was higher."""
    b_higher: int
    ties: int
    p_value: float
    """Two-sided exact sign test of "a and b are equally likely to come out ahead" (1.0 when all tie)."""
    test: str = "exact sign test (McNemar's exact test for one yes/no outcome per task)"


def paired_difference(a: Sequence[float], b: Sequence[float], *, confidence: float = DEFAULT_CONFIDENCE,
                      resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> PairedDifference:
    """Mean of ``a[i] - b[i]`` with a bootstrap interval over the pairs, and the exact sign test.

    When every difference is the same the interval is that single value (there is nothing to
    resample); with fewer than two pairs the bounds are NaN.
    """
    _check_confidence(confidence)
    if len(a) != len(b):
        raise ConfigError(f"paired_difference needs pairs: {len(a)} values of a, {len(b)} of b")
    diffs = [float(x) - float(y) for x, y in zip(a, b, strict=True)
             if not (math.isnan(float(x)) or math.isnan(float(y)))]
    n = len(diffs)
    up, down = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
    from scipy.stats import binomtest

    p_value = float(binomtest(up, up + down, 0.5).pvalue) if up + down else 1.0
    mean = sum(diffs) / n if n else math.nan
    if n < 2:
        interval = Interval(mean, math.nan, math.nan, n, confidence, "bootstrap")
    elif max(diffs) == min(diffs):
        interval = Interval(mean, mean, mean, n, confidence, "bootstrap (all pairs equal)")
    else:
        interval = _bootstrap(diffs, confidence, resamples, seed)
    return PairedDifference(interval, up, down, n - up - down, p_value)


def _bootstrap(diffs: list[float], confidence: float, resamples: int, seed: int) -> Interval:
    import warnings

    import numpy as np
    from scipy.stats import bootstrap

    data = (np.asarray(diffs, dtype=float),)
    mean = float(np.mean(data[0]))
    for method in ("BCa", "percentile"):  # BCa is undefined for some few-valued samples: percentile then
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns when BCa degenerates; the NaN check below handles it
            res = bootstrap(data, np.mean, confidence_level=confidence, n_resamples=resamples, method=method,
                            rng=np.random.default_rng(seed), vectorized=True)
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if not (math.isnan(low) or math.isnan(high)):
            return Interval(mean, min(low, mean), max(high, mean), len(diffs), confidence, f"bootstrap ({method})")
    return Interval(mean, math.nan, math.nan, len(diffs), confidence, "bootstrap")


@dataclass(frozen=True, slots=True)
class Plan:
    """How many tasks x repeats give a confidence interval about ``width`` wide (see `plan_tasks`)."""

    tasks: int
    repeats: int
    width: float
    confidence: float
    what: str
    assumptions: str

    @property
    def trials(self) -> int:
        return self.tasks * self.repeats

    def __str__(self) -> str:
        return (f"{self.tasks} tasks x {self.repeats} repeats = {self.trials} trials per config for a "
                f"{self.confidence:.0%} interval about {self.width:.3g} wide on {self.what} ({self.assumptions})")


def plan_tasks(width: float, *, rate: float = 0.5, repeats: int = 1, confidence: float = DEFAULT_CONFIDENCE,
               paired: bool = False, discordance: float | None = None, between_tasks: float = 0.5) -> Plan:
    """How many tasks (each run ``repeats`` times) an interval ``width`` wide (full width, 0-1) needs.

    - ``paired=False``: one config's accuracy near ``rate``; with one repeat the Wilson interval
      itself is searched, so the answer is exact for that rate.
    - ``paired=True``: the difference between two configs on the same tasks (`Lab.compare`); its
      spread is the share of tasks where the two disagree, ``discordance`` (default
      ``2 * rate * (1 - rate)``, i.e. two independent configs at ``rate``; similar configs disagree
      less and need fewer tasks).
    - ``repeats`` only average out the part of the variance that is not a property of the task:
      ``between_tasks`` (0-1, default 0.5) is the share that is, so repeats help less when the model
      answers a task the same way every time.
    """
    _check_confidence(confidence)
    if not 0.0 < width < 1.0 and not (paired and 0.0 < width < 2.0):
        raise ConfigError(f"plan_tasks width must be a positive interval width on the 0-1 scale, got {width!r}")
    if not 0.0 < rate < 1.0:
        raise ConfigError(f"plan_tasks rate must be between 0 and 1 (exclusive), got {rate!r}")
    if not isinstance(repeats, int) or repeats < 1:
        raise ConfigError(f"plan_tasks repeats must be a positive integer, got {repeats!r}")
    if not 0.0 <= between_tasks <= 1.0:
        raise ConfigError(f"plan_tasks between_tasks must be between 0 and 1, got {between_tasks!r}")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))
    shrink = between_tasks + (1.0 - between_tasks) / repeats
    if paired:
        q = 2 * rate * (1 - rate) if discordance is None else discordance
        if not 0.0 < q <= 1.0:
            raise ConfigError(f"plan_tasks discordance must be in (0, 1], got {discordance!r}")
        tasks = math.ceil((2 * z) ** 2 * q * shrink / width**2)
        return Plan(max(tasks, 2), repeats, width, confidence, "an accuracy difference (paired by task)",
                    f"tasks disagree {q:.0%} of the time; {between_tasks:.0%} of the variance is the task's")
    if repeats == 1:
        tasks = _wilson_n(width, rate, confidence)
        return Plan(tasks, 1, width, confidence, f"an accuracy near {rate:.0%}", "Wilson interval")
    tasks = math.ceil((2 * z) ** 2 * rate * (1 - rate) * shrink / width**2)
    return Plan(max(tasks, 1), repeats, width, confidence, f"an accuracy near {rate:.0%}",
                f"{between_tasks:.0%} of the variance is the task's")


def _wilson_n(width: float, rate: float, confidence: float) -> int:
    """Smallest n whose Wilson interval at ``rate`` is at most ``width`` wide (bisection on n)."""
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))

    def wilson_width(n: int) -> float:
        return 2 * z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)

    low, high = 1, 1
    while wilson_width(high) > width:
        high *= 2
    while low < high:
        mid = (low + high) // 2
        if wilson_width(mid) > width:
            low = mid + 1
        else:
            high = mid
    return high
