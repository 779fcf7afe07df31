"""How much labkit's stream conversion adds to the SDK's own cost of reading a stream.

Builds two recorded streams deterministically (2,000 and 20,000 SSE events: a thinking block, a
text block and a tool_use block whose JSON arrives in pieces), serves each through the official
SDK over an in-process ``httpx2.MockTransport``, and times, in rotating rounds:

- raw:         iterating the SDK's raw events (``client.messages.create(..., stream=True)``), each
               one a typed pydantic event the SDK builds;
- labkit:      ``accumulate(convert_stream(stream))`` on the same SDK stream (target <= 1.15).
               Handed a stream nobody has iterated, ``accumulate`` asks it for its completion,
               which runs every event through the converter without building the body chunks
               nobody would see (`labkit.convert._chunk_stream`);
- every chunk: a display loop, ``for chunk in convert_stream(stream)`` (every chunk built, three
               to five pydantic objects per delta), then ``stream.completion()`` (target <= 1.10).

On an SDK stream nobody has read, labkit reads the stream's own decoder and parses each event to
a dict instead of having the SDK build a typed event it would only take apart
(`labkit.convert._sdk_events`), so both arms cost less than the SDK's own iteration. The two
"typed" arms hand labkit ``iter(stream)`` instead, the SDK's typed events, which labkit cannot
bypass: what the converter and the chunks cost on top of the SDK's objects stays on record (no
target; the chunks themselves are no cheaper than before).

Every arm opens the stream the way a user does and is warmed up first. Every round runs each arm
``--repeats`` times, interleaved (which arm goes first rotates between rounds), each run after a
``gc.collect()`` and timed in CPU time (``time.process_time``, so that other jobs on a shared
machine count as little as possible); the fastest run of each arm in the round gives the round's
ratios, since interference only ever adds time.

Prints, per stream size and arm: the per-event CPU microseconds (median over rounds), what the arm
adds per event, the median of the per-round ratios arm / raw with its spread (the middle half of
the per-round ratios), and whether the arm's target is met. Run:
``.venv/bin/python benchmarks/stream_overhead.py [--rounds N]``.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2

from labkit.convert._accumulate import accumulate
from labkit.convert._convert_stream import convert_stream
from labkit.core._wire import ChatCompletion

MODEL = "claude-sonnet-5-5"
TARGETS = {"labkit": 1.15, "every chunk": 1.10}
"""Per arm, the ratio to the SDK's raw iteration it must stay within (the typed arms have none)."""


def build_events(total: int) -> list[dict[str, Any]]:
    """A complete, valid stream of exactly ``total`` events: thinking, text, then a tool call."""
    framing = 10  # message start/delta/stop, 3 block starts and stops, the signature
    per_block = (total - framing) // 3
    extra = (total - framing) - 3 * per_block
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_bench",
                "type": "message",
                "role": "assistant",
                "model": MODEL,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 120, "cache_read_input_tokens": 0, "output_tokens": 1},
            },
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
    ]
    events += [_delta(0, "thinking_delta", "thinking", f"step {i}: carry the {i % 10}. ") for i in range(per_block)]
    events += [
        _delta(0, "signature_delta", "signature", "EqQBCkYIBxgCKkBsig-bench"),
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    ]
    events += [_delta(1, "text_delta", "text", f"word{i} ") for i in range(per_block + extra)]
    events += [
        {"type": "content_block_stop", "index": 1},
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "toolu_bench", "name": "record", "input": {}},
        },
    ]
    events += [_delta(2, "input_json_delta", "partial_json", piece) for piece in _json_pieces(per_block)]
    events += [
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": total, "output_tokens_details": {"thinking_tokens": per_block}},
        },
        {"type": "message_stop"},
    ]
    if len(events) != total:
        raise RuntimeError(f"built {len(events)} events, wanted {total}")
    return events


def _delta(index: int, kind: str, field: str, value: str) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": {"type": kind, field: value}}


def _json_pieces(count: int) -> list[str]:
    """``count`` pieces whose concatenation is one JSON object, cut at arbitrary places."""
    pieces = ['{"items": [']
    pieces += [f'"it{i}", ' for i in range(count - 2)]
    pieces.append('"last"]}')
    return pieces


def sse_body(events: list[dict[str, Any]]) -> bytes:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def make_client(body: bytes) -> anthropic.Anthropic:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    transport = httpx2.MockTransport(handler)
    return anthropic.Anthropic(
        api_key="test-key", base_url="http://emulator.local", http_client=httpx2.Client(transport=transport)
    )


def _open(client: anthropic.Anthropic) -> Any:
    return client.messages.create(
        model=MODEL, max_tokens=64000, messages=[{"role": "user", "content": "bench"}], stream=True
    )


def run_raw(client: anthropic.Anthropic) -> int:
    """The SDK's own cost: iterate its raw events, as a user would."""
    count = 0
    for _event in _open(client):
        count += 1
    return count


