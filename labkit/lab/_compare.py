"""`compare_rows`: a paired comparison of two configs of one experiment, on the tasks both ran.

``Lab.compare(name, a, b)`` calls it with the experiment's stored rows. ``a`` / ``b`` pick a config:
a `Config` (its model and knobs), a dict of row columns (``{"model": ..., "budget_tokens": 4096}``)
or a string (a ``label``, else a model id); each must pick exactly one config. Per task the trials
are averaged over repeats (finished, scored trials only), then the per-task differences give:

- accuracy ``a - b`` (0-1 scale) with a bootstrap interval over tasks and the exact sign test
  (McNemar's exact test when each task ran once);
- output tokens and cost per trial, ``a - b``, with bootstrap intervals;
- each side's own accuracy with its Wilson interval over its trials.

Only tasks both configs finished count, so a config is never credited for the tasks the other
failed on. Works on row dicts (`labkit.lab.ROW_COLUMNS`): no pandas, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from labkit.core import ConfigError
from labkit.lab._stats import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    Interval,
    PairedDifference,
    paired_difference,
    rate_interval,
)
from labkit.lab._trial import Knobs
from labkit.tokens import format_usd

CONFIG_COLUMNS = ("model", "thinking_mode", "budget_tokens", "effort", "display", "strategy", "tag", "prefill")
"""The row columns that tell one config from another (label and fallback_from name it, not change it)."""


@dataclass(frozen=True, slots=True, repr=False)
class Comparison:
    """Config ``a`` against config ``b`` on the tasks both finished (see the module docstring)."""

    experiment: str
    a: str
    b: str
    tasks: int
    trials_a: int
    trials_b: int
    accuracy_a: Interval
    accuracy_b: Interval
    accuracy: PairedDifference
    """``a - b`` accuracy (0-1), bootstrap interval over tasks, exact sign test."""
    output_tokens: PairedDifference
    cost_usd: PairedDifference
    means: Mapping[str, tuple[float, float]]
    """Per metric, (a, b): the mean over the shared tasks of each task's mean over repeats."""

    @property
    def excludes_zero(self) -> bool:
        """The accuracy interval excludes 0 (at the comparison's confidence)."""
        d = self.accuracy.difference
        return not math.isnan(d.low) and (d.low > 0 or d.high < 0)

    @property
    def significant(self) -> bool:
        """Both say so: the interval excludes 0 and the exact test rejects "no difference" at 1 - confidence."""
        return self.excludes_zero and self.accuracy.p_value < 1 - self.accuracy.difference.confidence

    def frame(self) -> Any:
        """One row per metric: a, b, difference ``a - b`` with its interval, p-value (accuracy only)."""
        import pandas as pd

        rows = []
        for metric, paired in (("accuracy", self.accuracy), ("output_tokens", self.output_tokens),
                               ("cost_usd", self.cost_usd)):
            d = paired.difference
            a, b = self.means.get(metric, (math.nan, math.nan))
            rows.append({"metric": metric, "a": a, "b": b, "difference": d.estimate, "low": d.low, "high": d.high,
                         "confidence": d.confidence, "tasks": d.n,
                         "p_value": paired.p_value if metric == "accuracy" else math.nan, "method": d.method})
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        """The verdict, so that a notebook cell ending in ``lab.compare(...)`` shows it."""
        return str(self)

    def __str__(self) -> str:
        d = self.accuracy.difference
        alpha = 1 - d.confidence
        if self.significant:
            verdict = f"the interval excludes 0 and p < {alpha:.2g}: a real difference at this confidence"
        elif self.excludes_zero:
            verdict = (f"borderline: the interval excludes 0 but the exact test does not reject at {alpha:.2g} "
                       f"(too few tasks differ); run more tasks before calling it")
        else:
            verdict = "the interval includes 0: not distinguishable from noise with these tasks"
        return "\n".join([
            f"{self.experiment}: a = {self.a}; b = {self.b}; {self.tasks} tasks both finished",
            f"  accuracy a {_pct(self.accuracy_a)} over {self.trials_a} trials; b {_pct(self.accuracy_b)} over "
            f"{self.trials_b} trials",
            f"  a - b: {d.estimate * 100:+.1f} points [{d.low * 100:+.1f}, {d.high * 100:+.1f}] "
            f"({d.confidence:.0%} {d.method} over tasks); {self.accuracy.test}: p = {self.accuracy.p_value:.3g} "
            f"({self.accuracy.a_higher} tasks favour a, {self.accuracy.b_higher} favour b, {self.accuracy.ties} tie)",
            f"  {verdict}",
            f"  output tokens a - b: {_signed(self.output_tokens.difference, lambda x: f'{x:+,.0f}')} per trial; "
            f"cost a - b: {_signed(self.cost_usd.difference, lambda x: format_usd(x, signed=True))} per trial",
        ])


def _pct(i: Interval) -> str:
    return f"{i.estimate:.1%} [{i.low:.1%}, {i.high:.1%}]"


def _signed(i: Interval, fmt: Callable[[float], str]) -> str:
    return f"{fmt(i.estimate)} [{fmt(i.low)}, {fmt(i.high)}]"


