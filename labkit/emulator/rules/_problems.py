"""`ApiProblem`: an error the emulator answers with, in the Anthropic error shape.

Raised by request validation and by fault injection; the HTTP layer turns it into
``{"type": "error", "error": {"type": ..., "message": ...}, "request_id": ...}`` with the status,
a ``request-id`` header and any extra headers (``retry-after`` on 429/529).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labkit.core import EmulatorError

STATUS_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass(frozen=True, slots=True)
class ApiProblem(EmulatorError):
    """An Anthropic-shaped API error. ``message`` names the offending field first, as the API does."""

    status: int
    message: str
    error_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.error_type:
            object.__setattr__(self, "error_type", STATUS_TYPES.get(self.status, "api_error"))

    def __str__(self) -> str:
        return f"{self.status} {self.error_type}: {self.message}"

    def body(self, request_id: str) -> dict[str, object]:
        return {
            "type": "error",
            "error": {"type": self.error_type, "message": self.message},
            "request_id": request_id,
        }


def bad_request(message: str) -> ApiProblem:
    """A 400 ``invalid_request_error``."""
    return ApiProblem(400, message)
