"""The emulator's wire format through the real SDK (sync and async) and a hand-written SSE reader,
for every catalog model and every thinking mode; plus auth, versions, sizes, headers, limits,
prompt caching, determinism and latency pacing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anthropic
import httpx2
import pytest
from emulator_support import (
    SDK_WARNINGS,
    all_models,
    check_event_grammar,
    model_mode_matrix,
    read_sse,
    rebuild_message,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core._catalog import get_model
from labkit.core._errors import EmulatorError
from labkit.emulator import Emulator, LatencyProfile
from labkit.emulator.model._plan import PlannedText, PlannedThinking, PlannedToolUse, ReplyPlan
from labkit.emulator.serving import _transport as transport_module
from labkit.emulator.serving._render import Envelope, InputUsage, finalize, message_dict, stream_events
from labkit.emulator.serving._sse import encode_raw
from labkit.tokens._tokenizer import count_tokens

pytestmark = [pytest.mark.filterwarnings(w) for w in SDK_WARNINGS]

MATRIX = model_mode_matrix()
HEADERS = {"anthropic-version": "2026-10-21", "x-api-key": "fake-test-key", "content-type": "application/json"}
QUESTION = [{"role": "user", "content": "What is 12 times 7?"}]


def request(model: str, extra: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 8192, "messages": QUESTION, **extra, **more}


def raw(emu: Emulator, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
        ) -> httpx2.Response:
    with httpx2.Client(transport=transport_module.EmulatorTransport(emu.handle), base_url=emu.base_url) as http:
        content = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        return http.request(method, path, content=content, headers=HEADERS if headers is None else headers)


def visible_tokens(message: dict[str, Any]) -> tuple[int, int]:
    thinking = visible = 0
    for block in message["content"]:
        if block["type"] == "thinking":
            thinking += count_tokens(block["thinking"])
        elif block["type"] == "text":
            visible += count_tokens(block["text"])
        else:
            visible += count_tokens(json.dumps(block["input"], separators=(",", ":"), ensure_ascii=False))
    return thinking, visible


@pytest.mark.parametrize(("model", "label", "extra"), MATRIX, ids=[f"{m}-{lbl}" for m, lbl, _ in MATRIX])
def test_every_model_and_thinking_mode(model: str, label: str, extra: dict[str, Any]) -> None:
    params = request(model, extra)
    info = get_model(model)
    plain = Emulator(seed=3).client(max_retries=0).messages.with_raw_response.create(**params)
    assert plain.headers["x-labkit-synthetic"] == "true" and plain.headers["request-id"].startswith("req_011C")
    message = plain.parse()
    assert message.id.startswith("msg_synth_") and message.model == model
    assert message.stop_reason in ("end_turn", "tool_use")
    usage = message.usage
    counted = Emulator(seed=3).client().messages.count_tokens(model=model, messages=QUESTION, **extra)
    assert usage.input_tokens == counted.input_tokens
    thinking_visible, visible = visible_tokens(message.model_dump())
    details = usage.output_tokens_details
    if info.reports_thinking_tokens:
        assert details is not None and details.thinking_tokens >= thinking_visible
        assert usage.output_tokens == visible + details.thinking_tokens
    else:
        assert details is None and usage.output_tokens >= visible + thinking_visible
    # the SDK stream helper accepts the stream and folds it into the same message
    with Emulator(seed=3).client().messages.stream(**params) as stream:
        final = stream.get_final_message()
    assert final.model_dump(exclude={"content"}) == message.model_dump(exclude={"content"})
    assert [b.model_dump(exclude={"parsed_output"}) for b in final.content] == [b.model_dump() for b in message.content]
    # an independent client reading the raw SSE gets the same message
    streamed = raw(Emulator(seed=3), "POST", "/v1/messages", {**params, "stream": True})
    assert streamed.headers["content-type"] == "text/event-stream"
    events = read_sse(streamed.content)
    check_event_grammar(events)
    assert events[0][1]["message"]["usage"]["output_tokens"] == 1
    rebuilt, body = rebuild_message(events), raw(Emulator(seed=3), "POST", "/v1/messages", params).json()
    assert {k: v for k, v in rebuilt.items() if k != "usage"} == {k: v for k, v in body.items() if k != "usage"}
    assert {k: body["usage"][k] for k in rebuilt["usage"] if k != "output_tokens_details"} == {
        k: v for k, v in rebuilt["usage"].items() if k != "output_tokens_details"}
    assert rebuilt["usage"].get("output_tokens_details") == body["usage"]["output_tokens_details"]


def test_retired_models_are_not_found() -> None:
    retired = [m.id for m in all_models() if m.lifecycle == "retired"]
    client = Emulator().client(max_retries=0)
    for model in retired:
        with pytest.raises(anthropic.NotFoundError):
            client.messages.create(**request(model, {}))
    assert len(MATRIX) > 100


def test_async_client_create_and_stream() -> None:
    # Two emulators with one seed: a repeated request on one emulator is a new sample.
    emu, twin = Emulator(seed=5), Emulator(seed=5)

    async def run() -> tuple[anthropic.types.Message, anthropic.types.Message]:
        async with emu.async_client() as client, twin.async_client() as other:
            created = await client.messages.create(**request("claude-opus-5-5", {}))
            async with other.messages.stream(**request("claude-opus-5-5", {})) as stream:
                chunks = [event.type async for event in stream]
                final = await stream.get_final_message()
            assert chunks[0] == "message_start" and chunks[-1] == "message_stop"
            return created, final

    created, final = asyncio.run(run())
    assert created.content[-1].type == final.content[-1].type == "text"
    assert created.usage.output_tokens == final.usage.output_tokens
    assert emu.counters["messages"] == twin.counters["messages"] == 1


def test_async_client_over_every_model_and_thinking_mode() -> None:
    async def run() -> list[tuple[str, str, bool]]:
        outcomes = []
        async with Emulator(seed=3).async_client() as client:
            for model, label, extra in MATRIX:
                created = await client.messages.create(**request(model, extra))
                async with client.messages.stream(**request(model, extra)) as stream:
                    final = await stream.get_final_message()
                same = [b.type for b in final.content] == [b.type for b in created.content]
                outcomes.append((model, label, same and final.stop_reason == created.stop_reason))
        return outcomes

    outcomes = asyncio.run(run())
    assert len(outcomes) == len(MATRIX) and [o for o in outcomes if not o[2]] == []


def test_replies_are_deterministic_per_seed() -> None:
    params = request("claude-sonnet-4-6", {"thinking": {"type": "enabled", "budget_tokens": 1024}})
    first = raw(Emulator(seed=9), "POST", "/v1/messages", params).json()
    again = raw(Emulator(seed=9), "POST", "/v1/messages", params).json()
    other = raw(Emulator(seed=10), "POST", "/v1/messages", params).json()
    assert first == again
    assert first["id"] != other["id"]
    assert first["content"][0]["signature"] != other["content"][0]["signature"]


def test_auth_accepts_x_api_key_and_bearer_and_rejects_none() -> None:
    emu = Emulator()
    base = {"anthropic-version": "2023-06-01"}
    assert raw(emu, "GET", "/v1/models", headers={**base, "x-api-key": "k"}).status_code == 200
    assert raw(emu, "GET", "/v1/models", headers={**base, "authorization": "Bearer k"}).status_code == 200
    missing = raw(emu, "GET", "/v1/models", headers=base)
    assert missing.status_code == 401
    body = missing.json()
    assert body["type"] == "error" and body["error"]["type"] == "authentication_error"
    assert body["request_id"] == missing.headers["request-id"]


def test_pinned_key_rejects_other_keys_through_the_sdk() -> None:
    emu = Emulator(api_key="pinned-fake-key")
    assert emu.client().models.list().data
    with pytest.raises(anthropic.AuthenticationError) as caught:
        emu.client(api_key="another-fake-key").models.list()
    assert caught.value.request_id and caught.value.request_id.startswith("req_011C")


@pytest.mark.parametrize("version", [None, "2024-01-01"])
def test_anthropic_version_is_required_and_checked(version: str | None) -> None:
    headers = {"x-api-key": "k"} | ({"anthropic-version": version} if version else {})
    response = raw(Emulator(), "GET", "/v1/models", headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("anthropic-version")


def test_old_api_version_is_accepted() -> None:
    params = request("claude-haiku-4-5", {})
    response = raw(Emulator(), "POST", "/v1/messages", params, {**HEADERS, "anthropic-version": "2023-06-01"})
    assert response.status_code == 200


def test_body_above_32_mb_is_413() -> None:
    body = b'{"model": "claude-opus-5-5", "pad": "' + b"x" * (32 * 1024 * 1024) + b'"}'
    response = raw(Emulator(), "POST", "/v1/messages", body)
    assert response.status_code == 413 and response.json()["error"]["type"] == "request_too_large"


def test_unknown_route_invalid_json_and_headers() -> None:
    emu = Emulator()
    missing = raw(emu, "GET", "/v1/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"
    assert raw(emu, "DELETE", "/v1/messages").status_code == 405
    broken = raw(emu, "POST", "/v1/messages", b"{not json")
    assert broken.status_code == 400 and "invalid JSON" in broken.json()["error"]["message"]
    for name in ("requests", "tokens", "input-tokens", "output-tokens"):
        for part in ("limit", "remaining", "reset"):
            assert f"anthropic-ratelimit-{name}-{part}" in missing.headers
    assert emu.failures == []


def test_max_tokens_truncates_with_stop_reason() -> None:
    client = Emulator().client()
    message = client.messages.create(model="claude-haiku-4-5", max_tokens=3, messages=QUESTION)
    assert message.stop_reason == "max_tokens" and message.usage.output_tokens == 3
    assert count_tokens(message.content[0].text) == 3  # type: ignore[union-attr]
    twin = Emulator().client()  # the same first sample: a repeat on `client` would be a new sample
    with twin.messages.stream(model="claude-haiku-4-5", max_tokens=3, messages=QUESTION) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "max_tokens" and final.content[0].text == message.content[0].text  # type: ignore[union-attr]


def test_stop_sequence_cuts_text() -> None:
    full = Emulator().client().messages.create(model="claude-haiku-4-5", max_tokens=500, messages=QUESTION)
    text = full.content[-1].text  # type: ignore[union-attr]
    stop = text.split()[2]
    cut = Emulator().client().messages.create(model="claude-haiku-4-5", max_tokens=500, messages=QUESTION,
                                              stop_sequences=["zzz-never", stop])
    assert cut.stop_reason == "stop_sequence" and cut.stop_sequence == stop
    assert cut.content[-1].text == text[: text.index(stop)]  # type: ignore[union-attr]
    assert cut.usage.output_tokens == count_tokens(text[: text.index(stop)])


def test_count_tokens_matches_usage_with_tools_and_system() -> None:
    tool = {"name": "calculator", "description": "Evaluate arithmetic.",
            "input_schema": {"type": "object", "properties": {"expression": {"type": "string"}}}}
    kwargs: dict[str, Any] = {"model": "claude-sonnet-4-6", "messages": QUESTION, "system": "Be terse.",
                              "tools": [tool]}
    client = Emulator().client()
    counted = client.messages.count_tokens(**kwargs).input_tokens
    message = client.messages.create(max_tokens=1024, **kwargs)
    assert message.usage.input_tokens == counted
    assert counted > 346  # the tool-use system prompt is billed


def test_prompt_cache_writes_then_reads() -> None:
    system = [{"type": "text", "text": "Background fact number one. " * 400, "cache_control": {"type": "ephemeral"}}]
    client = Emulator().client()
    counted = client.messages.count_tokens(model="claude-opus-4-8", messages=QUESTION, system=system).input_tokens
    first = client.messages.create(model="claude-opus-4-8", max_tokens=512, messages=QUESTION, system=system)
    second = client.messages.create(model="claude-opus-4-8", max_tokens=512, messages=QUESTION, system=system)
    written = first.usage.cache_creation_input_tokens
    assert written is not None and written >= 1024 and first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == written and second.usage.cache_creation_input_tokens == 0
    for usage in (first.usage, second.usage):
        assert usage.input_tokens + (usage.cache_creation_input_tokens or 0) + (usage.cache_read_input_tokens or 0) \
            == counted


def test_short_prefix_is_not_cached_and_top_level_1h_is() -> None:
    client = Emulator().client()
    short = [{"type": "text", "text": "Short.", "cache_control": {"type": "ephemeral"}}]
    message = client.messages.create(model="claude-opus-4-8", max_tokens=512, messages=QUESTION, system=short)
    assert message.usage.cache_creation_input_tokens == 0
    long_question = [{"role": "user", "content": "Please consider this. " * 500}]
    top = client.messages.create(model="claude-opus-4-8", max_tokens=512, messages=long_question,
                                 cache_control={"type": "ephemeral", "ttl": "1h"})
    assert top.usage.cache_creation is not None
    assert top.usage.cache_creation.ephemeral_1h_input_tokens == top.usage.cache_creation_input_tokens > 1024


def test_thinking_round_trip_and_tampering() -> None:
    client = Emulator(seed=2).client(max_retries=0)
    first = client.messages.create(**request("claude-sonnet-4-6", {"thinking": {"type": "enabled",
                                                                               "budget_tokens": 1024}}))
    assert first.content[0].type == "thinking"
    history = [*QUESTION, {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
               {"role": "user", "content": "And 13 times 7?"}]
    thinking = {"type": "enabled", "budget_tokens": 1024}
    follow = client.messages.create(model="claude-sonnet-4-6", max_tokens=4096, messages=history, thinking=thinking)
    assert follow.stop_reason in ("end_turn", "tool_use")
    tampered = json.loads(json.dumps(history))
    tampered[1]["content"][0]["thinking"] += " (edited)"
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-sonnet-4-6", max_tokens=4096, messages=tampered, thinking=thinking)
    assert "signature" in str(caught.value.api_message)


def test_latency_profile_paces_events_without_real_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    clock = [0.0]

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(transport_module.time, "sleep", fake_sleep)
    monkeypatch.setattr(transport_module.time, "monotonic", lambda: clock[0])
    profile = LatencyProfile(ttft_s=0.5, thinking_tokens_per_s=100.0, text_tokens_per_s=50.0)
    emu = Emulator(latency=profile)
    params = request("claude-sonnet-4-6", {"thinking": {"type": "enabled", "budget_tokens": 1024}})
    with emu.client().messages.stream(**params) as stream:
        final = stream.get_final_message()
    thinking = final.usage.output_tokens - count_tokens(final.content[-1].text)  # type: ignore[union-attr]
    expected = 0.5 + thinking / 100.0 + count_tokens(final.content[-1].text) / 50.0  # type: ignore[union-attr]
    assert sum(waits) == pytest.approx(expected)
    waits.clear()
    Emulator(latency=profile).client().messages.create(**params)
    assert len(waits) == 1 and waits[0] == pytest.approx(expected)
    waits.clear()
    Emulator(latency="none").client().messages.create(**params)
    assert waits == []


def test_pacing_follows_deadlines_so_wakeup_lag_does_not_accumulate(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    lag = 0.002  # every sleep overshoots, as on a busy event loop

    def late_sleep(seconds: float) -> None:
        clock[0] += seconds + lag

    monkeypatch.setattr(transport_module.time, "sleep", late_sleep)
    monkeypatch.setattr(transport_module.time, "monotonic", lambda: clock[0])
    profile = LatencyProfile(ttft_s=0.0, thinking_tokens_per_s=5_000.0, text_tokens_per_s=5_000.0)
    params = request("claude-sonnet-4-6", {"thinking": {"type": "enabled", "budget_tokens": 2048}})
    with Emulator(latency=profile).client().messages.stream(**params) as stream:
        events = sum(1 for _ in stream)
        final = stream.get_final_message()
    expected = final.usage.output_tokens / 5_000.0
    assert events > 20
    assert clock[0] == pytest.approx(expected, abs=2 * lag)  # not expected + events * lag


def test_latency_presets_and_validation() -> None:
    assert Emulator(latency="realistic").latency.ttft_s > Emulator(latency="fast").latency.ttft_s > 0
    assert Emulator().latency.is_zero
    with pytest.raises(EmulatorError, match="latency"):
        Emulator(latency="slow")
    with pytest.raises(EmulatorError, match="ttft_s"):
        LatencyProfile(ttft_s=-1)
    with pytest.raises(EmulatorError, match="seed"):
        Emulator(seed="1")  # type: ignore[arg-type]


PIECE = st.text(alphabet=st.sampled_from(list("abc xyz\n.,0123")), min_size=0, max_size=60)


@settings(max_examples=150, deadline=None)
@given(thinking=PIECE, hidden=st.integers(0, 50), text=PIECE.filter(bool), max_tokens=st.integers(0, 120),
       tool=st.booleans(), stops=st.lists(st.sampled_from(["x", "yz", ".", "Q"]), max_size=2))
def test_render_limits_and_stream_agree(thinking: str, hidden: int, text: str, max_tokens: int, tool: bool,
                                        stops: list[str]) -> None:
    blocks: list[Any] = [PlannedThinking(text=thinking, hidden_tokens=hidden)]
    blocks.append(PlannedToolUse(name="calc", input={"expr": text}) if tool else PlannedText(text=text))
    plan = ReplyPlan(blocks=tuple(blocks), stop_reason="tool_use" if tool else "end_turn")
    final = finalize(plan, max_tokens=max_tokens, stop_sequences=tuple(stops), message_id="msg_synth_t")
    assert final.output_tokens <= max_tokens
    full = count_tokens(thinking) + hidden + (count_tokens(json.dumps({"expr": text}, separators=(",", ":")))
                                              if tool else count_tokens(text))
    if final.stop_reason == "max_tokens":
        assert final.output_tokens == max_tokens < full or max_tokens == 0
    elif final.stop_reason == "stop_sequence":
        assert final.stop_sequence in stops
        assert all(final.stop_sequence not in b.text for b in final.blocks if b.kind == "text")
    else:
        assert final.output_tokens == full
    envelope = Envelope(message_id="msg_synth_t", model="claude-opus-5-5", usage_in=InputUsage(input_tokens=7),
                        reports_thinking_tokens=True)
    events, pacing = stream_events(final, envelope)
    assert len(events) == len(pacing)
    body = b"".join(encode_raw(name, data) for name, data in events)
    parsed = read_sse(body)
    check_event_grammar(parsed)
    rebuilt, expected = rebuild_message(parsed), message_dict(final, envelope)
    assert rebuilt["content"] == expected["content"]
    assert rebuilt["stop_reason"] == expected["stop_reason"]
    assert rebuilt["usage"]["output_tokens"] == expected["usage"]["output_tokens"]


def test_tool_task_streams_tool_use_and_finishes_after_results() -> None:
    from labkit.tasks import TOOL_SPECS, load_tasks, run_tool

    tools = [{"name": t["function"]["name"], "description": t["function"]["description"],
              "input_schema": t["function"]["parameters"]} for t in TOOL_SPECS]
    task = load_tasks("tool")[0]
    client = Emulator().client(max_retries=0)
    history: list[dict[str, Any]] = [{"role": "user", "content": task.prompt}]
    thinking = {"type": "enabled", "budget_tokens": 2000}
    stop_reasons = []
    for _ in range(6):
        with client.messages.stream(model="claude-sonnet-4-6", max_tokens=8000, messages=history, tools=tools,
                                    thinking=thinking) as stream:
            kinds = {event.type for event in stream}
            message = stream.get_final_message()
        stop_reasons.append(message.stop_reason)
        if message.stop_reason != "tool_use":
            break
        assert "input_json" in kinds
        uses = [b for b in message.content if b.type == "tool_use"]
        assert uses and all(b.id.startswith("toolu_synth_") for b in uses)
        history.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in message.content]})
        history.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": b.id, "content": run_tool(b.name, b.input)} for b in uses]})
    assert stop_reasons[0] == "tool_use" and stop_reasons[-1] == "end_turn"
    assert task.answer in message.content[-1].text  # type: ignore[union-attr]


def test_repeated_request_is_a_new_sample_with_new_ids_and_max_tokens_zero() -> None:
    emu = Emulator()
    client = emu.client()
    params = request("claude-opus-4-7", {"thinking": {"type": "adaptive", "display": "summarized"}})
    first, second = client.messages.create(**params), client.messages.create(**params)
    assert first.id != second.id
    again = Emulator().client().messages.create(**params)
    assert again.content == first.content and again.usage == first.usage  # sample 0 is reproducible
    empty = client.messages.create(model="claude-haiku-4-5", max_tokens=0, messages=QUESTION)
    assert empty.content == [] and empty.stop_reason == "max_tokens" and empty.usage.output_tokens == 0
    assert emu.counters["messages"] == 3


def test_repeats_of_a_task_near_its_budget_vary_like_samples() -> None:
    from labkit.tasks import load_tasks, score

    client = Emulator(seed=3).client()
    mixed = 0
    for task in load_tasks("arithmetic", limit=12):
        params = {"model": "claude-sonnet-4-6", "max_tokens": 8000,
                  "messages": [{"role": "user", "content": task.prompt}],
                  "thinking": {"type": "enabled", "budget_tokens": 1536}}
        outcomes = {score(task, client.messages.create(**params).content[-1].text) for _ in range(6)}  # type: ignore[union-attr]
        mixed += outcomes == {True, False}
    assert mixed >= 1, "some task is solved on some repeats and not on others"


def test_multi_turn_cache_reads_the_earlier_prefix() -> None:
    tool = {"name": "lookup", "description": "Look a key up. " * 300, "cache_control": {"type": "ephemeral"},
            "input_schema": {"type": "object", "properties": {"key": {"type": "string"}}}}
    client = Emulator().client()
    turn = [{"role": "user", "content": [{"type": "text", "text": "Hello there.",
                                          "cache_control": {"type": "ephemeral"}}]}]
    first = client.messages.create(model="claude-sonnet-4-6", max_tokens=1024, tools=[tool], messages=turn)
    longer = [*turn, {"role": "assistant", "content": "Hi."},
              {"role": "user", "content": [{"type": "text", "text": "More.", "cache_control": {"type": "ephemeral"}}]}]
    second = client.messages.create(model="claude-sonnet-4-6", max_tokens=1024, tools=[tool], messages=longer)
    written = first.usage.cache_creation_input_tokens or 0
    assert written > 1024 and second.usage.cache_read_input_tokens == written
    assert (second.usage.cache_creation_input_tokens or 0) > 0  # the new turn extends the cache
    counted = client.messages.count_tokens(model="claude-sonnet-4-6", tools=[tool], messages=longer).input_tokens
    usage = second.usage
    assert usage.input_tokens + (usage.cache_creation_input_tokens or 0) + written == counted


@settings(max_examples=100, deadline=None)
@given(events=st.lists(st.tuples(st.sampled_from(["message_start", "ping", "content_block_delta"]),
                                 st.text(alphabet=st.sampled_from(list("ab \n\r\"\\\x85\u2028\u2029é")), max_size=30)),
                      max_size=6))
def test_sse_encoding_round_trips(events: list[tuple[str, str]]) -> None:
    from labkit.emulator.serving._sse import encode_event, parse_events

    body = b"".join(encode_event(name, {"type": name, "text": text}) for name, text in events)
    parsed = parse_events(body)
    assert all(len(frame.decode().splitlines()) == 2 for frame in body.split(b"\n\n")[:-1])
    assert [(name, json.loads(data)) for name, data in parsed] == [
        (name, {"type": name, "text": text}) for name, text in events]


MARK = {"type": "ephemeral"}


@settings(max_examples=80, deadline=None)
@given(sizes=st.lists(st.integers(1, 900), min_size=1, max_size=5), marks=st.lists(st.booleans(), min_size=5,
       max_size=5), top=st.booleans(), system_mark=st.booleans(), ttl=st.sampled_from(["5m", "1h"]))
def test_cache_accounting_always_adds_up(sizes: list[int], marks: list[bool], top: bool, system_mark: bool,
                                         ttl: str) -> None:
    from labkit.emulator.serving._cache import MIN_CACHEABLE_TOKENS, PromptCache
    from labkit.tokens._tokenizer import count_request_tokens

    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": [
        {"type": "text", "text": "word " * size, **({"cache_control": {**MARK, "ttl": ttl}} if marks[i] else {})}]}
        for i, size in enumerate(sizes)]
    params: dict[str, Any] = {"model": "claude-opus-4-8", "messages": messages,
                              "system": [{"type": "text", "text": "rule " * 300,
                                          **({"cache_control": MARK} if system_mark else {})}]}
    if top:
        params["cache_control"] = MARK
    cache, total = PromptCache(), count_request_tokens(params)
    first, second = cache.account(params, total), cache.account(params, total)
    for usage in (first, second):
        assert usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens == total
        assert min(usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens) >= 0
    assert first.cache_read_input_tokens == 0 and second.cache_creation_input_tokens == 0
    if first.cache_creation_input_tokens:
        assert first.cache_creation_input_tokens >= MIN_CACHEABLE_TOKENS
        assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    marked = top or system_mark or any(marks[: len(sizes)])
    assert marked or (first.cache_creation_input_tokens == 0 and len(cache) == 0)
