"""Amazon Bedrock and Google Vertex AI routes over the same Messages endpoint, in each platform's dialect.

What the SDK's `AnthropicBedrock` / `AnthropicVertex` send (read from ``anthropic.lib.bedrock`` and
``anthropic.lib.vertex``) and what each platform answers:

- **Bedrock** ``POST /model/{model}/invoke`` (JSON) and ``.../invoke-with-response-stream`` (the AWS
  event-stream framing of `labkit.emulator.serving._eventstream`, each API event a base64 ``chunk``).
  The model is in the path (URL-quoted; inference profiles and ARNs too); the body carries
  ``anthropic_version`` (``bedrock-2023-05-31``, or ``2026-10-21`` for Claude 4.7+ models only:
  `labkit.core.bedrock_version`) and optional ``anthropic_beta``
  and must not carry ``model`` or ``stream``. Auth: ``Authorization: Bearer`` (Bedrock API key) or a
  SigV4 ``AWS4-HMAC-SHA256`` signature (its shape is checked; there is no secret to verify it
  against). Errors: ``{"message": ...}`` with ``x-amzn-ErrorType`` (``ValidationException`` 400,
  ``ThrottlingException`` 429, ``ServiceUnavailableException`` 503, ...); a failure after HTTP 200 is
  an event-stream ``exception`` message. ``message_stop`` carries ``amazon-bedrock-invocationMetrics``.
- **Vertex** ``POST [/v1]/projects/{p}/locations/{r}/publishers/anthropic/models/{model}:rawPredict``
  and ``:streamRawPredict`` (SSE, as the Anthropic API sends it), and ``models/count-tokens:rawPredict``.
  The body carries ``anthropic_version`` (``vertex-2023-10-16`` or ``2026-10-21``) and keeps
  ``stream``. Auth: ``Authorization: Bearer`` (an OAuth access token). Errors from the model pass
  through as the Anthropic error body; those of the platform itself (auth, unknown model, quota)
  are Google-shaped ``{"error": {"code", "message", "status"}}``.

A platform model id is resolved through the catalog and the request is validated and answered as the
Anthropic model id (the body's ``model`` says so, as the platforms' replies do), so the synthetic
model, the rules and the signatures are exactly the Anthropic route's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import unquote

from labkit.core import UnknownModelError, bedrock_version, get_model
from labkit.emulator.rules import ApiProblem, bad_request
from labkit.emulator.serving._eventstream import CONTENT_TYPE, chunk_message, exception_message
from labkit.emulator.serving._messages import MessagesEndpoint
from labkit.emulator.serving._response import EmulatorResponse, json_response
from labkit.emulator.serving._sse import encode_json, parse_events

Surface = Literal["anthropic", "bedrock", "vertex"]
BEDROCK_VERSIONS = ("bedrock-2023-05-31", "2026-10-21")
VERTEX_VERSIONS = ("vertex-2023-10-16", "2026-10-21")
_AS_HEADER_VERSION = {"bedrock-2023-05-31": "2023-06-01", "vertex-2023-10-16": "2023-06-01"}
"""The platforms' own dated versions behave as the API's 2023-06-01."""

BEDROCK_ERRORS: dict[int, tuple[int, str]] = {
    400: (400, "ValidationException"), 401: (403, "UnrecognizedClientException"),
    403: (403, "AccessDeniedException"), 404: (404, "ResourceNotFoundException"),
    408: (408, "ModelTimeoutException"), 413: (400, "ValidationException"), 429: (429, "ThrottlingException"),
    500: (500, "InternalServerException"), 529: (503, "ServiceUnavailableException"),
}  # fmt: skip
"""Anthropic status -> (Bedrock status, x-amzn-ErrorType)."""
BEDROCK_STREAM_ERRORS = {"overloaded_error": "serviceUnavailableException", "rate_limit_error": "throttlingException",
                         "invalid_request_error": "validationException"}  # fmt: skip
"""A mid-stream error event's type -> the event-stream ``:exception-type`` (else internalServerException)."""
GOOGLE_STATUS = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
"""The failures Vertex answers itself (Google-shaped); others pass the Anthropic error body through."""

_VERTEX_PATH = r"(?:/v1)?/projects/([^/]+)/locations/([^/]+)/publishers/anthropic/models/([^/:]+)"
Route = tuple[str, re.Pattern[str], str, Callable[[Any], EmulatorResponse]]


