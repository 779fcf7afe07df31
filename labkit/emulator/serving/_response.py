"""`EmulatorResponse`: what the emulator core answers, before any transport carries it.

A response is a status, headers and either a whole ``body`` or a list of pre-encoded SSE
``chunks`` (each with the delay to wait before it when a latency profile asks for one). An
``interrupt`` ("drop" or "stall") tells the carrier to break the connection, or stop sending for
``stall_s`` seconds, after the chunks. The in-process transports (`transport`) and the HTTP
server (`server`) are the only places that wait or break anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from labkit.emulator.rules import ApiProblem
from labkit.emulator.serving._sse import encode_json

Interrupt = Literal["drop", "stall"]


@dataclass(slots=True, kw_only=True)
class EmulatorResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks: list[bytes] | None = None
    delays: list[float] | None = None
    """Seconds to wait before each chunk (None: no waiting)."""
    delay_s: float = 0.0
    """Seconds to wait before a non-streamed body (the whole reply's production time)."""
    interrupt: Interrupt | None = None
    stall_s: float = 0.0

    @property
    def streaming(self) -> bool:
        return self.chunks is not None

    @property
    def content(self) -> bytes:
        """The whole body as sent (the chunks joined for a stream; what arrives before an interrupt)."""
        return b"".join(self.chunks) if self.chunks is not None else self.body

    def json(self) -> Any:
        return json.loads(self.content)

    def wait_before(self, index: int) -> float:
        """The delay before chunk ``index``."""
        return self.delays[index] if self.delays is not None and index < len(self.delays) else 0.0


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> EmulatorResponse:
    body = encode_json(data).encode("utf-8")
    out = {"content-type": "application/json", **(headers or {})}
    return EmulatorResponse(status=status, headers=out, body=body)


def error_response(problem: ApiProblem, request_id: str) -> EmulatorResponse:
    """The Anthropic error body with ``request_id``, plus the problem's headers (retry-after)."""
    headers = dict(problem.headers)
    if problem.status in (429, 529) and "retry-after" not in headers:
        headers["retry-after"] = "1"
    return json_response(problem.status, problem.body(request_id), headers)
