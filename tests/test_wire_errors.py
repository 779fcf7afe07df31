"""One error vocabulary across the Anthropic API, Bedrock and Vertex."""

from __future__ import annotations

from typing import Any

import httpx2

from labkit.core import StreamErrorEvent
from labkit.lab._wire_errors import error_message_of, error_type_of


class Fake(Exception):
    def __init__(self, body: Any, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__("raw")
        self.body, self.status_code = body, status
        self.response = httpx2.Response(status, headers=headers or {})


def test_each_platform_shape_maps_to_the_anthropic_type() -> None:
    anthropic_body = Fake({"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}}, 429)
    bedrock = Fake({"message": "slow"}, 429, {"x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/"})
    google = Fake({"error": {"code": 429, "message": "slow", "status": "RESOURCE_EXHAUSTED"}}, 429)
    for exc in (anthropic_body, bedrock, google):
        assert error_type_of(exc) == "rate_limit_error"
        assert error_message_of(exc) == "Error code: 429 - slow"


def test_stream_errors_and_unknown_shapes() -> None:
    event = StreamErrorEvent({"type": "error", "error": {"type": "serviceUnavailableException", "message": "busy"}})
    assert error_type_of(event) == "overloaded_error"
    assert error_message_of(event) == "error event mid-stream: overloaded_error: busy"
    assert error_type_of(Fake({"message": "no header"})) == "Fake"
    assert error_type_of(ValueError("x")) == "ValueError" and error_message_of(ValueError("x")) == "x"
    assert error_type_of(httpx2.ReadTimeout("t")) == "APITimeoutError"
    assert error_type_of(httpx2.ConnectError("c")) == "APIConnectionError"
    assert len(error_message_of(Fake({"message": "m" * 900}))) == 500
