"""``via="batch"``: trials as Message Batches, polled with progress, merged into the same store.

Each round submits one request per pending trial (``custom_id`` = its trial key), split into
batches of at most `MAX_REQUESTS` requests and `MAX_BYTES` of JSON; polls every batch until it
ends; downloads the results; and turns each result into the same shape a streamed turn has (the
`Message` is replayed as its equivalent stream events, so `lab.rederive` treats batch rows exactly
like streamed ones). Tool tasks take one round per tool turn. Finished trials are committed as
their results arrive, priced at the batch discount (``batch=True`` rows). Errored, canceled or
expired results are stored as ``status="error"`` with that type.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.lab._backends import Backend
from labkit.lab._client import RecordedStream, turn_events
from labkit.lab._runner import TrialSpec, make_progress
from labkit.lab._store import Store
from labkit.lab._trial import Trial

MAX_REQUESTS = 100_000
MAX_BYTES = 256 * 1024 * 1024
TRANSPORT_ONLY = ("stream", "extra_headers", "extra_query", "timeout")


@dataclass
class _Pending:
    spec: TrialSpec
    params: dict[str, Any]
    messages: list[dict[str, Any]]
    turns: list[RecordedStream] = field(default_factory=list)


def split_requests(requests: list[dict[str, Any]], *, max_requests: int = MAX_REQUESTS,
                   max_bytes: int = MAX_BYTES) -> Iterator[list[dict[str, Any]]]:
    """Consecutive groups within both limits (a single request above ``max_bytes`` goes alone)."""
    group: list[dict[str, Any]] = []
    size = 0
    for request in requests:
        n = len(json.dumps(request, separators=(",", ":")).encode("utf-8")) + 1
        if group and (len(group) >= max_requests or size + n > max_bytes):
            yield group
            group, size = [], 0
        group.append(request)
        size += n
    if group:
        yield group


def message_events(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The stream events equivalent to a finished ``Message`` dict (``t`` = 0: no timings in a batch)."""
    usage = dict(message.get("usage") or {})
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": {**usage, "output_tokens": 0}}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(message.get("content") or []):
        events += _block_events(index, dict(block))
    delta = {"stop_reason": message.get("stop_reason"), "stop_sequence": message.get("stop_sequence")}
    delta.update({k: message[k] for k in ("stop_details", "container") if message.get(k) is not None})
    final: dict[str, Any] = {"type": "message_delta", "usage": usage, "delta": delta}
    if message.get("context_management") is not None:
        final["context_management"] = message["context_management"]
    events.append(final)
    events.append({"type": "message_stop"})
    return [{**e, "t": 0.0} for e in events]


def _block_events(index: int, block: dict[str, Any]) -> list[dict[str, Any]]:
    kind = block.get("type")
    deltas: list[dict[str, Any]] = []
    if kind == "text":
        start = {**block, "text": ""}
        deltas = [{"type": "text_delta", "text": block.get("text", "")}]
    elif kind == "thinking":
        start = {**block, "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": block.get("thinking", "")},
                  {"type": "signature_delta", "signature": block.get("signature", "")}]
    elif kind == "tool_use":
        start = {**block, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block.get("input") or {})}]
    else:
        start = block
    return [{"type": "content_block_start", "index": index, "content_block": start},
            *({"type": "content_block_delta", "index": index, "delta": d} for d in deltas),
            {"type": "content_block_stop", "index": index}]


def _record(pending: _Pending, result: Mapping[str, Any]) -> RecordedStream:
    from labkit.convert import StreamConverter, accumulate

    record = RecordedStream(params=pending.params)
    kind = result.get("type")
    if kind == "succeeded":
        record.events = message_events(result["message"])
        converter = StreamConverter(inner_thoughts=pending.spec.config.inner_thoughts)
        record.chunks = [c for e in record.events for c in converter.feed({k: v for k, v in e.items() if k != "t"})]
        record.completion = accumulate(record.chunks)
    else:
        error = ((result.get("error") or {}).get("error") or {}) if kind == "errored" else {}
        record.error_type = error.get("type") or str(kind)
        record.error_message = error.get("message") or f"batch result {kind}"
        record.error = RuntimeError(record.error_message)
    return record


def run_batches(backend: Backend, store: Store, specs: list[TrialSpec], *,
                finish: Callable[[TrialSpec, list[RecordedStream]], Trial], poll_interval: float = 5.0,
                progress: bool | None = None, max_turns: int = 8, max_requests: int = MAX_REQUESTS,
                max_bytes: int = MAX_BYTES) -> list[Trial]:
    """Run ``specs`` through Message Batches; every finished trial is stored as it is merged."""
    from labkit.lab._sweep_specs import next_turn

    client = backend.client()
    pending = {s.key: _Pending(s, dict(s.params), list(s.messages)) for s in specs}
    trials: list[Trial] = []
    bar = make_progress(len(specs), progress)
    try:
        for _ in range(max_turns):
            if not pending:
                break
            requests = [{"custom_id": key, "params": {k: v for k, v in p.params.items() if k not in TRANSPORT_ONLY}}
                        for key, p in pending.items()]
            for group in split_requests(requests, max_requests=max_requests, max_bytes=max_bytes):
                batch = client.messages.batches.create(requests=group)  # type: ignore[arg-type]
                while batch.processing_status != "ended":
                    time.sleep(poll_interval)
                    batch = client.messages.batches.retrieve(batch.id)
                for entry in client.messages.batches.results(batch.id):
                    state = pending.get(entry.custom_id)
                    if state is None:
                        continue
                    record = _record(state, entry.result.to_dict())
                    state.turns.append(record)
                    following = next_turn(state.spec, state.messages, record) if record.ok else None
                    if following is not None and len(state.turns) < max_turns:
                        state.messages = following
                        state.params = state.spec.config.prepare(following, state.spec.tools)
                        continue
                    trial = finish(state.spec, state.turns)
                    store.put_trial(state.spec.experiment, trial, params=state.spec.params,
                                    knobs=state.spec.config.trial_knobs().as_dict(), completion=trial.completion,
                                    events=turn_events(state.turns))
                    trials.append(trial)
                    del pending[entry.custom_id]
                    bar.update(1)
    finally:
        bar.close()
    return trials