def surface_of(endpoint: str) -> Surface:
    """Which dialect an endpoint name speaks (platform routes are named ``bedrock.*`` / ``vertex.*``)."""
    head = endpoint.partition(".")[0]
    return head if head in ("bedrock", "vertex") else "anthropic"  # type: ignore[return-value]


class PlatformRoutes:
    """The Bedrock and Vertex routes, answered by one `MessagesEndpoint`."""

    def __init__(self, messages: MessagesEndpoint) -> None:
        self.messages = messages

    def routes(self) -> list[Route]:
        """Route entries in `App.routes`' form: (method, path pattern, endpoint name, handler)."""
        return [
            ("POST", re.compile(r"/model/([^/]+)/invoke"), "bedrock.invoke", lambda c: self.bedrock(c, stream=False)),
            ("POST", re.compile(r"/model/([^/]+)/invoke-with-response-stream"), "bedrock.invoke_stream",
             lambda c: self.bedrock(c, stream=True)),
            ("POST", re.compile(_VERTEX_PATH + r":rawPredict"), "vertex.raw_predict", self.vertex),
            ("POST", re.compile(_VERTEX_PATH + r":streamRawPredict"), "vertex.stream_raw_predict", self.vertex),
        ]  # fmt: skip

    # -- Bedrock ---------------------------------------------------------------------------------

    def bedrock(self, call: Any, *, stream: bool) -> EmulatorResponse:
        body = _body(call, malformed=_malformed)
        for key in ("model", "stream"):
            if key in body:
                raise bad_request(_malformed(f"extraneous key [{key}] is not permitted"))
        version = body.pop("anthropic_version", None)
        if version is None:
            raise bad_request(_malformed("required key [anthropic_version] not found"))
        if version not in BEDROCK_VERSIONS:
            raise bad_request(f"invalid anthropic_version {version!r}: use one of {', '.join(BEDROCK_VERSIONS)}")
        model_id = unquote(call.groups[0])
        try:
            info = get_model(model_id, platform="bedrock")
        except UnknownModelError:
            raise bad_request("The provided model identifier is invalid.") from None
        if version != bedrock_version(info.id) and version == "2026-10-21":
            raise bad_request(f"anthropic_version 2026-10-21 is not supported for {model_id}; "
                              f"use {bedrock_version(info.id)}")  # fmt: skip
        headers = _api_headers(call.headers, version, body.pop("anthropic_beta", None))
        params = {**body, "model": info.id, **({"stream": True} if stream else {})}
        response = self.messages.create(params, headers, call.request_id)
        return _to_event_stream(response) if stream else _with_bedrock_counts(response)

    # -- Vertex ----------------------------------------------------------------------------------

    def vertex(self, call: Any) -> EmulatorResponse:
        project, region, model_id = (unquote(g) for g in call.groups)
        body = _body(call, malformed=lambda text: f"body: {text}")
        version = body.pop("anthropic_version", None)
        if version is None:
            raise bad_request("anthropic_version: Field required")
        if version not in VERTEX_VERSIONS:
            raise bad_request(f"anthropic_version: Input should be {' or '.join(map(repr, VERTEX_VERSIONS))}")
        headers = _api_headers(call.headers, version, body.pop("anthropic_beta", None))
        if model_id == "count-tokens":
            body["model"] = _vertex_model(str(body.get("model")), project, region).id if "model" in body else None
            return self.messages.count_tokens(body, headers)
        if "model" in body:
            raise bad_request("model: Extra inputs are not permitted")
        params = {**body, "model": _vertex_model(model_id, project, region).id}
        return self.messages.create(params, headers, call.request_id)


