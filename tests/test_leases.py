"""One payer per trial: two processes sweeping the same experiment over one store request each
trial once; a dead process's claims expire and its trials are resumed; claims are what they say."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from labkit.lab._leases import Leases
from labkit.lab._store import Store

SWEEPER = textwrap.dedent("""
    import json, sys
    from labkit.emulator import Emulator, LatencyProfile
    from labkit.lab._client import emulator_backend
    from labkit.lab._experiment import Config
    from labkit.lab._lab import Lab
    from labkit.tasks import load_tasks

    tasks = [t for t in load_tasks() if t.category != "tool"][:50]
    emulator = Emulator(seed=0, latency=LatencyProfile(ttft_s=0.01))
    lab = Lab(backend=emulator_backend(emulator), store=sys.argv[1])
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start together
    frame = lab.sweep(tasks, [Config(model="claude-haiku-4-5", max_tokens=64)], repeats=4, name="shared",
                      concurrency=4, progress=False)
    print(json.dumps({"requests": emulator.counters["messages"], "rows": len(frame),
                      "cached": int(frame["cached"].sum())}), flush=True)
""")


def test_two_processes_over_one_store_pay_for_each_trial_once(tmp_path: Path) -> None:
    store = tmp_path / "shared.sqlite"
    Store(store).close()
    procs = [subprocess.Popen([sys.executable, "-c", SWEEPER, str(store)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = []
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert [o["rows"] for o in outs] == [200, 200]  # each process sees the whole sweep
    assert sum(o["requests"] for o in outs) == 200  # and together they requested each trial once
    assert all(o["requests"] > 0 for o in outs)  # both did part of the work
    stored = list(Store(store).stored("shared"))
    assert len(stored) == 200 and all(s.attempts == 1 for s in stored)
    assert sum(o["cached"] for o in outs) == 200  # what one ran, the other took from the store


def test_claims_and_a_dead_owner_s_lease_expiring(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    since = "2026-01-01T00:00:00+00:00"
    alive = Leases(store, "a", since=since, lease_s=60)
    other = Leases(store, "b", since=since, lease_s=60)
    assert alive.claim("e", "k1") == "mine"
    assert alive.claim("e", "k1") == "mine"  # one's own claim
    assert other.claim("e", "k1") == "taken"
    alive.release("e", "k1")
    assert other.claim("e", "k1") == "mine"
    dead = Leases(store, "dead", since=since, lease_s=-1.0)  # its claims ran out a second ago, never renewed
    assert dead.claim("e", "k2") == "mine"
    assert other.claim("e", "k2") == "mine"  # resumed by the next claimant
    other.release_all()
    assert alive.claim("e", "k2") == "mine"


def test_a_killed_process_s_claims_are_taken_over_at_once(tmp_path: Path) -> None:
    """A local owner whose pid no longer exists (kill -9) holds nothing: no 2-minute wait on rerun."""
    import socket

    store = Store(tmp_path / "s.sqlite")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)  # that process has exited
    since = "2026-01-01T00:00:00+00:00"
    assert Leases(store, f"{socket.gethostname()}:{dead_pid}:x", since=since).claim("e", "k") == "mine"
    assert Leases(store, "me", since=since).claim("e", "k") == "mine"
    assert Leases(store, f"{socket.gethostname()}:1:y", since=since).claim("e", "k2") == "mine"  # pid 1 lives
    assert Leases(store, "me", since=since).claim("e", "k2") == "taken"


def test_a_trial_another_live_process_holds_is_put_back_and_played_once_its_lease_ends(tmp_path: Path) -> None:
    """A worker that finds its trial taken goes on to the next one and comes back to it later,
    instead of waiting on it while the rest of the queue could run."""
    import socket
    from datetime import UTC, datetime

    from labkit.emulator import Emulator
    from labkit.lab._client import emulator_backend
    from labkit.lab._experiment import Config
    from labkit.lab._lab import Lab
    from labkit.lab._sweep_specs import build_specs, normalise_tasks
    from labkit.tasks import load_tasks

    emulator = Emulator()
    lab = Lab(backend=emulator_backend(emulator), store=tmp_path / "s.sqlite")
    tasks, config = load_tasks("arithmetic", limit=12), Config(model="claude-haiku-4-5", max_tokens=64)
    keys = [s.key for s in build_specs("held", lab.backend.key, normalise_tasks(tasks), [config], 1)]
    other = Leases(lab.store, f"{socket.gethostname()}:{os.getpid()}:other", since=datetime.now(UTC).isoformat(),
                   lease_s=0.4)  # a live owner (this process) whose claim on the first trial runs out soon
    assert other.claim("held", keys[0]) == "mine"
    frame = lab.sweep(tasks, [config], name="held", concurrency=1, progress=False)  # one worker: it must move on
    assert set(frame["status"]) == {"ok"} and len(frame) == 12
    assert emulator.counters["messages"] == 12  # the held trial too, once, after its lease ran out
    stored = [s.trial_key for s in lab.store.stored("held")]  # in the order they were stored
    assert sorted(stored) == sorted(keys) and stored[-1] == keys[0]  # the others did not wait for it
