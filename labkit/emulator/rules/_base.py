"""Shared pieces of the emulator's request validation: the checked request and field-type checks.

`Request` is what `rules.validate_*` has established before the message and thinking rules run
(API version, beta flags, the catalog entry). The helpers raise `ApiProblem` 400s whose message
starts with the dotted path of the offending field, in the wording of the API's schema errors
("messages.0.role: Input should be 'user', 'assistant' or 'system'"). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from labkit.core import ModelInfo
from labkit.emulator.rules._problems import ApiProblem, bad_request

API_VERSIONS = ("2023-06-01", "2026-10-21")
CURRENT_VERSION = "2026-10-21"
Endpoint = Literal["messages", "count_tokens"]


def api_version(headers: Mapping[str, str]) -> str:
    """The request's ``anthropic-version`` (headers lower-cased); a 400 when missing or unknown."""
    version = headers.get("anthropic-version")
    if not version:
        raise bad_request("anthropic-version: header is required")
    if version not in API_VERSIONS:
        raise bad_request(f"anthropic-version: '{version}' is not a valid version ({', '.join(API_VERSIONS)})")
    return version


@dataclass(frozen=True, slots=True)
class Request:
    """A request body whose top-level shape, model and version are already known to be valid."""

    params: Mapping[str, Any]
    version: str
    betas: frozenset[str]
    model_id: str
    info: ModelInfo
    endpoint: Endpoint

    @property
    def messages(self) -> list[Any]:
        messages = self.params.get("messages")
        return list(messages) if isinstance(messages, list) else []

    @property
    def thinking_mode(self) -> str:
        """The thinking type in force: explicit, or the model's behaviour when ``thinking`` is omitted."""
        thinking = self.params.get("thinking")
        if isinstance(thinking, Mapping) and isinstance(thinking.get("type"), str):
            return str(thinking["type"])
        return "adaptive" if self.info.thinking_when_omitted == "adaptive" else "disabled"

    @property
    def thinking_on(self) -> bool:
        return self.thinking_mode in ("enabled", "adaptive")

    @property
    def current_version(self) -> bool:
        return self.version == CURRENT_VERSION


def field_error(path: str, message: str) -> ApiProblem:
    return bad_request(f"{path}: {message}")


def _literal_list(options: tuple[str, ...]) -> str:
    quoted = [f"'{o}'" for o in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def require_literal(value: Any, options: tuple[str, ...], path: str) -> str:
    if not isinstance(value, str) or value not in options:
        raise field_error(path, f"Input should be {_literal_list(options)}")
    return value


def require_tag(value: Any, options: tuple[str, ...], path: str) -> str:
    """A discriminator (``type``) value, with pydantic's tagged-union wording."""
    if not isinstance(value, str):
        raise field_error(path, "Field required" if value is None else "Input should be a valid string")
    if value not in options:
        expected = ", ".join(f"'{o}'" for o in options)
        raise field_error(
            path, f"Input tag '{value}' found using 'type' does not match any of the expected tags: {expected}"
        )
    return value


def require_mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise field_error(path, "Input should be a valid dictionary or object")
    return value


def require_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise field_error(path, "Input should be a valid list")
    return value


def require_str(value: Any, path: str) -> str:
    if value is None:
        raise field_error(path, "Field required")
    if not isinstance(value, str):
        raise field_error(path, "Input should be a valid string")
    return value


def require_int(value: Any, path: str) -> int:
    if value is None:
        raise field_error(path, "Field required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(path, "Input should be a valid integer")
    return value


def require_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise field_error(path, "Input should be a valid boolean")
    return value


def reject_extra(obj: Mapping[str, Any], allowed: frozenset[str] | set[str], path: str) -> None:
    """``<path>.<key>: Extra inputs are not permitted`` for the first key outside ``allowed``."""
    for key in obj:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise field_error(where, "Extra inputs are not permitted")
