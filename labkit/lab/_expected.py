"""Expected cost of a sweep before it runs: output tokens from the store, else an emulator dry run.

`lab.estimate` prices input by ``count_tokens`` and output at the ``max_tokens`` ceiling (the most a
sweep can cost). `add_expected(rows, specs, stored)` adds what it will probably cost beside it:

- ``output_tokens_expected`` from finished trials already in the store with the same model and
  knobs (the same task when there is one, else the config's mean over its tasks);
  ``expected_source`` says ``"store (n trials)"``;
- otherwise from one dry run of the first turn on the in-process emulator (no request leaves the
  machine), labelled ``"emulator dry run (synthetic)"``: a guide to the order of magnitude, not a
  measurement of the real model;
- ``cost_expected_usd`` = input cost + expected output tokens at the output price, times repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from labkit.lab._compare import CONFIG_COLUMNS
from labkit.lab._runner import TrialSpec

DRY_RUN = "emulator dry run (synthetic)"


def _config_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(c) for c in CONFIG_COLUMNS)


def _spec_key(spec: TrialSpec) -> tuple[Any, ...]:
    return _config_key({"model": spec.config.model, **spec.config.trial_knobs().as_dict()})


def _stored_outputs(stored: Iterable[Mapping[str, Any]]) -> tuple[dict[Any, list[int]], dict[Any, list[int]]]:
    """Output tokens of finished trials, by (config, task) and by config."""
    by_task: dict[Any, list[int]] = {}
    by_config: dict[Any, list[int]] = {}
    for row in stored:
        if row.get("status") != "ok" or row.get("output_tokens") is None:
            continue
        key = _config_key(row)
        by_task.setdefault((key, row.get("task_id")), []).append(int(row["output_tokens"]))
        by_config.setdefault(key, []).append(int(row["output_tokens"]))
    return by_task, by_config


def _dry_run(spec: TrialSpec, client: Any) -> int | None:
    """Output tokens of the first turn on the in-process emulator (None when it refuses the request)."""
    import anthropic

    try:
        message = client.messages.create(**spec.params, timeout=600.0)
    except anthropic.APIError:
        return None
    return int(message.usage.output_tokens)


def add_expected(rows: list[dict[str, Any]], specs: list[TrialSpec], stored: Iterable[Mapping[str, Any]]) -> None:
    """Add ``output_tokens_expected``, ``expected_source`` and ``cost_expected_usd`` to each estimate row
    (``rows[i]`` prices ``specs[i]``, as `estimate_rows` makes them)."""
    by_task, by_config = _stored_outputs(stored)
    client = None
    for row, spec in zip(rows, specs, strict=True):
        key = _spec_key(spec)
        task_id = getattr(spec.task, "id", None)
        seen = by_task.get((key, task_id)) or by_config.get(key)
        if seen:
            expected: float | None = sum(seen) / len(seen)
            source = f"store ({len(seen)} trials)"
        else:
            if client is None:
                from labkit.emulator import Emulator

                client = Emulator().client(max_retries=0)
            tokens = _dry_run(spec, client)
            expected, source = (float(tokens), DRY_RUN) if tokens is not None else (None, "unknown")
        prices = spec.config.info.prices_for(int(row["input_tokens"]))
        row["output_tokens_expected"] = expected
        row["expected_source"] = source
        row["cost_expected_usd"] = (row["cost_input_usd"] + (expected or 0.0) * prices.output / 1e6 * row["repeats"]
                                    if expected is not None else float("nan"))
