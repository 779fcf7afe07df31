"""Backend choice by one rule, and stream_once recording events with timings."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from real_traffic import Recording, recordings

from labkit import ConfigError
from labkit.lab._client import Backend, choose_backend, error_type_of, resolve_backend

FAKE_KEY = "labkit-test-key-DO-NOT-LEAK-7f3a"


def test_key_set_means_anthropic_and_the_key_is_not_kept() -> None:
    backend = choose_backend({"ANTHROPIC_API_KEY": FAKE_KEY, "LABKIT_BASE_URL": "http://127.0.0.1:9"})
    assert backend.name == "anthropic"
    assert "ANTHROPIC_API_KEY" in backend.reason
    assert FAKE_KEY not in repr(backend) and FAKE_KEY not in backend.reason


def test_base_url_means_that_server() -> None:
    backend = choose_backend({"LABKIT_BASE_URL": "http://127.0.0.1:8765"})
    assert backend.name == "base_url"
    assert "127.0.0.1:8765" in backend.reason
    client = backend.async_client()
    assert str(client.base_url).startswith("http://127.0.0.1:8765")


def test_neither_means_the_in_process_emulator() -> None:
    backend = choose_backend({})
    assert backend.name == "emulator"
    assert backend.emulator is not None
    assert isinstance(backend.async_client(), anthropic.AsyncAnthropic)
    assert isinstance(backend.client(), anthropic.Anthropic)


def test_emulator_latency_profile_comes_from_the_environment() -> None:
    backend = choose_backend({"LABKIT_EMULATOR_LATENCY": "demo"})
    assert backend.name == "emulator" and "demo" in backend.reason
    assert backend.emulator is not None and backend.emulator.latency.name == "demo"
    assert choose_backend({}).emulator.latency.is_zero  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="LABKIT_EMULATOR_LATENCY='glacial'"):
        choose_backend({"LABKIT_EMULATOR_LATENCY": "glacial"})


def test_resolve_backend_accepts_names_backends_and_clients() -> None:
    emu = resolve_backend("emulator")
    assert isinstance(emu, Backend) and emu.name == "emulator"
    assert resolve_backend(emu) is emu
    given = resolve_backend(emu.async_client())
    # issue 12: a client on an in-process emulator is that emulator (its seed is in the identity),
    # and its sync twin is answered by the same emulator instead of being refused.
    assert given.name == "emulator" and given.emulator is emu.emulator
    assert given.identity == emu.identity and given.identity is not None and given.identity.seed == 0
    before = emu.emulator.counters["models.list"]
    given.client().models.list()
    assert emu.emulator.counters["models.list"] == before + 1
    remote = resolve_backend(anthropic.Anthropic(api_key="labkit-test-placeholder", base_url="http://127.0.0.1:9"))
    assert str(remote.async_client().base_url).startswith("http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="unknown backend"):
        resolve_backend("carrier-pigeon")


def test_error_type_prefers_the_api_error_type() -> None:
    class Fake(Exception):
        def __init__(self) -> None:
            self.body = {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}

    assert error_type_of(Fake()) == "overloaded_error"
    assert error_type_of(ValueError("x")) == "ValueError"


def _params(prompt: str = "What is 17 + 25?") -> dict[str, object]:
    from labkit.lab._experiment import Config

    return Config(model="claude-haiku-4-5", max_tokens=2048,
                  thinking={"mode": "budget", "budget_tokens": 1024}).prepare([{"role": "user", "content": prompt}])


def test_stream_once_records_every_event_with_monotonic_times() -> None:
    import asyncio

    from labkit.emulator import Emulator
    from labkit.lab._client import stream_once

    seen: list[object] = []
    record = asyncio.run(stream_once(Emulator().async_client(), _params(), on_chunk=seen.append))
    assert record.ok and record.error is None
    types = [e["type"] for e in record.events]
    assert types[0] == "message_start" and types[-1] == "message_stop"
    times = [e["t"] for e in record.events]
    assert times == sorted(times) and times[0] >= 0
    assert seen == record.chunks and seen
    assert record.completion is not None and record.completion.choices[0].message.content
    assert record.ttft_s is not None and record.total_s >= times[-1]


def test_stream_once_records_faults_instead_of_raising() -> None:
    import asyncio

    from labkit.emulator import Emulator, FaultPlan
    from labkit.lab._client import stream_once

    plan = FaultPlan.scripted("stream_error", "drop", "server_error")
    emu = Emulator(faults=plan)
    client = emu.async_client(max_retries=0)
    first, second, third = (asyncio.run(stream_once(client, _params())) for _ in range(3))
    assert not first.ok and first.events and first.events[-1]["type"] == "error" and first.error_type
    assert not second.ok and second.error_type == "APIConnectionError"
    assert not third.ok and third.error_type == "api_error" and not third.events


def test_a_silent_stream_is_cut_by_the_stall_watchdog() -> None:
    import asyncio
    from collections.abc import AsyncIterator

    import httpx2

    from labkit.lab._client import stream_once

    start = {"type": "message_start", "message": {
        "id": "msg_x", "type": "message", "role": "assistant", "model": "claude-haiku-4-5", "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 0}}}

    class Silent(httpx2.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            import json

            yield f"event: message_start\ndata: {json.dumps(start)}\n\n".encode()
            await asyncio.Event().wait()  # never set: the server goes quiet

    class Transport(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Silent(),
                                   request=request)

    client = anthropic.AsyncAnthropic(api_key="labkit-test-placeholder", base_url="http://silent.local",
                                      http_client=httpx2.AsyncClient(transport=Transport()), max_retries=0)
    record = asyncio.run(stream_once(client, _params(), stall_timeout=0.05))
    assert not record.ok and record.error_type == "APITimeoutError"
    assert [e["type"] for e in record.events] == ["message_start"]


def test_a_rate_limit_wait_longer_than_the_stall_timeout_is_not_a_stall() -> None:
    """A 429 whose retry-after (0.3 s) outlasts the stall timeout (0.1 s): the SDK waits and retries,
    the trial succeeds; the watchdog only measures silence once the stream has begun."""
    import asyncio

    from labkit.emulator import Emulator, FaultPlan
    from labkit.lab._client import stream_once

    emulator = Emulator(faults=FaultPlan.scripted("rate_limit", "overloaded", retry_after_s=0.3))
    client = emulator.async_client(max_retries=2)
    record = asyncio.run(stream_once(client, _params(), stall_timeout=0.1))
    assert record.ok and record.error is None, record.error_message
    assert emulator.counters["messages"] == 3  # two refusals waited out, then the stream
    spent = asyncio.run(stream_once(Emulator(faults=FaultPlan.scripted("rate_limit", "rate_limit",
                                                                       retry_after_s=0.3)).async_client(max_retries=1),
                                    _params(), stall_timeout=0.1))  # fmt: skip
    assert not spent.ok and spent.error_type == "rate_limit_error"  # retries ran out: the real error, not a stall


# -- which events stream_once reads: the raw SSE, or the SDK's typed events when the client needs them --

SPAN_REPLY = ("gen_ai.response.id", "gen_ai.response.model", "gen_ai.usage.output_tokens",
              "anthropic.message.stop_reason")  # fmt: skip
"""What the SDK's OpenTelemetry span of a streamed call takes from its typed events (nothing from raw reading)."""