def _same(value: Any, wanted: Any) -> bool:
    if wanted is None or (isinstance(wanted, float) and math.isnan(wanted)):
        return value is None or (isinstance(value, float) and math.isnan(value))
    return bool(value == wanted)


def _selector(which: Any) -> tuple[str, Callable[[Mapping[str, Any]], bool]]:
    """(description, row predicate) for a Config, a dict of columns, or a label / model id."""
    if hasattr(which, "trial_knobs") and hasattr(which, "model"):
        knobs = which.trial_knobs().as_dict()
        wanted = {"model": which.model, **{k: knobs[k] for k in CONFIG_COLUMNS[1:]}}
        return _describe(wanted), lambda row: all(_same(row.get(k), v) for k, v in wanted.items())
    if isinstance(which, Mapping):
        known = {f.name for f in fields(Knobs)} | set(CONFIG_COLUMNS) | {"task_id", "category", "label"}
        unknown = sorted(set(which) - known)
        if unknown:
            raise ConfigError(f"compare: unknown column(s) {unknown}; pick configs by {', '.join(CONFIG_COLUMNS)}")
        filters = dict(which)
        return _describe(filters), lambda row: all(_same(row.get(k), v) for k, v in filters.items())
    if isinstance(which, str) and which:
        return which, lambda row: row.get("label") == which or (row.get("model") == which)
    raise ConfigError(f"compare: pick a config by a Config, a dict of row columns or a label, not {which!r}")


def _describe(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items() if v is not None and v is not False)


def _config_of(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(c) for c in CONFIG_COLUMNS)


def _pick(rows: list[Mapping[str, Any]], which: Any, side: str) -> tuple[str, list[Mapping[str, Any]]]:
    name, match = _selector(which)
    picked = [r for r in rows if match(r)]
    configs = {_config_of(r) for r in picked}
    if not picked:
        known = sorted({_describe(dict(zip(CONFIG_COLUMNS, c, strict=True))) for c in map(_config_of, rows)})
        raise ConfigError(f"compare: {side} ({name}) matches no trial; the experiment has: " + "; ".join(known))
    if len(configs) > 1:
        found = "; ".join(sorted(_describe(dict(zip(CONFIG_COLUMNS, c, strict=True))) for c in configs))
        raise ConfigError(f"compare: {side} ({name}) matches {len(configs)} configs ({found}); "
                          f"pick one with a dict of columns, e.g. {{'model': ..., 'budget_tokens': ...}}")
    return name, picked


def _per_task(rows: Iterable[Mapping[str, Any]], column: str) -> dict[str, float]:
    """Mean of ``column`` per task over the finished trials where it is known."""
    sums: dict[str, list[float]] = {}
    for row in rows:
        value = row.get(column)
        if row.get("status") != "ok" or value is None or row.get("task_id") is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        sums.setdefault(str(row["task_id"]), []).append(float(value))
    return {task: sum(v) / len(v) for task, v in sums.items()}


def compare_rows(rows: Iterable[Mapping[str, Any]], a: Any, b: Any, *, experiment: str = "",
                 confidence: float = DEFAULT_CONFIDENCE, resamples: int = DEFAULT_RESAMPLES,
                 seed: int = 0) -> Comparison:
    """The paired comparison of configs ``a`` and ``b`` among ``rows`` (see the module docstring)."""
    records = list(rows)
    name_a, rows_a = _pick(records, a, "a")
    name_b, rows_b = _pick(records, b, "b")
    if _config_of(rows_a[0]) == _config_of(rows_b[0]):
        raise ConfigError(f"compare: a ({name_a}) and b ({name_b}) pick the same config")
    acc_a, acc_b = _per_task(rows_a, "correct"), _per_task(rows_b, "correct")  # correct: bool, as 0/1
    tasks = sorted(set(acc_a) & set(acc_b))
    if not tasks:
        raise ConfigError(f"compare: no task was finished and scored by both a ({name_a}) and b ({name_b})")
    shared = set(tasks)
    scored_a = [r for r in rows_a if str(r.get("task_id")) in shared and r.get("status") == "ok"
                and r.get("correct") is not None]
    scored_b = [r for r in rows_b if str(r.get("task_id")) in shared and r.get("status") == "ok"
                and r.get("correct") is not None]

    means: dict[str, tuple[float, float]] = {}

    def paired(column: str) -> PairedDifference:
        pa, pb = _per_task(rows_a, column), _per_task(rows_b, column)
        both = [t for t in tasks if t in pa and t in pb]
        if both:
            means[column] = (sum(pa[t] for t in both) / len(both), sum(pb[t] for t in both) / len(both))
        return paired_difference([pa[t] for t in both], [pb[t] for t in both], confidence=confidence,
                                 resamples=resamples, seed=seed)

    return Comparison(
        experiment=experiment, a=name_a, b=name_b, tasks=len(tasks),
        trials_a=len(scored_a), trials_b=len(scored_b),
        accuracy_a=rate_interval(sum(bool(r["correct"]) for r in scored_a), len(scored_a), confidence=confidence),
        accuracy_b=rate_interval(sum(bool(r["correct"]) for r in scored_b), len(scored_b), confidence=confidence),
        accuracy=paired("correct"), output_tokens=paired("output_tokens"), cost_usd=paired("cost_usd"),
        means={("accuracy" if k == "correct" else k): v for k, v in means.items()},
    )
