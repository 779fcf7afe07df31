"""How fast the labkit emulator answers: requests/s and SSE events/s, in process and over loopback.

    .venv/bin/python benchmarks/emulator_throughput.py [--seconds 2] [--threads 8]

Streamed Messages requests (thinking on, the task suites' prompts, one SSE event a chunk) are
driven through, in order:

1. the emulator core (`Emulator.handle`, chunks consumed) - cold, the headline "in process" figure:
   rounds of every prompt once, each round on a fresh emulator with the tokenizer's line memo
   cleared, so every request is planned, tokenized and rendered from scratch (one-time imports
   and task loading are paid by a throwaway request first); repeats: the same prompts again on
   the same emulator (each repeat is a new sample the model plans afresh; memos warm);
2. the in-process httpx2 transport, the body read chunk by chunk by a raw client;
3. the official SDK (``messages.stream`` + ``get_final_message``) in process - the SDK's own event
   parsing is what bounds this row, not the emulator;
4. loopback HTTP on 127.0.0.1 with raw httpx2 clients (1 and N threads): the server in a thread of
   this process (`serve_in_thread`; client and server share one GIL), then ``labkit emulator`` in
   its own process.

Target: >= 50,000 events/s in process, cold. Prints one line per row, then the headline figure
and whether the target is met.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2

from labkit.emulator import Emulator
from labkit.emulator.serving._server import serve_in_thread
from labkit.emulator.serving._transport import EmulatorTransport
from labkit.tasks import load_tasks
from labkit.tokens._tokenizer import clear_memo

HEADERS = {"x-api-key": "benchmark-fake-key", "anthropic-version": "2026-10-21", "content-type": "application/json"}
MODEL = "claude-sonnet-4-6"
TARGET_EVENTS_PER_S = 50_000
WIRE_EVENTS = {"message_start", "content_block_start", "content_block_delta", "content_block_stop",
               "message_delta", "message_stop"}


def request_bodies() -> list[dict[str, Any]]:
    return [
        {"model": MODEL, "max_tokens": 16000, "stream": True, "thinking": {"type": "enabled", "budget_tokens": 8000},
         "messages": [{"role": "user", "content": task.prompt}]}
        for task in load_tasks()
    ]


def line(label: str, requests: int, events: int, elapsed: float, note: str = "") -> float:
    """Print one row; returns events/s."""
    rate = events / elapsed
    print(f"{label:<44} {requests / elapsed:>9,.0f} req/s {rate:>11,.0f} events/s "
          f"({events / max(requests, 1):.0f} events/req, {requests} requests{note})")
    return rate


def measure(label: str, step: Callable[[int], int], seconds: float) -> float:
    """Call ``step(i)`` (returning events it produced) until ``seconds`` pass; returns events/s."""
    start, requests, events = time.perf_counter(), 0, 0
    while time.perf_counter() - start < seconds:
        events += step(requests)
        requests += 1
    return line(label, requests, events, time.perf_counter() - start)


def _answer(emulator: Emulator, body: bytes) -> int:
    response = emulator.handle("POST", "/v1/messages", HEADERS, body)
    return sum(1 for _ in response.chunks or ())


def core(bodies: list[bytes], seconds: float) -> float:
    """The cold rounds and the repeats; returns the cold events/s (the headline figure)."""
    _answer(Emulator(), bodies[0])  # one-time imports and task loading, not part of any round
    requests = events = rounds = 0
    elapsed = 0.0
    emulator = Emulator()
    while rounds < 3 or elapsed < seconds:
        clear_memo()
        emulator = Emulator()
        start = time.perf_counter()
        events += sum(_answer(emulator, body) for body in bodies)
        elapsed += time.perf_counter() - start
        requests += len(bodies)
        rounds += 1
    cold = line("core, cold (every request new)", requests, events, elapsed, f", {rounds} fresh rounds")
    measure("core, repeats (new samples, memos warm)", lambda i: _answer(emulator, bodies[i % len(bodies)]), seconds)
    return cold


def transport(bodies: list[bytes], seconds: float) -> None:
    emulator = Emulator()
    with httpx2.Client(transport=EmulatorTransport(emulator.handle), base_url=emulator.base_url) as http:

        def step(i: int) -> int:
            with http.stream("POST", "/v1/messages", content=bodies[i % len(bodies)], headers=HEADERS) as response:
                return sum(chunk.count(b"\n\n") for chunk in response.iter_raw())

        measure("httpx2 transport in process, raw reader", step, seconds)


def sdk(params: list[dict[str, Any]], seconds: float) -> None:
    emulator = Emulator()
    client = emulator.client()

    def step(i: int) -> int:
        kwargs = {k: v for k, v in params[i % len(params)].items() if k != "stream"}
        with client.messages.stream(**kwargs) as stream:
            count = sum(1 for event in stream if event.type in WIRE_EVENTS)  # not the SDK's derived events
            stream.get_final_message()
        return count

    measure("official SDK in process (SDK-bound)", step, seconds)
    client.close()


@contextmanager
def server_process() -> Iterator[str]:
    """``labkit emulator --port 0`` in its own process (so client and server do not share a GIL)."""
    command = [sys.executable, "-m", "labkit", "emulator", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().strip().rsplit(" ", 1)[-1]
        finally:
            process.terminate()
            process.wait(timeout=10)


def loopback(bodies: list[bytes], seconds: float, threads: int, *, separate: bool) -> None:
    where = "server process" if separate else "server thread"
    with server_process() if separate else serve_in_thread(Emulator()) as url:

        def one(http: httpx2.Client, i: int) -> int:
            with http.stream("POST", "/v1/messages", content=bodies[i % len(bodies)], headers=HEADERS) as response:
                return sum(chunk.count(b"\n\n") for chunk in response.iter_raw())

        with httpx2.Client(base_url=url) as http:
            for i in range(len(bodies)):
                one(http, i)
            measure(f"loopback HTTP ({where}), 1 client", lambda i: one(http, i), seconds)
        totals = [0, 0]
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def worker(offset: int) -> None:
            with httpx2.Client(base_url=url) as http:
                i = offset
                while time.perf_counter() < stop:
                    events = one(http, i)
                    with lock:
                        totals[0] += 1
                        totals[1] += events
                    i += threads

        start = time.perf_counter()
        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - start
        print(f"{f'loopback HTTP ({where}), {threads} client threads':<44} {totals[0] / elapsed:>9,.0f} req/s "
              f"{totals[1] / elapsed:>11,.0f} events/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per row (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="client threads for the loopback row")
    args = parser.parse_args()
    params = request_bodies()
    bodies = [json.dumps(p).encode() for p in params]
    print(f"{len(bodies)} distinct streamed requests ({MODEL}, thinking enabled, budget 8000)")
    cold = core(bodies, args.seconds)
    transport(bodies, args.seconds)
    sdk(params, args.seconds)
    loopback(bodies, args.seconds, args.threads, separate=False)
    loopback(bodies, args.seconds, args.threads, separate=True)
    verdict = "met" if cold >= TARGET_EVENTS_PER_S else "NOT met"
    print(f"in process (cold core, headline): {cold:,.0f} events/s; "
          f"target >= {TARGET_EVENTS_PER_S:,} events/s: {verdict}")


if __name__ == "__main__":
    main()
