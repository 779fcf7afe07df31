"""The emulator's Bedrock and Vertex routes, on the wire and through the SDK's platform clients."""

from __future__ import annotations

import base64
import json
from typing import Any

import anthropic
import pytest

from labkit.emulator import Emulator, FaultPlan
from labkit.emulator.serving._eventstream import decode_messages

BODY = {"max_tokens": 300, "messages": [{"role": "user", "content": "What is 12 + 30?"}]}
BEDROCK = "/model/anthropic.claude-opus-4-7/invoke"
VERTEX = "/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:rawPredict"
BEARER = {"authorization": "Bearer labkit-test-placeholder", "content-type": "application/json"}


def _post(emulator: Emulator, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return emulator.handle("POST", path, BEARER if headers is None else headers, json.dumps(body).encode())


def test_bedrock_reply_names_the_anthropic_model_and_counts_tokens_in_headers() -> None:
    response = _post(Emulator(), BEDROCK, {**BODY, "anthropic_version": "bedrock-2023-05-31"})
    assert response.status == 200
    assert response.json()["model"] == "claude-opus-4-7"
    assert response.headers["x-amzn-bedrock-output-token-count"] == str(response.json()["usage"]["output_tokens"])
    assert "anthropic-ratelimit-requests-limit" not in response.headers


@pytest.mark.parametrize(("body", "message"), [
    (BODY, "required key [anthropic_version] not found"),
    ({**BODY, "anthropic_version": "2026-10-21", "model": "x"}, "extraneous key [model] is not permitted"),
    ({**BODY, "anthropic_version": "2026-10-21", "stream": True}, "extraneous key [stream] is not permitted"),
    ({**BODY, "anthropic_version": "vertex-2023-10-16"}, "invalid anthropic_version"),
    ([1, 2], "expected type: JSONObject"),
])  # fmt: skip
def test_bedrock_refuses_malformed_bodies_in_its_own_shape(body: Any, message: str) -> None:
    response = _post(Emulator(), BEDROCK, body)
    assert response.status == 400 and message in response.json()["message"] and set(response.json()) == {"message"}
    assert response.headers["x-amzn-errortype"].startswith("ValidationException:")


def test_bedrock_unknown_model_and_missing_auth() -> None:
    emulator = Emulator()
    unknown = _post(emulator, "/model/claude-opus-4-7/invoke", {**BODY, "anthropic_version": "2026-10-21"})
    assert unknown.status == 400 and unknown.json() == {"message": "The provided model identifier is invalid."}
    anonymous = _post(emulator, BEDROCK, {**BODY, "anthropic_version": "2026-10-21"}, {})
    assert anonymous.status == 403
    assert anonymous.headers["x-amzn-errortype"].startswith("MissingAuthenticationTokenException")
    pinned = Emulator(api_key="labkit-test-pinned")
    wrong = _post(pinned, BEDROCK, {**BODY, "anthropic_version": "2026-10-21"})
    assert wrong.status == 403 and wrong.headers["x-amzn-errortype"].startswith("UnrecognizedClientException")


def test_bedrock_stream_is_event_stream_with_metrics_on_message_stop() -> None:
    path = "/model/us.anthropic.claude-opus-4-7/invoke-with-response-stream"
    response = _post(Emulator(), path, {**BODY, "anthropic_version": "2026-10-21"})
    assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
    events = [json.loads(base64.b64decode(json.loads(payload)["bytes"]))
              for headers, payload in decode_messages(response.content)]  # fmt: skip
    assert events[0]["type"] == "message_start" and events[-1]["type"] == "message_stop"
    metrics = events[-1]["amazon-bedrock-invocationMetrics"]
    assert metrics["outputTokenCount"] == events[-2]["usage"]["output_tokens"] > 0


def test_a_mid_stream_fault_is_an_event_stream_exception_the_sdk_raises() -> None:
    emulator = Emulator(faults=FaultPlan(script=["stream_error"]))
    client = emulator.bedrock_client(max_retries=0)
    model = "anthropic.claude-opus-4-7"
    with pytest.raises(anthropic.APIStatusError) as failure, client.messages.stream(model=model, **BODY) as stream:  # type: ignore[arg-type]
        for _ in stream:
            pass
    assert failure.value.body == {"type": "error", "error": {"type": "serviceUnavailableException",
                                                             "message": "Overloaded (emulated fault)"}}


def test_an_http_fault_is_bedrock_shaped() -> None:
    client = Emulator(faults=FaultPlan(script=["overloaded"])).bedrock_client(max_retries=0)
    with pytest.raises(anthropic.InternalServerError) as failure:
        client.messages.create(model="anthropic.claude-opus-4-7", **BODY)  # type: ignore[arg-type]
    assert failure.value.status_code == 503 and failure.value.body == {"message": "Overloaded (emulated fault)."}


def test_the_anthropic_route_refuses_platform_ids() -> None:
    client = Emulator().client()
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="anthropic.claude-opus-4-7", **BODY)  # type: ignore[arg-type]
    with pytest.raises(anthropic.NotFoundError):
        client.models.retrieve("claude-sonnet-4-5@20250929")