def _body(call: Any, *, malformed: Callable[[str], str]) -> dict[str, Any]:
    try:
        body = json.loads(call.raw) if call.raw else None
    except (ValueError, UnicodeDecodeError):
        raise bad_request(malformed("the body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise bad_request(malformed("expected type: JSONObject"))
    return body


def _malformed(detail: str) -> str:
    return f"Malformed input request: #: {detail}, please reformat your input and try again."


def _api_headers(headers: Mapping[str, str], version: str, betas: Any) -> dict[str, str]:
    """The headers the Messages rules read, from the platform body's version and beta fields."""
    out = {**headers, "anthropic-version": _AS_HEADER_VERSION.get(version, version)}
    out.pop("anthropic-beta", None)
    if betas:
        if not isinstance(betas, list) or not all(isinstance(b, str) for b in betas):
            raise bad_request("anthropic_beta: Input should be a list of strings")
        out["anthropic-beta"] = ",".join(betas)
    return out


def _vertex_model(model_id: str, project: str, region: str) -> Any:
    try:
        return get_model(model_id, platform="vertex")
    except UnknownModelError:
        raise ApiProblem(404, f"Publisher Model `projects/{project}/locations/{region}/publishers/anthropic/models/"
                              f"{model_id}` was not found or your project does not have access to it. Please "
                              "ensure you are using a valid model version.") from None  # fmt: skip


def _with_bedrock_counts(response: EmulatorResponse) -> EmulatorResponse:
    """Bedrock's token-count headers on a whole JSON reply (a cut reply is left as it is)."""
    if response.chunks is None and response.status == 200:
        usage = json.loads(response.body).get("usage") or {}
        response.headers["x-amzn-bedrock-input-token-count"] = str(usage.get("input_tokens", 0))
        response.headers["x-amzn-bedrock-output-token-count"] = str(usage.get("output_tokens", 0))
        response.headers["x-amzn-bedrock-invocation-latency"] = str(round(response.delay_s * 1000))
    return response


def _to_event_stream(response: EmulatorResponse) -> EmulatorResponse:
    """The SSE chunks re-framed one for one (delays and interrupts kept) as event-stream messages."""
    if response.chunks is None:
        return response
    frames: list[bytes] = []
    usage = {"input": 0, "output": 0}
    delays = response.delays or []
    for index, chunk in enumerate(response.chunks):
        for name, data in parse_events(chunk):
            event = json.loads(data)
            if name == "error":
                error = event.get("error") or {}
                kind = BEDROCK_STREAM_ERRORS.get(str(error.get("type")), "internalServerException")
                frames.append(exception_message(kind, str(error.get("message", ""))))
                continue
            if name == "message_start":
                usage["input"] = int(((event.get("message") or {}).get("usage") or {}).get("input_tokens", 0))
            elif name == "message_delta":
                usage["output"] = int((event.get("usage") or {}).get("output_tokens", 0))
            elif name == "message_stop":
                event["amazon-bedrock-invocationMetrics"] = {
                    "inputTokenCount": usage["input"], "outputTokenCount": usage["output"],
                    "invocationLatency": round(sum(delays[: index + 1]) * 1000),
                    "firstByteLatency": round(sum(delays[:2]) * 1000),
                }  # fmt: skip
                data = encode_json(event)
            frames.append(chunk_message(data))
    response.chunks = frames
    response.headers["content-type"] = CONTENT_TYPE
    response.headers["x-amzn-bedrock-content-type"] = "application/json"
    return response


def check_platform_auth(surface: Surface, headers: Mapping[str, str], pinned: str | None) -> None:
    """Bedrock: a Bearer API key or a SigV4 signature; Vertex: a Bearer access token."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        if token and (pinned is None or token == pinned):
            return
        raise ApiProblem(401, "The security token included in the request is invalid."
                         if surface == "bedrock" else "Request had invalid authentication credentials.")  # fmt: skip
    if surface == "bedrock" and auth.startswith("AWS4-HMAC-SHA256 ") and "Credential=" in auth and \
            "Signature=" in auth and headers.get("x-amz-date"):  # fmt: skip
        return
    if surface == "bedrock":
        raise ApiProblem(403, "Missing Authentication Token", error_type="MissingAuthenticationTokenException")
    raise ApiProblem(401, "Request is missing required authentication credential. Expected OAuth 2 access token, "
                          "login cookie or other valid authentication credential.")  # fmt: skip


def platform_error(surface: Surface, problem: ApiProblem, request_id: str) -> EmulatorResponse:
    """``problem`` as the platform answers it (see the module docstring)."""
    if surface == "bedrock":
        status, kind = BEDROCK_ERRORS.get(problem.status, (problem.status, "InternalServerException"))
        if problem.error_type.endswith("Exception"):
            kind = problem.error_type
        return json_response(status, {"message": problem.message}, {
            "x-amzn-errortype": f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "x-amzn-requestid": request_id})  # fmt: skip
    if problem.status in GOOGLE_STATUS:
        message = problem.message
        if problem.status == 429:
            message = ("Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model "
                       "with base model: anthropic-claude. Please submit a quota increase request.")  # fmt: skip
        error = {"code": problem.status, "message": message, "status": GOOGLE_STATUS[problem.status]}
        return json_response(problem.status, {"error": error})
    return json_response(problem.status, {"type": "error", "error": {"type": problem.error_type,
                                                                      "message": problem.message}})
