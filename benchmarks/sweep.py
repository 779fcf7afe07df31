"""Sweep benchmark: 1,000 trials against the emulator with 50 ms latency at concurrency 32.

Prints, for two placements of the emulator (targets from the experiments issue):

- **in process**: the emulator answers through its in-process ``httpx2`` transport, so its CPU
  shares the sweep's one Python thread;
- **out of process**: the same emulator served over loopback HTTP by a child process
  (`labkit.emulator.serving._server`, 127.0.0.1, a free port; started and stopped here), reached as a
  ``LABKIT_BASE_URL``-style backend, so the emulator's CPU runs on another core as a real API's
  would run on another machine.

For each: wall time vs the ideal ``trials x latency / concurrency`` (target: ratio <= 1.25);
labkit's own CPU per trial (process CPU of the sweep minus what the SDK, and the emulator when in
process, alone spend on the same streamed requests: measured separately, no labkit in the loop);
a rerun of the same sweep from the store (every trial cached; target: >= 50x faster). A two-trial
warm-up sweep runs first so one-time imports are not counted as per-trial cost; ``gc.collect()``
runs before each timed phase. Each placement runs ``--rounds`` times: the fastest first run (with
its CPU figures) and the fastest rerun are reported. On a machine shared with other work the
figures vary by tens of percent from run to run; the load average is printed with them.

    .venv/bin/python benchmarks/sweep.py [--trials 1000] [--concurrency 32] [--latency 0.05] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic

from labkit.emulator import Emulator, LatencyProfile
from labkit.lab._client import Backend, base_url_backend, emulator_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.lab._sweep_specs import build_specs, normalise_tasks
from labkit.tasks import load_tasks

CONFIG = Config(model="claude-haiku-4-5", max_tokens=256)
SERVER = """
import sys
from labkit.emulator import Emulator, LatencyProfile
from labkit.emulator.serving._server import EmulatorServer
server = EmulatorServer(Emulator(latency=LatencyProfile(name="bench", ttft_s=float(sys.argv[1]))), "127.0.0.1", 0)
print(server.url, flush=True)
server.serve_forever(poll_interval=0.05)
"""


@dataclass
class Figures:
    trials: int
    wall: float
    cpu: float
    rerun: float
    floor: float


@contextmanager
def emulator_process(latency: float) -> Iterator[str]:
    """A child process serving the emulator on 127.0.0.1 (a free port); yields its URL, then stops it."""
    child = subprocess.Popen([sys.executable, "-c", SERVER, str(latency)], stdout=subprocess.PIPE, text=True)
    try:
        url = child.stdout.readline().strip() if child.stdout is not None else ""
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the emulator process did not start (said {url!r})")
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)


def sdk_floor_cpu(make_client: Callable[[], anthropic.AsyncAnthropic], tasks: list[Any], repeats: int,
                  concurrency: int) -> float:
    """CPU seconds this process spends on the same streamed requests with the SDK alone (no labkit)."""
    specs = build_specs("floor", "emulator", normalise_tasks(tasks), [CONFIG], repeats)

    async def run() -> float:
        client = make_client()
        gate = asyncio.Semaphore(concurrency)

        async def one(params: dict[str, Any]) -> None:
            async with gate:
                stream = await client.messages.create(**params, stream=True)
                async for _ in anthropic.AsyncStream.raw_events(stream.response):
                    pass

        await one(specs[0].params)  # warm the client up (platform lookup, connection)
        start = time.process_time()
        await asyncio.gather(*(one(s.params) for s in specs))
        spent = time.process_time() - start
        await client.close()
        return spent

    return asyncio.run(run())


def measure(backend: Backend, tasks: list[Any], repeats: int, concurrency: int, name: str) -> Figures:
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(backend=backend, store=Path(tmp) / "bench.sqlite")
        lab.sweep(load_tasks("tool", limit=2), [CONFIG], name="warm-up", progress=False)
        gc.collect()  # each timed phase starts without the garbage of the phases before it
        cpu0, wall0 = time.process_time(), time.perf_counter()
        first = lab.sweep(tasks, [CONFIG], repeats=repeats, name=name, concurrency=concurrency, progress=False)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        gc.collect()
        wall1 = time.perf_counter()
        rerun = lab.sweep(tasks, [CONFIG], repeats=repeats, name=name, concurrency=concurrency, progress=False)
        rerun_wall = time.perf_counter() - wall1
        lab.store.close()
    if not (first["status"] == "ok").all() or not rerun["cached"].all() or len(rerun) != len(first):
        raise SystemExit("benchmark sweep did not finish cleanly")
    floor = sdk_floor_cpu(lambda: backend.async_client(), tasks, repeats, concurrency)
    return Figures(len(first), wall, cpu, rerun_wall, floor)


def best(rounds: list[Figures]) -> Figures:
    """The round with the fastest first run, and the fastest rerun of all rounds (each a best-of)."""
    first = min(rounds, key=lambda f: f.wall)
    return Figures(first.trials, first.wall, first.cpu, min(f.rerun for f in rounds), first.floor)


def report(title: str, f: Figures, latency: float, concurrency: int) -> list[bool]:
    ideal = f.trials * latency / concurrency
    per = 1e3 / f.trials
    ratio, speedup = f.wall / ideal, f.wall / f.rerun
    print(f"{title}")
    print(f"  wall: {f.wall:.3f} s  ideal: {ideal:.4f} s  ratio: {ratio:.3f}  "
          f"(target <= 1.25: {'met' if ratio <= 1.25 else 'NOT met'})")
    print(f"  CPU per trial in this process: {f.cpu * per:.2f} ms = SDK/httpx2 (+ emulator when in process) "
          f"{f.floor * per:.2f} ms + labkit {(f.cpu - f.floor) * per:.2f} ms")
    print(f"  rerun from the store: {f.rerun:.3f} s  speed-up: {speedup:.0f}x  "
          f"(target >= 50x: {'met' if speedup >= 50 else 'NOT met'})")
    return [ratio <= 1.25, speedup >= 50]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3, help="runs per placement; the best is reported")
    args = parser.parse_args()
    tasks = [t for t in load_tasks() if t.category != "tool"][:100]
    repeats = max(1, args.trials // len(tasks))
    trials = len(tasks) * repeats
    print(f"trials: {trials}  concurrency: {args.concurrency}  latency: {args.latency * 1000:.0f} ms (ttft)  "
          f"best of {args.rounds} rounds  cores: {os.cpu_count()}  load average: {os.getloadavg()[0]:.2f}")
    emulator = Emulator(latency=LatencyProfile(name="bench", ttft_s=args.latency))
    inproc = best([measure(emulator_backend(emulator), tasks, repeats, args.concurrency, f"in-{i}")
                   for i in range(args.rounds)])
    met = report("emulator in process (one thread: SDK + emulator + labkit):", inproc, args.latency, args.concurrency)
    with emulator_process(args.latency) as url:
        outproc = best([measure(base_url_backend(url), tasks, repeats, args.concurrency, f"out-{i}")
                        for i in range(args.rounds)])
    met += report(f"emulator out of process (loopback HTTP, {url}):", outproc, args.latency, args.concurrency)
    print(f"targets met: {sum(met)} of {len(met)}  (load average now: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
