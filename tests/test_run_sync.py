"""Ctrl-C in a notebook: a sweep started from inside a running event loop (as a Jupyter cell is)
stops within a second of the interrupt, leaves no thread or request running, keeps every finished
row, and the rerun requests only what had not finished."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time
from pathlib import Path

import pytest

from labkit.emulator import Emulator, LatencyProfile
from labkit.lab._client import emulator_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.lab._run_sync import INTERRUPTED, run_sync
from labkit.tasks import load_tasks

TASKS = [t for t in load_tasks() if t.category != "tool"][:60]


def _in_a_kernel_loop(cell: object) -> None:
    """Run ``cell()`` the way ipykernel runs a cell: inside a running loop, with Python's own SIGINT
    handling (`asyncio.run` would install its own, which cancels instead of interrupting)."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(cell())  # type: ignore[operator]
    finally:
        loop.close()
CONFIG = Config(model="claude-haiku-4-5", max_tokens=64)


def _interrupt_when(stored: callable, at_least: int) -> threading.Thread:  # type: ignore[valid-type]
    """A watcher that sends the main thread a KeyboardInterrupt (what SIGINT / the kernel's interrupt
    button do) once ``stored()`` reaches ``at_least``; it records when it did."""

    def watch() -> None:
        while stored() < at_least:  # polls the store, not a clock: fires on progress, not on time
            time.sleep(0.01)
        watcher.fired_at = time.perf_counter()  # type: ignore[attr-defined]
        _thread.interrupt_main()

    watcher = threading.Thread(target=watch, daemon=True)
    return watcher


def test_ctrl_c_stops_a_sweep_run_inside_a_running_loop(tmp_path: Path) -> None:
    emulator = Emulator(latency=LatencyProfile(ttft_s=0.02, text_tokens_per_s=2000))
    lab = Lab(backend=emulator_backend(emulator), store=tmp_path / "runs.sqlite")
    total = len(TASKS) * 4

    def stored() -> int:
        return sum(1 for _ in lab.store.stored("cell"))

    async def cell() -> None:  # the loop is running while the sweep blocks, as in Jupyter
        watcher = _interrupt_when(stored, 20)
        watcher.start()
        with pytest.raises(KeyboardInterrupt) as caught:
            lab.sweep(TASKS, [CONFIG], repeats=4, name="cell", concurrency=8, progress=False)
        returned = time.perf_counter()
        assert str(caught.value) == INTERRUPTED
        assert returned - watcher.fired_at < 1.0  # type: ignore[attr-defined]

    _in_a_kernel_loop(cell)
    assert not [t for t in threading.enumerate() if t.name == "labkit-run"]  # no worker survives
    sent = emulator.counters["messages"]
    finished = stored()
    assert 20 <= finished < total
    assert finished <= sent <= finished + 8  # at most the in-flight ones were abandoned
    assert emulator.counters["messages"] == sent  # and with no thread left, nothing more is sent
    rows = {s.trial_key: s for s in lab.store.stored("cell")}
    assert all(s.row["status"] == "ok" and s.row["output_tokens"] for s in rows.values())  # intact

    async def again() -> None:
        frame = lab.sweep(TASKS, [CONFIG], repeats=4, name="cell", concurrency=8, progress=False)
        assert len(frame) == total and frame["status"].eq("ok").all()
        assert int(frame["cached"].sum()) == finished

    _in_a_kernel_loop(again)
    assert emulator.counters["messages"] == sent + (total - finished)  # only the unfinished ones
    assert {k: s.row for k, s in rows.items()} == {s.trial_key: s.row for s in lab.store.stored("cell")
                                                  if s.trial_key in rows}  # fmt: skip


def test_run_sync_returns_results_and_raises_errors_from_inside_a_loop() -> None:
    async def value() -> int:
        return 42

    async def failing() -> int:
        raise ValueError("from the worker")

    async def cell() -> None:
        assert run_sync(value) == 42
        with pytest.raises(ValueError, match="from the worker"):
            run_sync(failing)

    _in_a_kernel_loop(cell)
    assert run_sync(value) == 42  # no loop running: asyncio.run
