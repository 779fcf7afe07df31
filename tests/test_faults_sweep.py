"""The FAULT test: 500 trials, ~10% faults of every kind the emulator injects; nothing lost, nothing doubled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from labkit.emulator import Emulator, FaultPlan
from labkit.emulator.serving._faults import FAULT_KINDS
from labkit.lab._client import emulator_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.lab._runner import Runner
from labkit.tasks import load_tasks

CONFIG = Config(model="claude-haiku-4-5", max_tokens=64)


def _tasks() -> list[Any]:
    tasks = [t for t in load_tasks() if t.category != "tool"][:100]
    assert len(tasks) == 100
    return tasks


def _spy(lab: Lab) -> list[Runner]:
    runners: list[Runner] = []
    original = lab._runner

    def make(concurrency: int) -> Runner:
        runner = original(concurrency)
        runners.append(runner)
        return runner

    lab._runner = make  # type: ignore[method-assign]
    return runners


def test_500_trials_with_every_fault_kind(tmp_path: Path) -> None:
    plan = FaultPlan(rate=0.1, seed=7, retry_after_s=0.002, stall_s=0.005, after_events=2)
    emulator = Emulator(faults=plan)
    lab = Lab(backend=emulator_backend(emulator), store=tmp_path / "faults.sqlite", max_retries=1,
              max_attempts=2, retry_backoff=0, stall_timeout=5.0)
    runners = _spy(lab)
    frame = lab.sweep(_tasks(), [CONFIG], repeats=5, name="faults", concurrency=32)

    assert set(plan.injected) == set(FAULT_KINDS), "every fault kind was injected"
    assert 30 <= len(plan.injected) <= 90
    # every trial ends ok or error, none lost, none recorded twice
    assert len(frame) == 500 and frame["trial_key"].is_unique
    assert set(frame["status"]) <= {"ok", "error"}
    errors = frame[frame["status"] == "error"]
    assert errors["error_type"].notna().all() and errors["error_message"].notna().all()
    assert frame.loc[frame["status"] == "ok", "error_type"].isna().all()
    assert (frame["status"] == "ok").sum() >= 480
    stored = list(lab.store.stored("faults"))
    assert len(stored) == 500 and all(s.attempts == 1 for s in stored)
    # each stored trial holds one attempt's events only: one message_start at most
    assert all(sum(e["type"] == "message_start" for e in s.events) <= 1 for s in stored)
    [runner] = runners
    assert emulator.counters["messages"] == runner.gate.attempts >= runner.stats.requests
    assert runner.stats.trial_retries > 0

    # Retried trials are not billed twice: every ok row costs what one clean attempt costs. The
    # repeats of a task are samples of one request, and which repeat gets which sample depends on
    # arrival order, so each task's rows are matched against the clean run's as a multiset.
    clean = Lab(backend=emulator_backend(Emulator()), store=tmp_path / "clean.sqlite")
    reference = clean.sweep(_tasks(), [CONFIG], repeats=5, name="clean", concurrency=32)
    ok = frame[frame["status"] == "ok"]
    for task_id, group in ok.groupby("task_id"):
        clean_rows = reference[reference["task_id"] == task_id]
        remaining = sorted(zip(clean_rows["output_tokens"], clean_rows["cost_usd"], strict=True))
        for tokens, cost in zip(group["output_tokens"], group["cost_usd"], strict=True):
            match = next((r for r in remaining if r[0] == tokens and r[1] == pytest.approx(cost)), None)
            assert match is not None, f"{task_id}: {tokens} tokens / ${cost} is not one clean attempt"
            remaining.remove(match)
    assert frame["cost_usd"].sum() <= reference["cost_usd"].sum() + 1e-12
