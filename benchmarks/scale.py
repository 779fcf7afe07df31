"""Scale benchmark: sweeps of 1k to 50k trials against the in-process emulator, figures side by side.

Prints, in one run (targets from the "sweeps at scale" issue):

1. **CPU per trial**: a zero-latency sweep's process CPU split into the floor (the SDK streaming the
   same requests from the same in-process emulator, no labkit: `sweep.sdk_floor_cpu`) and labkit's
   share on top (target <= 0.35 ms); the median of three rounds, each round's share printed (one
   round moves by a few hundredths of a millisecond); and that round's labkit share by step:
   deriving each row, building the texts it stores, and the commits that claim and store trials
   (one per turn of the event loop), each step's CPU summed by a timer around it during the same
   sweep, and the rest.
2. **Wall vs CPU** of a zero-latency 10k sweep (target <= 1.2: no stalls, e.g. on a rate limit).
3. **Peak RSS** of 1k / 10k / 50k-trial sweeps, each in a fresh child process: RSS before the sweep
   and the peak during it (target at 50k: within 150 MB of before).
4. **`lab.results()`** on the stores of the 10k and 50k sweeps vs a Parquet read of the same frame
   (pyarrow; target <= 3x at 50k).
5. **Wall / ideal** at concurrency 32 and 128 with 50 ms latency (ideal: trials x latency / concurrency).

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000,50000] [--trials 2000] [--rounds 3]

Figures vary with the machine's other load (printed); run it on a quiet machine for the record.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep import CONFIG, sdk_floor_cpu

from labkit.emulator import Emulator, LatencyProfile
from labkit.lab._client import emulator_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.tasks import load_tasks

TASKS = [t for t in load_tasks() if t.category != "tool"][:100]
WARM_UP = Config(model=CONFIG.model, max_tokens=CONFIG.max_tokens - 1)
"""The warm-up sweeps' config: not the timed one, so their trials have other keys."""
CHILD = "--child"


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sweep(lab: Lab, trials: int, name: str, concurrency: int = 16, config: Config = CONFIG) -> Any:
    return lab.sweep(TASKS, [config], repeats=max(1, trials // len(TASKS)), name=name, concurrency=concurrency,
                     progress=False)  # fmt: skip


def _warm_up(lab: Lab, trials: int, concurrency: int = 16) -> None:
    """Imports and first-use costs paid before the timed sweep, on trials of their own: another
    config, so no timed trial is a copy of a warm-up one (those send no request)."""
    _sweep(lab, trials, "warm-up", concurrency, WARM_UP)


def child(trials: int, store: str) -> None:
    """In a fresh process: one sweep of ``trials``; prints RSS before, peak during, wall and CPU."""
    lab = Lab(backend=emulator_backend(Emulator()), store=store)
    _warm_up(lab, 200)
    gc.collect()
    before = _rss_mb()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _rss_mb())

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    frame = _sweep(lab, trials, "scale")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    stop.set()
    watcher.join()
    peak[0] = max(peak[0], _rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({"trials": len(frame), "before_mb": before, "peak_mb": peak[0], "wall": wall, "cpu": cpu,
                      "ok": bool((frame["status"] == "ok").all())}))  # fmt: skip


