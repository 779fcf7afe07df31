"""The fault soak over real HTTP: 1,000 trials through a ``labkit emulator`` process on 127.0.0.1,
about 10% faults of every kind, concurrency 20. Nothing lost, nothing doubled, nothing billed twice,
and an error recorded only where a trial's retries ran out."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from labkit.lab._client import base_url_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.tasks import load_tasks

CONFIG = Config(model="claude-haiku-4-5", max_tokens=64)
ATTEMPTS = 3


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``labkit emulator`` in its own process with faults on; stopped (and waited for) afterwards.
    Its log goes to a file, checked to hold no traceback (broken connections are one line each)."""
    command = [sys.executable, "-m", "labkit", "emulator", "--port", "0", "--fault-rate", "0.1", "--seed", "7"]
    log = tmp_path / "emulator.log"
    with log.open("w") as err, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
            assert match, first + log.read_text()
            yield match.group(1)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert "Traceback" not in log.read_text()


def test_a_thousand_trials_with_faults_over_loopback(server: str, tmp_path: Path) -> None:
    tasks = [t for t in load_tasks() if t.category != "tool"][:100]
    lab = Lab(backend=base_url_backend(server), store=tmp_path / "soak.sqlite", max_retries=2,
              max_attempts=ATTEMPTS, retry_backoff=0, stall_timeout=10.0)  # fmt: skip
    frame = lab.sweep(tasks, [CONFIG], repeats=10, name="soak", concurrency=20, progress=False)

    assert len(frame) == 1000 and frame["trial_key"].is_unique  # none lost, none doubled
    assert set(frame["status"]) <= {"ok", "error"}
    stored = list(lab.store.stored("soak"))
    assert len(stored) == 1000 and all(s.attempts == 1 for s in stored)  # each stored once
    # one attempt's events per stored trial: a retried trial is billed for its last attempt only
    assert all(sum(e["type"] == "message_start" for e in s.events) <= 1 for s in stored)
    errors = frame[frame["status"] == "error"]
    # with ~10% faults, two SDK retries and three trial attempts, a trial errs only by bad luck
    # many times over; whatever errs says why
    assert len(errors) <= 5
    assert errors["error_type"].notna().all() and errors["error_message"].notna().all()
    assert not (errors["error_type"] == "APITimeoutError").any()  # no retry wait was taken for a stall
    ok = frame[frame["status"] == "ok"]
    assert ok["cost_usd"].notna().all() and (ok["output_tokens"] > 0).all()
