"""Routing and the HTTP-level rules: method + path + headers + body -> `EmulatorResponse`.

Every request gets a ``request-id`` header (``req_011C...``; errors repeat it as ``request_id``
in the body), ``x-labkit-synthetic: true`` and ``anthropic-ratelimit-*`` headers. Before a
handler runs: the route must exist (404), a key must come in ``x-api-key`` or
``Authorization: Bearer`` (401; ``x-api-key`` wins when both are sent; any non-empty key unless
the emulator pins one), ``anthropic-version`` must be 2023-06-01 or 2026-10-21 (400), and the
body must fit (413 above 32 MB for messages and count_tokens, 256 MB for a batch) and be JSON.
An unexpected exception is answered as a 500 ``api_error`` and kept in ``emulator.failures``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from labkit.core import LabkitError
from labkit.emulator.rules import ApiProblem, api_version, bad_request, check_body_size
from labkit.emulator.serving import _messages as messages
from labkit.emulator.serving import _models_api as models_api
from labkit.emulator.serving._response import EmulatorResponse, error_response, json_response

if TYPE_CHECKING:
    from labkit.emulator.serving._emulator import Emulator

MB = 1024 * 1024
BODY_LIMITS = {"batches.create": 256 * MB}
DEFAULT_BODY_LIMIT = 32 * MB
RATE_LIMITS = {"requests": 4_000, "tokens": 2_000_000, "input-tokens": 2_000_000, "output-tokens": 400_000}


class Call:
    """One request as the handlers see it."""

    def __init__(self, emu: Emulator, headers: dict[str, str], body: bytes, query: str, base_url: str,
                 request_id: str, groups: tuple[str, ...]) -> None:
        self.emu, self.headers, self.raw, self.query = emu, headers, body, query
        self.base_url, self.request_id, self.groups = base_url, request_id, groups

    def json(self) -> Any:
        try:
            return json.loads(self.raw) if self.raw else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"body: invalid JSON ({exc})") from None


Handler = Callable[[Call], EmulatorResponse]


def _jsonl(call: Call) -> EmulatorResponse:
    body = call.emu.batches.results(call.groups[0])
    return EmulatorResponse(status=200, headers={"content-type": "application/x-jsonl"}, body=body)


ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    ("POST", re.compile(r"/v1/messages"), "messages",
     lambda c: messages.create(c.emu, c.json(), c.headers, c.request_id)),
    ("POST", re.compile(r"/v1/messages/count_tokens"), "count_tokens",
     lambda c: messages.count_tokens(c.emu, c.json(), c.headers)),
    ("GET", re.compile(r"/v1/models"), "models.list",
     lambda c: json_response(200, models_api.list_models_page(models_api.query_params(c.query)))),
    ("GET", re.compile(r"/v1/models/([^/]+)"), "models.retrieve",
     lambda c: json_response(200, models_api.get_model_body(c.groups[0]))),
    ("POST", re.compile(r"/v1/messages/batches"), "batches.create",
     lambda c: json_response(200, c.emu.batches.create(c.emu, c.json(), c.headers, c.base_url))),
    ("GET", re.compile(r"/v1/messages/batches"), "batches.list",
     lambda c: json_response(200, c.emu.batches.list_page(c.emu, models_api.query_params(c.query), c.base_url))),
    ("GET", re.compile(r"/v1/messages/batches/([^/]+)"), "batches.retrieve",
     lambda c: json_response(200, c.emu.batches.retrieve(c.emu, c.groups[0], c.base_url))),
    ("POST", re.compile(r"/v1/messages/batches/([^/]+)/cancel"), "batches.cancel",
     lambda c: json_response(200, c.emu.batches.cancel(c.groups[0], c.base_url))),
    ("DELETE", re.compile(r"/v1/messages/batches/([^/]+)"), "batches.delete",
     lambda c: json_response(200, c.emu.batches.delete(c.groups[0]))),
    ("GET", re.compile(r"/v1/messages/batches/([^/]+)/results"), "batches.results", _jsonl),
]  # fmt: skip


def route(method: str, path: str) -> tuple[str, Handler, tuple[str, ...]]:
    """The endpoint name, handler and path groups for a request (404 / 405 when none)."""
    allowed = False
    for verb, pattern, name, handler in ROUTES:
        if (match := pattern.fullmatch(path)) is not None:
            if verb == method.upper():
                return name, handler, match.groups()
            allowed = True
    if allowed:
        raise ApiProblem(405, f"Method {method.upper()} not allowed for {path}", error_type="invalid_request_error")
    raise ApiProblem(404, f"Not found: {method.upper()} {path}")


def check_auth(headers: Mapping[str, str], pinned: str | None) -> None:
    key = headers.get("x-api-key")
    if key is None and headers.get("authorization", "").lower().startswith("bearer "):
        key = headers["authorization"][7:].strip()
    if not key:
        raise ApiProblem(401, "x-api-key header or Authorization: Bearer is required")
    if pinned is not None and key != pinned:
        raise ApiProblem(401, "invalid x-api-key")


def ratelimit_headers(used_this_minute: int, now: float) -> dict[str, str]:
    reset = datetime.fromtimestamp((int(now) // 60 + 1) * 60, UTC).isoformat().replace("+00:00", "Z")
    out: dict[str, str] = {}
    for kind, limit in RATE_LIMITS.items():
        used = used_this_minute if kind == "requests" else 0
        out[f"anthropic-ratelimit-{kind}-limit"] = str(limit)
        out[f"anthropic-ratelimit-{kind}-remaining"] = str(max(0, limit - used))
        out[f"anthropic-ratelimit-{kind}-reset"] = reset
    return out


def _endpoint_fault(emu: Emulator, name: str) -> str | None:
    """A fault for a non-Messages endpoint listed in ``FaultPlan.endpoints``: HTTP faults raise here;
    a connection fault (drop/stall) is returned, to cut the body once it is made."""
    fault = emu.draw_fault(name)
    if fault is None or emu.faults is None:
        return None
    problem = emu.faults.http_problem(fault, streaming=False)
    if problem is not None:
        raise problem
    return fault


def handle(emu: Emulator, method: str, target: str, headers: Mapping[str, str], body: bytes,
           base_url: str) -> EmulatorResponse:
    """Answer one HTTP request (``target`` is the path with its query string)."""
    request_id = emu.next_request_id()
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    path, _, query = target.partition("?")
    try:
        name, handler, groups = route(method, path)
        emu.count(name)
        check_auth(lowered, emu.api_key)
        api_version(lowered)
        check_body_size(len(body), limit=BODY_LIMITS.get(name, DEFAULT_BODY_LIMIT))
        fault = None if name == "messages" else _endpoint_fault(emu, name)  # messages draws its own
        response = handler(Call(emu, lowered, body, query, base_url, request_id, groups))
        if fault is not None and emu.faults is not None:
            messages.break_response(response, fault, emu.faults, request_id)
    except ApiProblem as problem:
        response = error_response(problem, request_id)
    except LabkitError as exc:
        response = error_response(bad_request(str(exc)), request_id)
    except Exception as exc:  # a defect: answer like the API would, and keep it for tests
        emu.failures.append(exc)
        response = error_response(ApiProblem(500, f"Internal server error ({type(exc).__name__})"), request_id)
    now = time.time()
    response.headers.update(ratelimit_headers(emu.requests_this_minute(now), now))
    response.headers["request-id"] = request_id
    response.headers["x-labkit-synthetic"] = "true"
    return response
