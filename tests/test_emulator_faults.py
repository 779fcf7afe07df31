"""Injected faults as the real SDK sees them: 429/529/500 retried (retry-after honoured, fast) and
succeeding; a mid-stream ``event: error`` is an APIStatusError; a dropped connection and a stalled
stream raise transport errors (bounded, never hanging); rate-based plans are reproducible."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anthropic
import httpx2
import pytest
from emulator_support import read_sse

from labkit.core._errors import EmulatorError
from labkit.emulator import Emulator, FaultPlan
from labkit.emulator.serving._faults import FAULT_KINDS
from labkit.emulator.serving._transport import EmulatorTransport

PARAMS: dict[str, Any] = {"model": "claude-opus-5-5", "max_tokens": 4000,
                          "messages": [{"role": "user", "content": "What is 12 times 7?"}]}
HTTP_FAULTS = {"rate_limit": (429, anthropic.RateLimitError), "overloaded": (529, anthropic.OverloadedError),
               "server_error": (500, anthropic.InternalServerError)}


def scripted(*kinds: str | None, **options: Any) -> Emulator:
    return Emulator(faults=FaultPlan.scripted(*kinds, **options))


def run(client: anthropic.Anthropic, stream: bool) -> anthropic.types.Message:
    if not stream:
        return client.messages.create(**PARAMS)
    with client.messages.stream(**PARAMS) as events:
        return events.get_final_message()


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("kind", sorted(HTTP_FAULTS))
def test_http_faults_are_retried_by_the_sdk(kind: str, stream: bool) -> None:
    emu = scripted(kind, kind)
    message = run(emu.client(), stream)
    assert message.stop_reason == "end_turn"
    assert emu.counters["messages"] == 3 and emu.faults is not None and emu.faults.injected == [kind, kind]


@pytest.mark.parametrize("kind", sorted(HTTP_FAULTS))
def test_http_faults_surface_with_status_and_retry_headers(kind: str) -> None:
    status, error_class = HTTP_FAULTS[kind]
    with pytest.raises(error_class) as caught:
        scripted(kind).client(max_retries=0).messages.create(**PARAMS)
    err = caught.value
    assert err.status_code == status and err.request_id and err.request_id.startswith("req_011C")
    assert err.body["request_id"] == err.request_id  # type: ignore[index]
    assert err.response.headers["retry-after"] == "1" and err.response.headers["retry-after-ms"] == "1"


def test_stream_error_event_is_an_api_status_error_and_not_retried() -> None:
    emu = scripted("stream_error", after_events=4)
    with pytest.raises(anthropic.APIStatusError) as caught:
        run(emu.client(), stream=True)
    assert caught.value.status_code == 200 and emu.counters["messages"] == 1
    assert caught.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]
    headers = {"x-api-key": "fake-test-key", "anthropic-version": "2026-10-21"}
    emu = scripted("stream_error", after_events=4)
    with httpx2.Client(transport=EmulatorTransport(emu.handle), base_url=emu.base_url) as http:
        events = read_sse(http.post("/v1/messages", json={**PARAMS, "stream": True}, headers=headers).content)
    assert [name for name, _ in events][-1] == "error" and len(events) == 5
    assert events[-1][1]["request_id"].startswith("req_011C")


def test_stream_error_on_a_plain_request_is_a_retried_500() -> None:
    emu = scripted("stream_error")
    assert run(emu.client(), stream=False).stop_reason == "end_turn"
    assert emu.counters["messages"] == 2


def test_dropped_stream_raises_after_some_events() -> None:
    emu = scripted("drop", after_events=3)
    seen: list[str] = []
    with pytest.raises((httpx2.RemoteProtocolError, anthropic.APIConnectionError)), \
            emu.client().messages.stream(**PARAMS) as stream:
        for event in stream:
            seen.append(event.type)
    assert seen[0] == "message_start" and "message_stop" not in seen
    assert emu.counters["messages"] == 1


def test_dropped_plain_request_is_a_connection_error_retried_by_the_sdk() -> None:
    emu = scripted("drop")
    assert run(emu.client(), stream=False).stop_reason == "end_turn"
    assert emu.counters["messages"] == 2
    with pytest.raises(anthropic.APIConnectionError):
        run(scripted("drop").client(max_retries=0), stream=False)


def test_stalled_stream_times_out_within_the_read_timeout() -> None:
    emu = scripted("stall", stall_s=3600.0)  # would hang for an hour: the client's read timeout bounds it
    with pytest.raises((httpx2.ReadTimeout, anthropic.APITimeoutError)):
        run(emu.client(timeout=httpx2.Timeout(5.0, read=0.01)), stream=True)
    with pytest.raises(anthropic.APITimeoutError):
        run(scripted("stall", stall_s=0.0).client(max_retries=0), stream=False)
    retried = scripted("stall", stall_s=0.0)
    assert run(retried.client(), stream=False).stop_reason == "end_turn"
    assert retried.counters["messages"] == 2


@pytest.mark.parametrize(("kind", "errors"), [
    ("stream_error", (anthropic.APIStatusError,)),
    ("drop", (httpx2.RemoteProtocolError, anthropic.APIConnectionError)),
    ("stall", (httpx2.ReadTimeout, anthropic.APITimeoutError)),
])
def test_async_stream_faults(kind: str, errors: tuple[type[BaseException], ...]) -> None:
    emu = scripted(kind, stall_s=0.0)

    async def go() -> None:
        async with emu.async_client() as client, client.messages.stream(**PARAMS) as stream:
            await stream.get_final_message()

    with pytest.raises(errors):
        asyncio.run(go())


def test_async_http_fault_is_retried() -> None:
    emu = scripted("overloaded")

    async def go() -> str | None:
        async with emu.async_client() as client:
            return (await client.messages.create(**PARAMS)).stop_reason

    assert asyncio.run(go()) == "end_turn" and emu.counters["messages"] == 2


def test_rate_plan_is_seeded_and_reproducible() -> None:
    def draws(seed: int) -> list[str | None]:
        plan = FaultPlan(rate=0.5, seed=seed)
        return [plan.draw() for _ in range(200)]

    first = draws(7)
    assert first == draws(7) and first != draws(8)
    kinds = [k for k in first if k is not None]
    assert 60 < len(kinds) < 140 and set(kinds) == set(FAULT_KINDS)
    assert all(FaultPlan(rate=0.0).draw() is None for _ in range(50))
    plan = FaultPlan(script=["drop", None, "ok"], rate=1.0, kinds=["overloaded"])
    assert [plan.draw() for _ in range(5)] == ["drop", None, None, "overloaded", "overloaded"]


def test_faults_apply_to_messages_only_by_default() -> None:
    emu = Emulator(faults=FaultPlan(rate=1.0, kinds=["server_error"]))
    client = emu.client(max_retries=0)
    assert client.models.list().data
    assert client.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"]).input_tokens > 0
    with pytest.raises(anthropic.InternalServerError):
        client.messages.create(**PARAMS)


def test_faults_on_other_endpoints_when_listed() -> None:
    plan = FaultPlan.scripted("rate_limit", "drop", None, "overloaded", endpoints=["models.list", "count_tokens"])
    emu = Emulator(faults=plan)
    client = emu.client()
    assert client.models.list(limit=2).data  # 429, a dropped body, then success (the script is shared)
    assert client.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"]).input_tokens > 0
    assert emu.counters["models.list"] == 3 and emu.counters["count_tokens"] == 2
    assert plan.injected == ["rate_limit", "drop", "overloaded"]
    assert client.messages.create(**PARAMS).stop_reason == "end_turn" and emu.counters["messages"] == 1


@pytest.mark.parametrize(("options", "message"), [
    ({"script": ["explode"]}, "unknown fault kind"),
    ({"rate": 1.5}, "rate"),
    ({"rate": 0.5, "kinds": []}, "kinds"),
    ({"stall_s": -1}, ">= 0"),
])
def test_fault_plan_validation(options: dict[str, Any], message: str) -> None:
    with pytest.raises(EmulatorError, match=message):
        FaultPlan(**options)
    with pytest.raises(EmulatorError, match="FaultPlan"):
        Emulator(faults=json.loads("{}"))  # type: ignore[arg-type]