def run_child(trials: int, store: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, CHILD, str(trials), str(store)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


STEPS = (("deriving rows", "labkit.lab._lab", None, "finish_trial"),
         ("texts to store", "labkit.lab._group_commit", None, "trial_writes"),
         ("commits (claims and trials)", "labkit.lab._store", "Store", "transaction"))  # fmt: skip
"""labkit's steps per trial: (label, module, class or None, function) timed during the CPU sweep."""


@contextmanager
def step_timers() -> Iterator[dict[str, float]]:
    """CPU seconds spent inside each of `STEPS` while the block runs (the functions are wrapped, then restored)."""
    import importlib

    spent = {label: 0.0 for label, *_ in STEPS}
    restore = []
    for label, module_name, class_name, name in STEPS:
        module = importlib.import_module(module_name)
        owner = getattr(module, class_name) if class_name else module
        original = getattr(owner, name)

        def timed(*args: Any, _label: str = label, _original: Any = original, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - start

        setattr(owner, name, timed)
        restore.append((owner, name, original))
    try:
        yield spent
    finally:
        for owner, name, original in restore:
            setattr(owner, name, original)


def cpu_split(trials: int) -> tuple[float, float, dict[str, float]]:
    """(floor, labkit, labkit's steps) CPU ms per trial of a zero-latency in-process sweep."""
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(backend=emulator_backend(Emulator()), store=Path(tmp) / "cpu.sqlite")
        _warm_up(lab, 200)
        gc.collect()
        with step_timers() as spent:
            cpu0 = time.process_time()
            frame = _sweep(lab, trials, "cpu")
            cpu = time.process_time() - cpu0
    if not (frame["status"] == "ok").all():  # a sweep of failed trials would look cheap
        raise SystemExit(f"the CPU sweep did not finish cleanly: {frame['error_type'].value_counts().to_dict()}")
    repeats = max(1, trials // len(TASKS))
    floor = sdk_floor_cpu(lambda: emulator_backend(Emulator()).async_client(), TASKS, repeats, 16)
    per = 1e3 / len(frame)
    return floor * per, (cpu - floor) * per, {label: s * per for label, s in spent.items()}


def results_vs_parquet(store: Path, tmp: Path) -> tuple[float, float, int]:
    """(lab.results() seconds, Parquet read seconds of the same frame, rows), best of three each."""
    import pandas as pd

    lab = Lab(backend=emulator_backend(Emulator()), store=store)
    frame = lab.results("scale")
    parquet = tmp / f"{store.stem}.parquet"
    frame.to_parquet(parquet)

    def best(fn: Any) -> float:
        times = []
        for _ in range(3):
            gc.collect()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    return best(lambda: lab.results("scale")), best(lambda: pd.read_parquet(parquet)), len(frame)


def concurrency_ratio(trials: int, concurrency: int, latency: float = 0.05) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(backend=emulator_backend(Emulator(latency=LatencyProfile(name="bench", ttft_s=latency))),
                  store=Path(tmp) / "conc.sqlite")  # fmt: skip
        _warm_up(lab, 100, concurrency)
        start = time.perf_counter()
        frame = _sweep(lab, trials, "conc", concurrency)
        wall = time.perf_counter() - start
    return wall / (len(frame) * latency / concurrency)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="trial counts for the RSS sweeps")
    parser.add_argument("--trials", type=int, default=2000, help="trials for the CPU split and concurrency runs")
    parser.add_argument("--rounds", type=int, default=3, help="CPU split rounds (the median is reported: one run "
                        "moves by a few hundredths of a millisecond)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"cores: {os.cpu_count()}  load average: {os.getloadavg()[0]:.2f}")
    met: list[bool] = []

    rounds = sorted((cpu_split(args.trials) for _ in range(args.rounds)), key=lambda r: r[1])
    floor, labkit, steps = rounds[len(rounds) // 2]  # the median round by labkit's share
    met.append(labkit <= 0.35)
    spread = f"; rounds {', '.join(f'{r[1]:.3f}' for r in rounds)}" if len(rounds) > 1 else ""
    print(f"1. CPU per trial ({args.trials} trials, zero latency, median of {len(rounds)} rounds): SDK + emulator "
          f"floor {floor:.3f} ms, labkit {labkit:.3f} ms{spread}  (target labkit <= 0.35 ms: {verdict(met[-1])})")
    parts = ", ".join(f"{label} {ms:.3f}" for label, ms in steps.items())
    print(f"   labkit's share by step (ms): {parts}, the rest (reading streams, rate gate, runner) "
          f"{labkit - sum(steps.values()):.3f}")

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        runs = {n: run_child(n, tmp / f"s{n}.sqlite") for n in sizes}
        biggest = max(sizes)
        for n, r in runs.items():
            ratio = r["wall"] / r["cpu"]
            line = (f"   {r['trials']:>6} trials: RSS before {r['before_mb']:.0f} MB, peak {r['peak_mb']:.0f} MB "
                    f"(+{r['peak_mb'] - r['before_mb']:.0f} MB); wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s, "
                    f"wall/CPU {ratio:.2f}")  # fmt: skip
            if n == 10_000:
                met.append(ratio <= 1.2)
                line += f"  (10k target wall/CPU <= 1.2: {verdict(met[-1])})"
            if n == biggest:
                met.append(r["peak_mb"] - r["before_mb"] <= 150)
                line += f"  (target peak within 150 MB: {verdict(met[-1])})"
            print(("2/3." if n == sizes[0] else "    ") + line)
        for n in sizes:
            if n < 10_000:
                continue
            results_s, parquet_s, rows = results_vs_parquet(tmp / f"s{n}.sqlite", tmp)
            ratio = results_s / parquet_s
            line = (f"4. lab.results() at {rows} rows: {results_s * 1e3:.0f} ms vs Parquet read "
                    f"{parquet_s * 1e3:.0f} ms = {ratio:.1f}x")  # fmt: skip
            if n == biggest:
                met.append(ratio <= 3.0)
                line += f"  (target <= 3x: {verdict(met[-1])})"
            print(line)

    for concurrency in (32, 128):
        ratio = concurrency_ratio(args.trials, concurrency)
        print(f"5. {args.trials} trials, 50 ms latency, concurrency {concurrency}: wall / ideal {ratio:.2f}")
    print(f"targets met: {sum(met)} of {len(met)}  (load average now: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == CHILD:
        child(int(sys.argv[2]), sys.argv[3])
    else:
        main()
