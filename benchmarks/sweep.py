"""Sweep benchmark: 1,000 trials against the in-process emulator with 50 ms latency at concurrency 32.

Prints (targets from the experiments issue):

- wall time vs the ideal ``trials x latency / concurrency`` (target: ratio <= 1.25);
- labkit's own CPU per trial: process CPU of the sweep minus what the SDK and the emulator alone
  spend on the same streamed requests (measured separately, no labkit in the loop);
- a rerun of the same sweep from the store (every trial cached; target: >= 50x faster).

A two-trial warm-up sweep runs first so one-time imports (pandas, the SDK's lazy modules) are not
counted as per-trial cost.

    .venv/bin/python benchmarks/sweep.py [--trials 1000] [--concurrency 32] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from labkit.client import emulator_backend
from labkit.emulator import Emulator, LatencyProfile
from labkit.experiment import Config
from labkit.lab import Lab
from labkit.sweep_specs import build_specs, normalise_tasks
from labkit.tasks import load_tasks

CONFIG = Config(model="claude-haiku-4-5", max_tokens=256)


def emulator_cpu(tasks: list[object], repeats: int) -> float:
    """CPU seconds the emulator alone spends answering the sweep's requests (streamed, no latency)."""
    emulator = Emulator()
    specs = build_specs("cpu", "emulator", normalise_tasks(tasks), [CONFIG], repeats)
    headers = {"x-api-key": "labkit-bench", "anthropic-version": "2026-10-21", "content-type": "application/json"}
    bodies = [json.dumps({**s.params, "stream": True}).encode() for s in specs]
    start = time.process_time()
    for body in bodies:
        response = emulator.handle("POST", "/v1/messages", headers, body)
        for _ in response.chunks or [response.body]:
            pass
    return time.process_time() - start


def sdk_floor_cpu(tasks: list[object], repeats: int, concurrency: int) -> float:
    """CPU seconds the SDK and the emulator alone need for the same streamed requests (no labkit)."""
    import asyncio

    import anthropic

    specs = build_specs("floor", "emulator", normalise_tasks(tasks), [CONFIG], repeats)

    async def run() -> float:
        client = Emulator().async_client()
        gate = asyncio.Semaphore(concurrency)

        async def one(params: dict[str, object]) -> None:
            async with gate:
                stream = await client.messages.create(**params, stream=True)  # type: ignore[call-overload]
                async for _ in anthropic.AsyncStream.raw_events(stream.response):
                    pass

        start = time.process_time()
        await asyncio.gather(*(one(s.params) for s in specs))
        return time.process_time() - start

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    tasks = [t for t in load_tasks() if t.category != "tool"][:100]
    repeats = max(1, args.trials // len(tasks))
    trials = len(tasks) * repeats
    with tempfile.TemporaryDirectory() as tmp:
        emulator = Emulator(latency=LatencyProfile(name="bench", ttft_s=args.latency))
        lab = Lab(backend=emulator_backend(emulator), store=Path(tmp) / "bench.sqlite")
        # one-time process costs (importing pandas, the SDK's lazy modules) are not per-trial costs
        lab.sweep(load_tasks("tool", limit=2), [CONFIG], name="warm-up", progress=False)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        first = lab.sweep(tasks, [CONFIG], repeats=repeats, name="bench", concurrency=args.concurrency,
                          progress=False)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        wall1 = time.perf_counter()
        rerun = lab.sweep(tasks, [CONFIG], repeats=repeats, name="bench", concurrency=args.concurrency,
                          progress=False)
        rerun_wall = time.perf_counter() - wall1
    if not (first["status"] == "ok").all() or not rerun["cached"].all():
        raise SystemExit("benchmark sweep did not finish cleanly")
    ideal = trials * args.latency / args.concurrency
    emu_cpu = emulator_cpu(tasks, repeats)
    floor = sdk_floor_cpu(tasks, repeats, args.concurrency)
    print(f"trials: {trials}  concurrency: {args.concurrency}  latency: {args.latency * 1000:.0f} ms (ttft)")
    print(f"wall: {wall:.3f} s  ideal: {ideal:.3f} s  ratio: {wall / ideal:.3f}  (target <= 1.25)")
    per = 1e3 / trials
    print(f"CPU per trial: {cpu * per:.2f} ms in process = emulator {emu_cpu * per:.2f} ms + SDK/httpx2 "
          f"{(floor - emu_cpu) * per:.2f} ms + labkit {(cpu - floor) * per:.2f} ms")
    print(f"CPU-bound floor of the wall time on one core: {cpu:.3f} s (SDK + emulator alone: {floor:.3f} s)")
    print(f"rerun from the store: {rerun_wall:.3f} s  speed-up: {wall / rerun_wall:.0f}x  (target >= 50x)")


if __name__ == "__main__":
    main()
