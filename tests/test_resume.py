"""Crash safety: a real ``kill -9`` of a sweep running in a subprocess, then a resume checked trial by trial."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from labkit.emulator import Emulator
from labkit.lab._client import emulator_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.tasks import load_tasks

TASKS = 60
SCRIPT = textwrap.dedent(
    """
    import sys
    from labkit.lab._client import emulator_backend
    from labkit.emulator import Emulator, LatencyProfile
    from labkit.lab._experiment import Config
    from labkit.lab._lab import Lab
    from labkit.tasks import load_tasks

    ttft, concurrency, repeats = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    lab = Lab(backend=emulator_backend(Emulator(latency=LatencyProfile(ttft_s=ttft))), store=sys.argv[1])
    config = Config(model="claude-haiku-4-5", max_tokens=128)
    lab.sweep(load_tasks("arithmetic", limit={tasks}), [config], name="resume", concurrency=concurrency,
              repeats=repeats, progress=False)
    print("finished")
    """
).format(tasks=TASKS)
CASES = {
    "one trial per commit": ("0.05", "2", "1", 8),
    "many trials per commit": ("0", "16", "20", 200),  # zero latency: a commit holds a turn's worth of trials
}
"""(first-token latency, concurrency, repeats, trials stored before the kill) of the sweep that is killed."""


def _finished(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM trials WHERE status = 'ok'").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


@pytest.mark.parametrize("case", CASES)
def test_kill_9_then_resume_loses_nothing_and_requests_nothing_twice(tmp_path: Path, case: str) -> None:
    ttft, concurrency, repeats, kill_after = CASES[case]
    trials = TASKS * int(repeats)
    store = tmp_path / "runs.sqlite"
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("LABKIT_BASE_URL", None)
    log = tmp_path / "sweep.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, str(script), str(store), ttft, concurrency, repeats], env=env,
                                stdout=sink, stderr=sink)  # fmt: skip
        deadline = time.monotonic() + 60
        try:
            while _finished(store) < kill_after:  # poll the store, not the clock: kill once some trials are in
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the sweep never got going"
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    lab = Lab(backend=emulator_backend(Emulator()), store=store)
    before = {s.trial_key: s for s in lab.store.stored("resume")}
    done_before = {k for k, s in before.items() if s.row["status"] == "ok"}
    assert kill_after <= len(done_before) < trials, "the kill must land mid-sweep"

    emulator = Emulator()
    lab = Lab(backend=emulator_backend(emulator), store=store)
    frame = lab.sweep(load_tasks("arithmetic", limit=TASKS), [Config(model="claude-haiku-4-5", max_tokens=128)],
                      name="resume", concurrency=4, repeats=int(repeats))
    assert len(frame) == trials and frame["trial_key"].is_unique
    assert set(frame["status"]) == {"ok"}
    assert emulator.counters["messages"] == trials - len(done_before), "nothing finished is requested twice"
    after = {s.trial_key: s for s in lab.store.stored("resume")}
    assert len(after) == trials
    for key in done_before:  # trial by trial: what had finished is untouched
        assert after[key].row == before[key].row
        assert after[key].events == before[key].events
        assert after[key].attempts == 1
    cached = dict(zip(frame["trial_key"], frame["cached"], strict=True))
    assert {k for k, c in cached.items() if c} == done_before
    assert all(after[k].attempts == 1 for k in after)
