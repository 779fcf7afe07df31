"""``via="batch"``: Message Batches against the emulator, split by the limits, merged at the batch price."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.convert._accumulate import accumulate
from labkit.convert._convert_stream import convert_stream
from labkit.convert._response import to_chat_completion
from labkit.emulator import Emulator
from labkit.lab._batches import message_events, run_batches, split_requests
from labkit.lab._client import emulator_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.lab._sweep_specs import build_specs, finish_trial, normalise_tasks
from labkit.tasks import load_tasks

HAIKU = Config(model="claude-haiku-4-5", max_tokens=2048, thinking={"mode": "budget", "budget_tokens": 1024})


def test_batch_rows_match_streamed_rows_at_half_price(tmp_path: Path) -> None:
    tasks = load_tasks("arithmetic", limit=5)
    streamed = Lab(backend=emulator_backend(Emulator()), store=tmp_path / "s.sqlite").sweep(tasks, [HAIKU], name="b")
    emulator = Emulator()
    lab = Lab(backend=emulator_backend(emulator), store=tmp_path / "b.sqlite")
    batched = lab.sweep(tasks, [HAIKU], name="b", via="batch", poll_interval=0)
    assert emulator.counters["messages"] == 0, "batch trials go through the batches endpoint only"
    assert batched["batch"].all() and set(batched["status"]) == {"ok"}
    assert batched["trial_key"].tolist() == streamed["trial_key"].tolist()
    for column in ("output_tokens", "thinking_tokens", "input_tokens", "answer", "correct"):
        assert batched[column].tolist() == streamed[column].tolist(), column
    assert batched["cost_usd"].tolist() == pytest.approx((streamed["cost_usd"] * 0.5).tolist())
    rerun = lab.sweep(tasks, [HAIKU], name="b", via="batch", poll_interval=0)
    assert rerun["cached"].all()
    before = lab.results("b")
    pd.testing.assert_frame_equal(lab.rederive("b"), before)


def test_batches_split_at_the_request_limit_and_tool_tasks_take_rounds(tmp_path: Path) -> None:
    emulator = Emulator()
    backend = emulator_backend(emulator)
    lab = Lab(backend=backend, store=tmp_path / "b.sqlite")
    tasks = [*load_tasks("arithmetic", limit=5), *load_tasks("tool", limit=2)]
    specs = build_specs("split", "emulator", normalise_tasks(tasks), [HAIKU], repeats=1)
    trials = run_batches(backend, lab.store, specs, poll_interval=0, max_requests=3,
                         finish=lambda spec, turns: finish_trial("emulator", spec, turns, batch=True))
    assert len(trials) == 7 and {t.status for t in trials} == {"ok"}
    batch_ids = [b.id for b in backend.client().messages.batches.list(limit=100)]
    assert len(batch_ids) >= 3 + 1, "7 first-turn requests in groups of 3, then the tool rounds"
    assert all(t.tool_calls >= 1 for t in trials if t.task_id and t.task_id.startswith("tool"))
    assert len(lab.store.rows("split")) == 7


@given(st.lists(st.integers(min_value=1, max_value=300), max_size=40), st.integers(1, 7), st.integers(50, 2000))
def test_split_requests_respects_both_limits(sizes: list[int], max_requests: int, max_bytes: int) -> None:
    requests: list[dict[str, Any]] = [{"custom_id": str(i), "params": {"x": "a" * n}} for i, n in enumerate(sizes)]
    groups = list(split_requests(requests, max_requests=max_requests, max_bytes=max_bytes))
    assert [r for g in groups for r in g] == requests
    for group in groups:
        assert 1 <= len(group) <= max_requests
        size = sum(len(json.dumps(r, separators=(",", ":")).encode()) + 1 for r in group)
        assert len(group) == 1 or size <= max_bytes


def test_message_events_replay_to_the_same_completion() -> None:
    client = Emulator().client()
    params = HAIKU.prepare([{"role": "user", "content": load_tasks("tool", limit=1)[0].prompt}],
                           [{"type": "function", "function": {"name": "calculator", "parameters": {
                               "type": "object", "properties": {"expression": {"type": "string"}}}}}])
    message = client.messages.create(**params).to_dict()
    replayed = accumulate(convert_stream([{k: v for k, v in e.items() if k != "t"} for e in message_events(message)]))
    direct = to_chat_completion(message)
    assert replayed.choices[0].message.content == direct.choices[0].message.content
    assert replayed.choices[0].message.tool_calls == direct.choices[0].message.tool_calls
    assert replayed.choices[0].message.thinking_blocks == direct.choices[0].message.thinking_blocks
    assert replayed.usage == direct.usage
