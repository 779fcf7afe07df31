"""The benchmark scripts still run: each arm converts what it should (no timings are asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("total", [50, 2_000])
def test_stream_overhead_builds_streams_of_the_stated_length(total: int) -> None:
    bench = load("stream_overhead")
    events = bench.build_events(total)
    assert len(events) == total
    client = bench.make_client(bench.sse_body(events))
    assert bench.run_raw(client) == total
    bench.run_labkit(client)  # raises if the stream did not convert to a tool call with text
    assert total - 10 <= bench.run_every_chunk(client) <= total  # a chunk per body delta, a few framing ones
    bench.run_labkit_typed(client)
    assert bench.run_every_chunk_typed(client) == bench.run_every_chunk(client)


def test_stream_overhead_reports_every_arm_against_raw() -> None:
    report = load("stream_overhead").measure(200, rounds=3, repeats=1)
    assert set(report) == {"labkit", "every chunk", "labkit typed", "chunks typed"}
    for figures in report.values():
        assert figures["raw_us"] > 0 and figures["arm_us"] > 0
        assert 0 < figures["q1"] <= figures["q3"] and figures["ratio"] > 0


def test_scale_splits_the_cpu_per_trial_by_step_and_restores_what_it_timed() -> None:
    import labkit.lab._group_commit as commits
    import labkit.lab._lab as lab_module
    from labkit.lab._store import Store

    bench = load("scale")
    originals = (lab_module.finish_trial, commits.trial_writes, Store.transaction)
    floor, labkit, steps = bench.cpu_split(200)
    assert set(steps) == {"deriving rows", "texts to store", "commits (claims and trials)"}
    assert floor > 0 and all(ms > 0 for ms in steps.values())
    assert sum(steps.values()) < floor + labkit  # parts of the sweep's own CPU, per trial
    assert (lab_module.finish_trial, commits.trial_writes, Store.transaction) == originals
