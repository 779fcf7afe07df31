"""What a failed request records: one error vocabulary whichever platform answered.

The Anthropic API names its errors in the body (``{"error": {"type": "rate_limit_error", ...}}``);
Bedrock in an ``x-amzn-ErrorType`` header over ``{"message": ...}`` (and an event-stream
``:exception-type`` mid-stream, which the SDK turns into an ``error`` event named e.g.
``throttlingException``); Vertex passes the Anthropic body through for the model's own errors and
answers its own failures Google-shaped (``{"error": {"code", "message", "status"}}``).
`error_type_of` maps each to the Anthropic ``error.type`` (so the same failure is the same row on
every backend) and `error_message_of` to ``"Error code: <status> - <message>"``.
"""

from __future__ import annotations

from typing import Any

import httpx2

from labkit.core import StreamErrorEvent, StreamStalled

PLATFORM_ERROR_TYPES = {
    # Bedrock (x-amzn-ErrorType, and the event-stream exception types, compared case-insensitively)
    "validationexception": "invalid_request_error", "throttlingexception": "rate_limit_error",
    "servicequotaexceededexception": "rate_limit_error", "serviceunavailableexception": "overloaded_error",
    "modelnotreadyexception": "overloaded_error", "internalserverexception": "api_error",
    "modelstreamerrorexception": "api_error", "modelerrorexception": "api_error",
    "modeltimeoutexception": "timeout_error", "accessdeniedexception": "permission_error",
    "unrecognizedclientexception": "authentication_error",
    "missingauthenticationtokenexception": "authentication_error", "resourcenotfoundexception": "not_found_error",
    # Vertex's own (Google) statuses
    "invalid_argument": "invalid_request_error", "failed_precondition": "invalid_request_error",
    "unauthenticated": "authentication_error", "permission_denied": "permission_error",
    "not_found": "not_found_error", "resource_exhausted": "rate_limit_error", "unavailable": "overloaded_error",
    "internal": "api_error", "deadline_exceeded": "timeout_error",
}  # fmt: skip
"""A platform's error name (lower-cased) -> the Anthropic ``error.type``."""


def _platform_type(name: str) -> str:
    return PLATFORM_ERROR_TYPES.get(name.lower(), name)


def _body_error(exc: BaseException) -> tuple[str | None, str | None]:
    """(error type, message) from an SDK error's body and headers, when it has them."""
    body = getattr(exc, "body", None)
    if not isinstance(body, dict):
        return None, None
    inner = body.get("error")
    if isinstance(inner, dict):
        message = inner.get("message") if isinstance(inner.get("message"), str) else None
        if isinstance(inner.get("type"), str):
            return _platform_type(inner["type"]), message
        if isinstance(inner.get("status"), str):
            return _platform_type(inner["status"]), message
    if isinstance(body.get("message"), str):
        response = getattr(exc, "response", None)
        header = response.headers.get("x-amzn-errortype", "") if response is not None else ""
        return (_platform_type(header.partition(":")[0]) if header else None), body["message"]
    return None, None


def error_type_of(exc: BaseException) -> str:
    """The error type a trial row records: the API's ``error.type`` when known, else the class name."""
    if isinstance(exc, StreamStalled | httpx2.TimeoutException):
        return "APITimeoutError"
    if isinstance(exc, httpx2.TransportError):
        return "APIConnectionError"
    kind, _ = _body_error(exc)
    return kind or type(exc).__name__


def error_message_of(exc: BaseException) -> str:
    """The message a trial row records (at most 500 characters)."""
    kind, message = _body_error(exc)
    if isinstance(exc, StreamErrorEvent):
        return f"error event mid-stream: {kind}: {message}"[:500]
    status: Any = getattr(exc, "status_code", None)
    if message is not None and status is not None:
        return f"Error code: {status} - {message}"[:500]
    return str(exc)[:500]
