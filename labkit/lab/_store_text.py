"""What the store writes as text: compact JSON with every secret dropped or redacted.

Two rules, applied to every text `labkit.lab.Store` writes (rows, params, knobs, completions,
events): a dict key matching `labkit.lab.SECRET_KEY` is dropped wherever it is nested (`scrub`),
and the value of each `SECRET_ENV_VARS` variable set now is replaced by `REDACTED` wherever it
appears. The key rule first looks for the four spellings every matching key contains in a
lower-cased copy (ten times a regex search over a trial's events), and only parses and rewrites a
text that has one. Pure apart from reading the environment.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pydantic_core

from labkit.lab._trial import scrub

__all__ = ["REDACTED", "SECRET_ENV_VARS", "SECRET_NAMES", "env_secrets", "json_text", "scrubbed", "to_json"]

SECRET_ENV_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
REDACTED = "[redacted]"
SECRET_NAMES = ("apikey", "api_key", "api-key", "authorization")
"""Every spelling `labkit.lab.SECRET_KEY` matches contains one of these (lower-cased)."""


def env_secrets() -> tuple[str, ...]:
    """The values of `SECRET_ENV_VARS` set now (8 characters or more: shorter ones are no key and
    would redact ordinary words). The store reads them once per trial, not once per text."""
    found = (os.environ.get(var) for var in SECRET_ENV_VARS)
    return tuple(secret for secret in found if secret and len(secret) >= 8)


def to_json(value: Any) -> str:
    """Compact JSON by pydantic-core's encoder (several times json.dumps' speed; what it cannot encode
    becomes ``str(value)``); json.dumps for what it refuses (bytes that are not UTF-8)."""
    try:
        return pydantic_core.to_json(value, fallback=str).decode("utf-8")
    except (ValueError, TypeError, UnicodeDecodeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def scrubbed(text: str, secrets: tuple[str, ...] | None = None) -> str:
    """JSON ``text`` with every secret-named key dropped and every one of ``secrets`` (default: the
    environment's, `env_secrets`) redacted."""
    lowered = text.lower()
    if any(name in lowered for name in SECRET_NAMES):  # only a text that may hold such a key is parsed
        text = json.dumps(scrub(json.loads(text)), ensure_ascii=False, separators=(",", ":"))
    for secret in env_secrets() if secrets is None else secrets:
        text = text.replace(secret, REDACTED)
    return text


def json_text(value: Any, secrets: tuple[str, ...] | None = None) -> str:
    """``value`` as compact JSON, secrets dropped and redacted (see `scrubbed`)."""
    return scrubbed(to_json(value), secrets)