def test_vertex_version_field_and_errors() -> None:
    emulator = Emulator()
    missing = _post(emulator, VERTEX, BODY)
    assert missing.status == 400 and missing.json()["error"]["message"] == "anthropic_version: Field required"
    wrong = _post(emulator, VERTEX, {**BODY, "anthropic_version": "bedrock-2023-05-31"})
    assert wrong.status == 400 and wrong.json()["error"]["type"] == "invalid_request_error"
    model_in_body = _post(emulator, VERTEX, {**BODY, "anthropic_version": "vertex-2023-10-16", "model": "x"})
    assert model_in_body.status == 400
    ok = _post(emulator, VERTEX.replace("/v1/", "/"), {**BODY, "anthropic_version": "vertex-2023-10-16"})
    assert ok.status == 200 and ok.json()["model"] == "claude-opus-4-7"


def test_vertex_own_failures_are_google_shaped() -> None:
    emulator = Emulator()
    path = VERTEX.replace("claude-opus-4-7", "claude-opus-9")
    unknown = _post(emulator, path, {**BODY, "anthropic_version": "2026-10-21"})
    assert unknown.status == 404 and unknown.json()["error"]["status"] == "NOT_FOUND"
    anonymous = _post(emulator, VERTEX, {**BODY, "anthropic_version": "2026-10-21"}, {})
    assert anonymous.status == 401 and anonymous.json()["error"]["status"] == "UNAUTHENTICATED"
    limited = Emulator(faults=FaultPlan(script=["rate_limit"])).vertex_client(max_retries=0)
    with pytest.raises(anthropic.RateLimitError) as failure:
        limited.messages.create(model="claude-opus-4-7", **BODY)  # type: ignore[arg-type]
    assert failure.value.body["error"]["status"] == "RESOURCE_EXHAUSTED"  # type: ignore[index]


def test_vertex_stream_and_count_tokens_through_the_sdk() -> None:
    emulator = Emulator()
    client = emulator.vertex_client()
    with client.messages.stream(model="claude-sonnet-4-5@20250929", **BODY) as stream:  # type: ignore[arg-type]
        text = stream.get_final_text()
    assert "42" in text and emulator.counters["vertex.stream_raw_predict"] == 1
    counted = client.messages.count_tokens(model="claude-sonnet-4-5@20250929", messages=BODY["messages"])  # type: ignore[arg-type]
    direct = Emulator().client().messages.count_tokens(model="claude-sonnet-4-5", messages=BODY["messages"])  # type: ignore[arg-type]
    assert counted.input_tokens == direct.input_tokens > 0


def test_bedrock_sigv4_signed_requests_are_accepted() -> None:
    client = Emulator().bedrock_client(aws_access_key="AKIDLABKITTEST", aws_secret_key="labkit-test-placeholder")
    message = client.messages.create(model="anthropic.claude-haiku-4-5-20251001-v1:0", **BODY,  # type: ignore[arg-type]
                                     extra_body={"anthropic_version": "bedrock-2023-05-31"})  # fmt: skip
    assert message.model == "claude-haiku-4-5"


def test_bedrock_takes_2026_10_21_only_for_claude_4_7_and_newer() -> None:
    emulator = Emulator()
    old = "/model/anthropic.claude-sonnet-4-6/invoke"
    refused = _post(emulator, old, {**BODY, "anthropic_version": "2026-10-21"})
    assert refused.status == 400 and "use bedrock-2023-05-31" in refused.json()["message"]
    assert _post(emulator, old, {**BODY, "anthropic_version": "bedrock-2023-05-31"}).status == 200
    assert _post(emulator, BEDROCK, {**BODY, "anthropic_version": "2026-10-21"}).status == 200
    assert _post(emulator, BEDROCK, {**BODY, "anthropic_version": "bedrock-2023-05-31"}).status == 200


def test_labkit_emulator_command_serves_both_platforms() -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "labkit", "emulator", "--port", "0", "--seed", "3"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
            assert url.startswith("http://127.0.0.1:"), url
            bedrock = anthropic.AnthropicBedrock(api_key="labkit-test-placeholder", aws_region="us-east-1",
                                                 base_url=url, max_retries=0)  # fmt: skip
            with bedrock, bedrock.messages.stream(model="eu.anthropic.claude-opus-4-7", **BODY) as stream:  # type: ignore[arg-type]
                assert "42" in stream.get_final_text()
            with anthropic.AnthropicVertex(access_token="labkit-test-placeholder", region="us-east5", project_id="p",
                                           base_url=url + "/v1", max_retries=0) as vertex:  # fmt: skip
                with vertex.messages.stream(model="claude-opus-4-7", **BODY) as stream:  # type: ignore[arg-type]
                    assert "42" in stream.get_final_text()
                assert vertex.messages.create(model="claude-opus-4-7", **BODY).id.startswith("msg_synth_")  # type: ignore[arg-type]
        finally:
            process.terminate()
            process.wait(timeout=10)
