"""derive_trial / rederive_rows: a Trial recomputed from recorded events, with no request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.core._catalog import get_model
from labkit.lab._derive import derive_trial, merged_usage, rederive_rows, tool_call_stats
from labkit.lab._store import Store
from labkit.lab._trial import Knobs
from labkit.tasks import Task
from labkit.tokens._cost import TokenRecord, price
from labkit.tokens._tokenizer import count_tokens

STREAMS = Path(__file__).parent / "fixtures" / "streams"  # the reference transcripts, kept in the repo
TASK = Task(id="arith-7", prompt="What is 17 * 23?", answer="391", category="arithmetic")
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Weather for a place.",
    "input_schema": {
        "type": "object",
        "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["location"],
    },
}


def sse_events(name: str, step: float = 0.1) -> list[dict[str, Any]]:
    """The data payloads of a reference SSE transcript, stamped ``t`` = step, 2 * step, ..."""
    lines = (STREAMS / name).read_text().splitlines()
    payloads = [json.loads(line[len("data: ") :]) for line in lines if line.startswith("data: ")]
    return [{**p, "t": round(step * (i + 1), 6)} for i, p in enumerate(payloads)]


def stream(
    blocks: list[tuple[str, Any]],
    *,
    model: str = "claude-sonnet-5-5",
    usage: dict[str, Any] | None = None,
    final: dict[str, Any] | None = None,
    stop_reason: str = "end_turn",
    step: float = 0.5,
    ended: bool = True,
) -> list[dict[str, Any]]:
    """Hand-built stream events (as on the wire) for blocks ("thinking", text) / ("text", text) /
    ("tool", (name, input_json)), each event stamped with ``t``."""
    start_usage = {"input_tokens": 100, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                   "output_tokens": 1, **(usage or {})}  # fmt: skip
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {"id": "msg_synth_x", "type": "message", "role": "assistant",
         "model": model, "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}},
    ]  # fmt: skip
    for i, (kind, body) in enumerate(blocks):
        if kind == "thinking":
            events += [
                {"type": "content_block_start", "index": i, "content_block": {"type": "thinking", "thinking": "",
                                                                               "signature": ""}},
                {"type": "content_block_delta", "index": i, "delta": {"type": "thinking_delta", "thinking": body}},
                {"type": "content_block_delta", "index": i, "delta": {"type": "signature_delta", "signature": "sig"}},
            ]  # fmt: skip
        elif kind == "text":
            events += [
                {"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}},
                {"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": body}},
            ]
        else:
            name, args = body
            events += [
                {"type": "content_block_start", "index": i,
                 "content_block": {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": {}}},
                {"type": "content_block_delta", "index": i,
                 "delta": {"type": "input_json_delta", "partial_json": args}},
            ]  # fmt: skip
        events.append({"type": "content_block_stop", "index": i})
    events += [
        {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
         "usage": {"output_tokens": 50, **(final or {})}},
        {"type": "message_stop"},
    ]  # fmt: skip
    if not ended:
        events = events[:-2]
    return [{**e, "t": step * (i + 1)} for i, e in enumerate(events)]


def derive(events: list[dict[str, Any]], **kw: Any) -> Any:
    args: dict[str, Any] = {"trial_key": "k", "backend": "emulator", "model": "claude-sonnet-5-5",
                            "params": {"messages": []}, "knobs": Knobs(), "events": events}  # fmt: skip
    args.update(kw)
    return derive_trial(**args)


def test_reference_thinking_text_stream() -> None:
    events = sse_events("a_thinking_text.sse")
    trial = derive(events, knobs=Knobs(thinking_mode="adaptive", effort="high"))
    assert trial.status == "ok" and trial.error_type is None
    assert trial.completion.choices[0].message.content == "Yes, 97 is prime."
    assert trial.answer == "Yes, 97 is prime." and trial.correct is None  # no task: unscored
    assert trial.reasoning.startswith("The user asks whether 97 is prime.")
    assert trial.tokens == TokenRecord(input=42, output=187, thinking=160, visible=27)
    assert trial.cost == price(trial.tokens, get_model("claude-sonnet-5-5"))
    assert trial.stop_reason == "end_turn" and trial.events == len(events)
    t = {i: e["t"] for i, e in enumerate(events)}
    kinds = [e["type"] for e in events]
    first_delta = kinds.index("content_block_delta")
    stops = [i for i, k in enumerate(kinds) if k == "content_block_stop"]
    first_text = next(i for i, e in enumerate(events) if e.get("delta", {}).get("type") == "text_delta")
    assert trial.timings.ttft_s == pytest.approx(t[first_delta])
    assert trial.timings.thinking_s == pytest.approx(t[stops[0]] - t[1])
    assert trial.timings.answer_s == pytest.approx(t[len(events) - 1] - t[first_text])
    assert trial.timings.total_s == pytest.approx(t[len(events) - 1])


def test_reference_tool_stream_validity_against_the_request_tools() -> None:
    events = sse_events("b_thinking_tool.sse")
    good = derive(events, model="claude-opus-5-5", params={"tools": [WEATHER_TOOL]})
    assert good.status == "ok" and good.stop_reason == "tool_use"
    assert (good.tool_calls, good.tool_calls_valid) == (1, True)
    assert good.tokens is not None and (good.tokens.thinking, good.tokens.visible) == (41, 48)
    strict = {**WEATHER_TOOL, "input_schema": {**WEATHER_TOOL["input_schema"], "required": ["location", "date"]}}
    assert derive(events, params={"tools": [strict]}).tool_calls_valid is False
    assert derive(events, params={"tools": []}).tool_calls_valid is False
    assert tool_call_stats([None], {}) == (0, None)


def test_reference_redacted_stream_estimates_hidden_thinking() -> None:
    events = sse_events("c_redacted_text.sse")
    trial = derive(events, model="claude-sonnet-4-5-20250929")
    assert trial.status == "ok" and trial.answer == "Here is my answer." and trial.reasoning is None
    assert trial.tokens is not None and trial.tokens.thinking_source == "estimated"
    assert trial.tokens.visible == count_tokens("Here is my answer.")
    assert trial.tokens.thinking == 96 - trial.tokens.visible
    blocks = trial.completion.choices[0].message.thinking_blocks
    assert blocks is not None and blocks[0].type == "redacted_thinking"
    assert trial.timings.thinking_s == pytest.approx(events[2]["t"] - events[1]["t"])


def test_task_is_scored_on_the_last_turn_and_tokens_and_cost_add_up_over_turns() -> None:
    turn0 = stream([("thinking", "Use the calculator."), ("tool", ("calculator", '{"expression": "17*23"}'))],
                   final={"output_tokens_details": {"thinking_tokens": 20}}, stop_reason="tool_use")  # fmt: skip
    turn1 = stream([("text", "The product is 391.\nAnswer: 391")], usage={"input_tokens": 300})
    events = [{**e, "turn": 0} for e in turn0] + [{**e, "turn": 1} for e in turn1]
    trial = derive(events, task=TASK, params={"tools": [{"name": "calculator", "input_schema": {
        "type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}}]})  # fmt: skip
    assert trial.status == "ok" and trial.correct is True and trial.answer == "391"
    assert (trial.task_id, trial.category) == ("arith-7", "arithmetic")
    assert (trial.tool_calls, trial.tool_calls_valid) == (1, True)
    assert trial.tokens.input == 400 and trial.tokens.output == 100 and trial.tokens.thinking == 20
    sonnet = get_model("claude-sonnet-5-5")
    assert trial.cost.input_usd == pytest.approx(400 * sonnet.prices.input / 1e6)
    assert trial.timings.total_s == pytest.approx(turn0[-1]["t"] + turn1[-1]["t"])
    assert trial.completion.choices[0].message.content.endswith("Answer: 391")
    wrong = stream([("text", "Answer: 390")])
    assert derive(wrong, task=TASK).correct is False
    cut_off = derive(stream([("thinking", "17*23 = 17*20 + ")], stop_reason="max_tokens"), task=TASK)
    assert (cut_off.status, cut_off.stop_reason, cut_off.answer, cut_off.correct) == ("ok", "max_tokens", None, False)


def test_cache_breakdown_and_measured_total_time() -> None:
    usage = {"cache_creation_input_tokens": 600, "cache_read_input_tokens": 2000,
             "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 500}}  # fmt: skip
    trial = derive(stream([("text", "hi")], usage=usage), total_s=9.5)
    assert (trial.tokens.cache_write_5m, trial.tokens.cache_write_1h, trial.tokens.cache_read) == (100, 500, 2000)
    assert trial.timings.total_s == 9.5
    assert merged_usage([]) is None


def test_error_event_mid_stream_keeps_partial_completion_and_usage() -> None:
    events = stream([("text", "Partial ans")], ended=False)
    events.append({"type": "error", "t": 9.0, "error": {"type": "overloaded_error", "message": "Overloaded"}})
    trial = derive(events, task=TASK)
    assert trial.status == "error" and trial.error_type == "overloaded_error"
    assert trial.error_message and "Overloaded" in trial.error_message
    assert trial.completion is not None and trial.completion.choices[0].message.content == "Partial ans"
    assert trial.tokens is not None and trial.tokens.input == 100
    assert trial.correct is None


def test_dropped_connection_is_an_incomplete_stream() -> None:
    trial = derive(stream([("thinking", "step 1\nstep 2")], ended=False))
    assert trial.status == "error" and trial.error_type == "incomplete_stream"
    assert trial.completion is not None


def test_no_events_with_a_recorded_error() -> None:
    trial = derive([], error_type="rate_limit_error", error_message="429 after retries")
    assert (trial.status, trial.error_type, trial.tokens, trial.cost) == ("error", "rate_limit_error", None, None)
    assert trial.timings.ttft_s is None and derive([]).error_type == "no_response"


def test_unreported_thinking_is_estimated_from_the_visible_text() -> None:
    blocks = [("thinking", ""), ("text", "Answer: 391")]
    events = stream(blocks, model="claude-sonnet-4-5", final={"output_tokens": 400})
    trial = derive(events, model="claude-sonnet-4-5")
    assert trial.tokens.thinking_source == "estimated"
    assert trial.tokens.visible == count_tokens("Answer: 391")
    assert trial.row()["tokens_source"] == "estimated"


def test_kwargs_inner_thoughts_become_reasoning_and_do_not_count_as_required() -> None:
    args = '{"inner_thoughts": "I should compute it.", "expression": "17*23"}'
    tool = {"name": "calculator", "input_schema": {"type": "object", "properties": {
        "inner_thoughts": {"type": "string"}, "expression": {"type": "string"}},
        "required": ["inner_thoughts", "expression"]}}  # fmt: skip
    trial = derive(stream([("tool", ("calculator", args))], stop_reason="tool_use"),
                   knobs={"strategy": "kwargs"}, params={"tools": [tool]})  # fmt: skip
    assert trial.reasoning == "I should compute it." and trial.has_reasoning
    call = trial.completion.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"expression": "17*23"}
    assert trial.tool_calls_valid is True and trial.knobs.strategy == "kwargs"


def test_xml_prefill_reasoning_is_split_from_the_answer() -> None:
    events = stream([("text", "17*23 = 391</thinking>\nAnswer: 391")])
    trial = derive(events, knobs=Knobs(strategy="xml", tag="thinking", prefill=True), task=TASK)
    assert trial.reasoning == "17*23 = 391" and trial.correct is True
    assert "thinking>" not in (trial.completion.choices[0].message.content or "")


def test_batch_rows_are_discounted_and_have_no_stream_timings() -> None:
    events = [{**e, "t": 0.0} for e in stream([("text", "Answer: 391")])]
    streamed, batched = derive(events), derive(events, batch=True)
    assert batched.cost.total_usd == pytest.approx(streamed.cost.total_usd / 2)
    assert batched.timings.ttft_s is None and batched.row()["batch"] is True


@given(cut=st.integers(0, 12))
def test_every_prefix_of_a_stream_derives_without_raising(cut: int) -> None:
    events = stream([("thinking", "a\nb"), ("tool", ("calculator", '{"expression": "1+1"}')), ("text", "2")])
    trial = derive(events[:cut] if cut < len(events) else events)
    assert trial.status == ("ok" if cut >= len(events) else "error")
    assert trial.error_type is None or isinstance(trial.error_type, str)


def test_rederive_rows_recomputes_from_stored_events(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    final = {"output_tokens_details": {"thinking_tokens": 9}}
    good = stream([("thinking", "17*23"), ("text", "Answer: 391")], final=final)
    trial = derive(good, task=TASK, experiment="e", created_at="2026-11-23T21:00:00+00:00", trial_key="k1")
    store.put_trial("e", trial, params={"messages": []}, knobs=trial.knobs.as_dict(), events=good)
    failed = derive([], error_type="api_connection_error", error_message="dropped", trial_key="k2", task=TASK)
    store.put_trial("e", failed, params={}, events=[])
    broken = {**trial.row(), "answer": "stale", "correct": False, "thinking_tokens": 0, "cost_usd": 0.0}
    store.replace_rows("e", [broken])
    rows = rederive_rows(store.stored("e"), tasks={TASK.id: TASK})
    assert rows[0] == {**trial.row(), "experiment": "e"}
    assert rows[1]["status"] == "error" and rows[1]["error_type"] == "api_connection_error"
    assert store.replace_rows("e", rows) == 2
    unknown = rederive_rows(store.stored("e"), tasks={})[0]  # task not found: old scores kept
    assert (unknown["answer"], unknown["correct"]) == (trial.answer, trial.correct)


_PURE_CHECK = """
import sys
from labkit.tokens._cost import price, token_record
from labkit.lab._derive import derive_trial
from labkit.tokens._estimate import estimate_request
from labkit.lab._trial import Knobs, trial_key
events = [
    {"type": "message_start", "t": 0.1, "message": {"id": "m", "type": "message", "role": "assistant", "model": "x",
     "content": [], "stop_reason": None, "usage": {"input_tokens": 3, "output_tokens": 1}}},
    {"type": "message_delta", "t": 0.2, "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
    {"type": "message_stop", "t": 0.3},
]
derive_trial(trial_key="k", backend="b", model="claude-sonnet-5-5", params={}, knobs=Knobs(), events=events)
estimate_request({"messages": [{"role": "user", "content": "hi"}]})
trial_key("b", "m", {"messages": []}, {}, 0)
banned = {"httpx", "httpx2", "pandas", "matplotlib", "ipywidgets", "sqlite3", "tqdm", "anthropic"}
print(sorted(banned & set(sys.modules)))
"""


def test_pure_modules_pull_in_no_io_libraries() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _PURE_CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    for module in ("tokens/_cost", "tokens/_estimate", "lab/_trial", "lab/_derive"):
        source = (Path(__file__).resolve().parents[1] / "labkit" / f"{module}.py").read_text()
        for banned in ("import time", "import datetime", "from datetime", "import random", "open("):
            assert banned not in source, f"labkit/{module}.py: {banned}"


def test_live_completions_are_reused_for_finished_turns_only() -> None:
    finished = stream([("text", "Answer: 391")])
    converted = derive(finished, task=TASK)
    assert derive(finished, task=TASK, completions=[converted.completion]).row() == converted.row()
    marker = converted.completion.model_copy(update={"id": "live"})
    assert derive(finished, completions=[marker]).completion.id == "live"
    cut = stream([("text", "Answer: 391")], ended=False)
    assert derive(cut, completions=[marker]).status == "error"  # an unfinished turn is converted again