def _replay(body: bytes, **options: Any) -> anthropic.AsyncAnthropic:
    """A client whose every request is answered with the streamed ``body``."""
    import httpx2

    async def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return anthropic.AsyncAnthropic(api_key="labkit-test-placeholder", base_url="http://recorded.local",
                                    http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
                                    max_retries=0, **options)  # fmt: skip


def _traced() -> tuple[dict[str, Any], Any]:
    """An ``open_telemetry`` client option whose spans are kept in memory, and that memory."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return {"tracer_provider": provider}, spans


def _recorded(client: Any, model: str = "claude-sonnet-4-5") -> tuple[list[dict[str, Any]], bool, str | None]:
    """One streamed request through `stream_once`: its events without their times, ok, error type."""
    import asyncio

    from labkit.lab._client import stream_once

    params = {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": "What is 6 x 7?"}]}
    record = asyncio.run(stream_once(client, params))
    return [{k: v for k, v in e.items() if k != "t"} for e in record.events], record.ok, record.error_type


@pytest.mark.parametrize("rec", [r for r in recordings() if r.streamed], ids=lambda r: r.name)
def test_a_traced_client_gets_whole_spans_and_the_same_events_over_real_traffic(rec: Recording) -> None:
    """With the SDK's OpenTelemetry tracing on, the stream is read through its typed events (the span
    takes the reply's id, model, usage and stop reason from them) and recorded as the very JSON the
    raw reading records, over every real recorded stream."""
    body = rec.response.encode("utf-8")
    option, spans = _traced()
    raw = _recorded(_replay(body))
    assert _recorded(_replay(body, open_telemetry=option)) == raw
    assert raw[1], raw[2]
    [span] = spans.get_finished_spans()
    message = next(e["message"] for e in raw[0] if e["type"] == "message_start")
    assert span.attributes["gen_ai.response.id"] == message["id"]
    assert all(name in span.attributes for name in SPAN_REPLY), sorted(span.attributes)


def test_strict_validation_reads_typed_events_and_an_error_event_is_recorded_alike() -> None:
    """A client with strict response validation validates every event (the raw reading would skip
    that); an ``error`` event mid-stream, which the SDK raises, is recorded as the raw reading records it."""
    from sse_fixtures import NAMES, sse_body

    for name in NAMES:  # the reference streams: thinking, tools, text
        body = sse_body(name)
        strict = _recorded(_replay(body, _strict_response_validation=True))
        assert strict == _recorded(_replay(body)) and strict[1], name
    bad = sse_body(NAMES[0]).replace(b'"index":0', b'"index":"first"', 1)  # what only validation catches
    assert _recorded(_replay(bad, _strict_response_validation=True))[1:] == (False, "APIResponseValidationError")
    error = (b'event: message_start\ndata: {"type": "message_start", "message": {"id": "msg_1", "type": "message", '
             b'"role": "assistant", "model": "claude-sonnet-4-5", "content": [], "stop_reason": null, '
             b'"stop_sequence": null, "usage": {"input_tokens": 3, "output_tokens": 1}}}\n\n'
             b'event: error\ndata: {"type": "error", '
             b'"error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n')  # fmt: skip
    option, _ = _traced()
    typed, raw = _recorded(_replay(error, open_telemetry=option)), _recorded(_replay(error))
    assert typed == raw
    assert raw[1:] == (False, "overloaded_error") and [e["type"] for e in raw[0]] == ["message_start", "error"]



def test_pings_keep_a_quiet_stream_alive_and_the_typed_path_leaves_stalls_to_the_sdk() -> None:
    """A reply that thinks quietly for longer than the stall timeout, sending only ``ping`` events
    (as the API does while a thought is withheld), is no stall: read raw the pings reset the
    watchdog; read through the SDK's typed events (tracing on), where the SDK drops the pings, the
    watchdog is off and the SDK's read timeout bounds a silent connection."""
    import asyncio
    from collections.abc import AsyncIterator

    import httpx2
    from sse_fixtures import NAMES, sse_body

    from labkit.lab._client import stream_once

    head, rest = sse_body(NAMES[0]).split(b"\n\n", 1)  # message_start, then everything else

    class Quiet(httpx2.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield head + b"\n\n"
            for _ in range(6):  # 0.24 s of pings only: more than twice the 0.1 s stall timeout
                await asyncio.sleep(0.04)
                yield b'event: ping\ndata: {"type": "ping"}\n\n'
            yield rest

    class Transport(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Quiet(),
                                   request=request)

    def client(**options: Any) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(api_key="labkit-test-placeholder", base_url="http://quiet.local",
                                        http_client=httpx2.AsyncClient(transport=Transport()), max_retries=0,
                                        **options)  # fmt: skip

    option, spans = _traced()
    for reader in (client(), client(open_telemetry=option)):
        record = asyncio.run(stream_once(reader, _params(), stall_timeout=0.1))
        assert record.ok and record.error is None, record.error_message
        assert record.events[-1]["type"] == "message_stop" and record.events[-1]["t"] > 0.2
    assert len(spans.get_finished_spans()) == 1  # the traced one: read through the typed events


@pytest.mark.parametrize(("platform", "model"), [("bedrock", "anthropic.claude-opus-4-7"),
                                                  ("vertex", "claude-opus-4-7")])  # fmt: skip
def test_a_traced_platform_client_records_the_same_events(platform: str, model: str) -> None:
    """Bedrock's event-stream frames and Vertex's SSE, read through the SDK's typed events when its
    tracing is on, are recorded as the same JSON as the raw reading records, and the span is whole."""
    from labkit.emulator import Emulator

    def recorded(**options: Any) -> tuple[list[dict[str, Any]], bool, str | None]:
        emulator = Emulator(seed=3)
        make = emulator.bedrock_client if platform == "bedrock" else emulator.vertex_client
        return _recorded(make(asynchronous=True, **options), model)

    option, spans = _traced()
    raw = recorded()
    assert raw[1] and len(raw[0]) >= 5, raw[2]
    assert recorded(open_telemetry=option) == raw
    [span] = spans.get_finished_spans()
    assert all(name in span.attributes for name in SPAN_REPLY), sorted(span.attributes)