def run_labkit(client: anthropic.Anthropic) -> int:
    """The target's arm: the stream converted and accumulated into one completion."""
    _check(accumulate(convert_stream(_open(client))))
    return 0


def run_every_chunk(client: anthropic.Anthropic) -> int:
    """A display loop: every chunk built and looked at, then the stream's completion."""
    stream = convert_stream(_open(client))
    count = 0
    for chunk in stream:
        count += len(chunk.choices)
    _check(stream.completion())
    return count


def run_labkit_typed(client: anthropic.Anthropic) -> int:
    """The labkit arm fed the SDK's typed events (``iter(stream)``: nothing labkit can bypass)."""
    _check(accumulate(convert_stream(iter(_open(client)))))
    return 0


def run_every_chunk_typed(client: anthropic.Anthropic) -> int:
    """The display loop fed the SDK's typed events."""
    stream = convert_stream(iter(_open(client)))
    count = 0
    for chunk in stream:
        count += len(chunk.choices)
    _check(stream.completion())
    return count


def _check(completion: ChatCompletion) -> None:
    if completion.choices[0].finish_reason != "tool_calls" or not completion.choices[0].message.content:
        raise RuntimeError("the benchmark stream did not convert as expected")


ARMS: list[tuple[str, Callable[[anthropic.Anthropic], int]]] = [
    ("raw", run_raw),
    ("labkit", run_labkit),
    ("every chunk", run_every_chunk),
    ("labkit typed", run_labkit_typed),
    ("chunks typed", run_every_chunk_typed),
]


def _timed(run: Callable[[anthropic.Anthropic], int], client: anthropic.Anthropic) -> float:
    """CPU seconds of one run: the work done, not the waits of a machine shared with other jobs."""
    gc.collect()
    start = time.process_time()
    run(client)
    return time.process_time() - start


def measure(total: int, rounds: int, repeats: int) -> dict[str, dict[str, float]]:
    """Per round: each arm ``repeats`` times, interleaved (the arms' order rotating between rounds),
    the arm's fastest run kept (noise only ever adds time); the round's ratio for an arm is its time
    over the raw arm's. Reports, per arm, the medians over rounds."""
    client = make_client(sse_body(build_events(total)))
    if run_raw(client) != total:
        raise RuntimeError("the SDK did not yield every event")
    for _ in range(2):  # warm-up: every arm, caches and lazy imports
        for _name, run in ARMS:
            run(client)
    best: dict[str, list[float]] = {name: [] for name, _ in ARMS}
    for i in range(rounds):
        shift = i % len(ARMS)
        order = ARMS[shift:] + ARMS[:shift]
        times: dict[str, list[float]] = {name: [] for name, _ in ARMS}
        for _ in range(repeats):
            for name, run in order:
                times[name].append(_timed(run, client))
        for name, values in times.items():
            best[name].append(min(values))
    report: dict[str, dict[str, float]] = {}
    for name, _ in ARMS[1:]:
        ratios = [o / r for o, r in zip(best[name], best["raw"], strict=True)]
        quartiles = statistics.quantiles(ratios, n=4)
        report[name] = {
            "raw_us": statistics.median(best["raw"]) / total * 1e6,
            "arm_us": statistics.median(best[name]) / total * 1e6,
            "ratio": statistics.median(ratios),
            "q1": quartiles[0],
            "q3": quartiles[2],
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each arm per round (the fastest counts)")
    args = parser.parse_args()
    if args.rounds < 3 or args.repeats < 1:
        parser.error("--rounds must be at least 3 and --repeats at least 1")
    header = f"{'events':>8} {'arm':<12} {'SDK raw us/event':>17} {'arm us/event':>13} {'added us':>9}"
    print(f"{header} {'median ratio':>13} {'middle half':>13}")
    worst = dict.fromkeys(TARGETS, 0.0)
    for total in (2_000, 20_000):
        for name, r in measure(total, args.rounds, args.repeats).items():
            added = r["arm_us"] - r["raw_us"]
            row = f"{total:>8} {name:<12} {r['raw_us']:>17.2f} {r['arm_us']:>13.2f} {added:>9.2f} {r['ratio']:>13.3f}"
            target = TARGETS.get(name)
            if target is None:
                note = "(no target: the SDK's typed events)"
            else:
                worst[name] = max(worst[name], r["ratio"])
                note = f"target <= {target}: {'met' if r['ratio'] <= target else 'NOT met'}"
            print(f"{row} {r['q1']:>6.3f}-{r['q3']:<6.3f} {note}")
    for name, target in TARGETS.items():
        verdict = "met" if worst[name] <= target else "NOT met"
        print(f"target ratio <= {target} ({name} arm): {verdict} (worst median {worst[name]:.3f})")

if __name__ == "__main__":
    main()
