"""How much labkit's stream conversion adds to the SDK's own cost of reading a stream.

Builds two recorded streams deterministically (2,000 and 20,000 SSE events: a thinking block, a
text block and a tool_use block whose JSON arrives in pieces), serves each through the official
SDK over an in-process ``httpx2.MockTransport``, and times, in alternating rounds:

- raw:    iterating the SDK's raw events (``client.messages.create(..., stream=True)``);
- labkit: the same, with ``accumulate(convert_stream(events))`` on top.

Both arms open the stream the way a user does (``client.messages.create(..., stream=True)``) and
consume it with a plain ``for`` loop (the raw arm directly, the labkit arm through the chunk
iterator that ``accumulate`` drains). Each arm is warmed up first. Every round runs each arm
``--repeats`` times, interleaved (which arm goes first alternates between rounds), each run after a
``gc.collect()`` and timed in CPU time (``time.process_time``, so that other jobs on a shared
machine count as little as possible); the fastest run of each arm in the round gives the round's
ratio, since interference only ever adds time.

Prints, per stream size: the per-event CPU microseconds of each arm (median over rounds), what
labkit adds per event, the median of the per-round ratios labkit / raw (the figure the target
applies to: <= 1.15) with its spread (the middle half of the per-round ratios), and whether the
target is met. Run: ``.venv/bin/python benchmarks/stream_overhead.py [--rounds N]``.
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

from labkit.accumulate import accumulate
from labkit.stream import convert_stream

MODEL = "claude-sonnet-5-5"
TARGET = 1.15


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
    """The same stream, converted chunk by chunk and accumulated into one completion."""
    completion = accumulate(convert_stream(_open(client)))
    if completion.choices[0].finish_reason != "tool_calls":
        raise RuntimeError("the benchmark stream did not convert as expected")
    return 0


def _timed(run: Callable[[anthropic.Anthropic], int], client: anthropic.Anthropic) -> float:
    """CPU seconds of one run: the work done, not the waits of a machine shared with other jobs."""
    gc.collect()
    start = time.process_time()
    run(client)
    return time.process_time() - start


def measure(total: int, rounds: int, repeats: int) -> dict[str, float]:
    """Per round: each arm ``repeats`` times, interleaved (raw, labkit, raw, labkit ... with the
    first arm alternating between rounds), the arm's fastest run kept (noise only ever adds time);
    the round's ratio is labkit / raw of those. Reports the medians over rounds."""
    client = make_client(sse_body(build_events(total)))
    if run_raw(client) != total:
        raise RuntimeError("the SDK did not yield every event")
    for _ in range(2):  # warm-up: both arms, caches and lazy imports
        run_raw(client)
        run_labkit(client)
    raw: list[float] = []
    ours: list[float] = []
    for i in range(rounds):
        pair: list[tuple[Callable[[anthropic.Anthropic], int], list[float]]] = [(run_raw, []), (run_labkit, [])]
        order = pair if i % 2 == 0 else pair[::-1]
        for _ in range(repeats):
            for run, times in order:
                times.append(_timed(run, client))
        raw.append(min(pair[0][1]))
        ours.append(min(pair[1][1]))
    ratios = [o / r for o, r in zip(ours, raw, strict=True)]
    quartiles = statistics.quantiles(ratios, n=4)
    return {
        "events": total,
        "raw_us": statistics.median(raw) / total * 1e6,
        "labkit_us": statistics.median(ours) / total * 1e6,
        "ratio": statistics.median(ratios),
        "q1": quartiles[0],
        "q3": quartiles[2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each arm per round (the fastest counts)")
    args = parser.parse_args()
    if args.rounds < 3 or args.repeats < 1:
        parser.error("--rounds must be at least 3 and --repeats at least 1")
    header = f"{'events':>8} {'SDK raw us/event':>17} {'+labkit us/event':>17} {'added us':>9} {'median ratio':>13}"
    print(f"{header} {'middle half':>13}  target <= {TARGET}")
    worst = 0.0
    for total in (2_000, 20_000):
        r = measure(total, args.rounds, args.repeats)
        worst = max(worst, r["ratio"])
        added = r["labkit_us"] - r["raw_us"]
        row = f"{total:>8} {r['raw_us']:>17.2f} {r['labkit_us']:>17.2f} {added:>9.2f} {r['ratio']:>13.3f}"
        verdict = "met" if r["ratio"] <= TARGET else "NOT met"
        print(f"{row} {r['q1']:>6.3f}-{r['q3']:<6.3f}  {verdict}")
    print(f"target ratio <= {TARGET}: {'met' if worst <= TARGET else 'NOT met'} (worst median ratio {worst:.3f})")


if __name__ == "__main__":
    main()
