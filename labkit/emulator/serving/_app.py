"""Routing and the HTTP-level rules: method + path + headers + body -> `EmulatorResponse`.

Every request gets a ``request-id`` header (``req_011C...``; errors repeat it as ``request_id``
in the body), ``x-labkit-synthetic: true`` and ``anthropic-ratelimit-*`` headers. Before a
handler runs: the route must exist (404), a key must come in ``x-api-key`` or
``Authorization: Bearer`` (401; ``x-api-key`` wins when both are sent; any non-empty key unless
the emulator pins one), ``anthropic-version`` must be 2023-06-01 or 2026-10-21 (400), and the
body must fit (413 above 32 MB for messages and count_tokens, 256 MB for a batch) and be JSON.
An unexpected exception is answered as a 500 ``api_error`` and kept in ``App.failures``.
The Bedrock and Vertex routes (`labkit.emulator.serving._platforms`) check their own auth and body
version instead, answer errors in their platform's shape, and carry no Anthropic rate-limit headers.

`App` is given the endpoints and state it routes to (the Messages endpoint, the batch store, the id
minter, the fault plan, the pinned key); the `Emulator` wires them. Every carrier (the in-process
transports, the HTTP server) calls `App.handle`, so they cannot drift.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from labkit.core import LabkitError
from labkit.emulator.rules import ApiProblem, api_version, bad_request, check_body_size
from labkit.emulator.serving._batches import BatchStore
from labkit.emulator.serving._faults import FaultPlan
from labkit.emulator.serving._ids import IdMinter
from labkit.emulator.serving._messages import MessagesEndpoint, break_response
from labkit.emulator.serving._models_api import get_model_body, list_models_page, query_params
from labkit.emulator.serving._platforms import PlatformRoutes, check_platform_auth, platform_error, surface_of
from labkit.emulator.serving._ratelimits import RateLimits, minute_end
from labkit.emulator.serving._response import EmulatorResponse, error_response, json_response

MB = 1024 * 1024
BODY_LIMITS = {"batches.create": 256 * MB}
DRAWS_OWN_FAULT = frozenset({"messages", "bedrock.invoke", "bedrock.invoke_stream", "vertex.raw_predict",
                             "vertex.stream_raw_predict"})  # fmt: skip
"""Endpoints answered by `MessagesEndpoint.create`, which draws the fault itself."""
DEFAULT_BODY_LIMIT = 32 * MB


class Call:
    """One request as the handlers see it."""

    def __init__(self, headers: dict[str, str], body: bytes, query: str, base_url: str, request_id: str,
                 groups: tuple[str, ...]) -> None:  # fmt: skip
        self.headers, self.raw, self.query = headers, body, query
        self.base_url, self.request_id, self.groups = base_url, request_id, groups

    def json(self) -> Any:
        try:
            return json.loads(self.raw) if self.raw else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"body: invalid JSON ({exc})") from None


Handler = Callable[[Call], EmulatorResponse]


def check_auth(headers: Mapping[str, str], pinned: str | None) -> None:
    key = headers.get("x-api-key")
    if key is None and headers.get("authorization", "").lower().startswith("bearer "):
        key = headers["authorization"][7:].strip()
    if not key:
        raise ApiProblem(401, "x-api-key header or Authorization: Bearer is required")
    if pinned is not None and key != pinned:
        raise ApiProblem(401, "invalid x-api-key")


class App:
    """The emulator's HTTP application: routes, the HTTP-level rules, counters and failures."""

    def __init__(self, *, messages: MessagesEndpoint, batches: BatchStore, ids: IdMinter,
                 faults: FaultPlan | None, api_key: str | None,
                 rate_limits: RateLimits | None = None) -> None:  # fmt: skip
        self.messages, self.batches, self.ids = messages, batches, ids
        self.rate_limits = rate_limits if rate_limits is not None else RateLimits()
        self.faults, self.api_key = faults, api_key
        self.counters: Counter[str] = Counter()
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()
        self._minute = (0, 0)
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = [
            ("POST", re.compile(r"/v1/messages"), "messages",
             lambda c: messages.create(c.json(), c.headers, c.request_id)),
            ("POST", re.compile(r"/v1/messages/count_tokens"), "count_tokens",
             lambda c: messages.count_tokens(c.json(), c.headers)),
            ("GET", re.compile(r"/v1/models"), "models.list",
             lambda c: json_response(200, list_models_page(query_params(c.query)))),
            ("GET", re.compile(r"/v1/models/([^/]+)"), "models.retrieve",
             lambda c: json_response(200, get_model_body(c.groups[0]))),
            ("POST", re.compile(r"/v1/messages/batches"), "batches.create",
             lambda c: json_response(200, batches.create(c.json(), c.headers, c.base_url))),
            ("GET", re.compile(r"/v1/messages/batches"), "batches.list",
             lambda c: json_response(200, batches.list_page(query_params(c.query), c.base_url))),
            ("GET", re.compile(r"/v1/messages/batches/([^/]+)"), "batches.retrieve",
             lambda c: json_response(200, batches.retrieve(c.groups[0], c.base_url))),
            ("POST", re.compile(r"/v1/messages/batches/([^/]+)/cancel"), "batches.cancel",
             lambda c: json_response(200, batches.cancel(c.groups[0], c.base_url))),
            ("DELETE", re.compile(r"/v1/messages/batches/([^/]+)"), "batches.delete",
             lambda c: json_response(200, batches.delete(c.groups[0]))),
            ("GET", re.compile(r"/v1/messages/batches/([^/]+)/results"), "batches.results",
             lambda c: EmulatorResponse(status=200, headers={"content-type": "application/x-jsonl"},
                                        body=batches.results(c.groups[0]))),
            *PlatformRoutes(messages).routes(),
        ]  # fmt: skip

    def route(self, method: str, path: str) -> tuple[str, Handler, tuple[str, ...]]:
        """The endpoint name, handler and path groups for a request (404 / 405 when none)."""
        allowed = False
        for verb, pattern, name, handler in self.routes:
            if (match := pattern.fullmatch(path)) is not None:
                if verb == method.upper():
                    return name, handler, match.groups()
                allowed = True
        if allowed:
            raise ApiProblem(405, f"Method {method.upper()} not allowed for {path}",
                             error_type="invalid_request_error")  # fmt: skip
        raise ApiProblem(404, f"Not found: {method.upper()} {path}")

    def _count(self, endpoint: str) -> None:
        with self._lock:
            self.counters[endpoint] += 1

    def _count_request(self, now: float) -> int:
        """Count one request in the minute holding ``now``; how many that minute has had."""
        minute = int(now) // 60
        with self._lock:
            count = self._minute[1] + 1 if self._minute[0] == minute else 1
            self._minute = (minute, count)
        return count

    def _endpoint_fault(self, name: str) -> str | None:
        """A fault for a non-Messages endpoint listed in ``FaultPlan.endpoints``: HTTP faults raise
        here; a connection fault (drop/stall) is returned, to cut the body once it is made."""
        fault = self.messages.draw_fault(name)
        if fault is None or self.faults is None:
            return None
        problem = self.faults.http_problem(fault, streaming=False)
        if problem is not None:
            raise problem
        return fault

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes,
               base_url: str) -> EmulatorResponse:  # fmt: skip
        """Answer one HTTP request (``target`` is the path with its query string)."""
        request_id = self.ids.request_id()
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        path, _, query = target.partition("?")
        surface = "anthropic"
        try:
            name, handler, groups = self.route(method, path)
            surface = surface_of(name)
            self._count(name)
            if surface == "anthropic":
                check_auth(lowered, self.api_key)
                api_version(lowered)
            else:  # the platforms carry the version in the body (checked by the route)
                check_platform_auth(surface, lowered, self.api_key)
            check_body_size(len(body), limit=BODY_LIMITS.get(name, DEFAULT_BODY_LIMIT))
            now = time.time()
            if surface == "anthropic" and self.rate_limits.exceeded(self._count_request(now)):
                wait = max(1, minute_end(now) - int(now))
                raise ApiProblem(429, "Number of requests has exceeded your per-minute rate limit (emulated limit: "
                                      f"{self.rate_limits.requests_per_minute}).", headers={"retry-after": str(wait)})
            fault = None if name in DRAWS_OWN_FAULT else self._endpoint_fault(name)
            response = handler(Call(lowered, body, query, base_url, request_id, groups))
            if fault is not None and self.faults is not None:
                break_response(response, fault, self.faults, request_id)
        except ApiProblem as problem:
            response = self._error(surface, problem, request_id)
        except LabkitError as exc:
            response = self._error(surface, bad_request(str(exc)), request_id)
        except Exception as exc:  # a defect: answer like the API would, and keep it for tests
            self.failures.append(exc)
            failed = ApiProblem(500, f"Internal server error ({type(exc).__name__})")
            response = self._error(surface, failed, request_id)
        now = time.time()
        if surface == "anthropic":
            response.headers.update(self.rate_limits.headers(self._minute[1], now))
        response.headers["request-id"] = request_id
        response.headers["x-labkit-synthetic"] = "true"
        return response

    def refuse_oversized(self, method: str, target: str, declared: int) -> EmulatorResponse | None:
        """The 413 for a body whose declared length is over its endpoint's limit, decided before a byte
        of it is read (an HTTP carrier calls this first); None when the length is fine or unknown."""
        try:
            name, _, _ = self.route(method, target.partition("?")[0])
            check_body_size(declared, limit=BODY_LIMITS.get(name, DEFAULT_BODY_LIMIT))
        except ApiProblem as problem:
            if problem.status != 413:
                return None  # an unknown route is answered by `handle`, as always
            response = self._error(surface_of(name), problem, self.ids.request_id())
            response.headers["x-labkit-synthetic"] = "true"
            return response
        return None

    @staticmethod
    def _error(surface: str, problem: ApiProblem, request_id: str) -> EmulatorResponse:
        if surface == "anthropic":
            return error_response(problem, request_id)
        return platform_error(surface, problem, request_id)  # type: ignore[arg-type]
