"""Shared helpers of the emulator rule tests: request bodies, signed tool turns, 400 assertions."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.core._catalog import list_models
from labkit.emulator.rules._problems import ApiProblem
from labkit.emulator.rules._signing import Signer, reply_prefix
from labkit.emulator.rules._validate import validate_count_tokens_request, validate_messages_request

SIGNER = Signer(b"emulator-test-key-not-a-secret!!")
H = {"anthropic-version": "2026-10-21"}
OLD = {"anthropic-version": "2023-06-01"}
CALC = {"name": "calc", "description": "Evaluate arithmetic.", "input_schema": {"type": "object"}}
LIVE_MODELS = [m.id for m in list_models() if m.lifecycle != "retired"]  # type: ignore[union-attr]


def req(model: str = "claude-opus-5-5", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "max_tokens": 2048, "messages": [{"role": "user", "content": "Hi"}]}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def problem(params: Any, headers: dict[str, str] | None = None, *, count: bool = False) -> ApiProblem:
    with pytest.raises(ApiProblem) as caught:
        if count:
            validate_count_tokens_request(params, H if headers is None else headers, signer=SIGNER)
        else:
            validate_messages_request(params, H if headers is None else headers, signer=SIGNER)
    return caught.value


def bad(params: Any, prefix: str, headers: dict[str, str] | None = None, *, count: bool = False) -> str:
    """Assert a 400 whose message starts with ``prefix``; returns the message."""
    err = problem(params, headers, count=count)
    assert (err.status, err.error_type) == (400, "invalid_request_error"), err
    assert err.message.startswith(prefix), err.message
    return err.message


def ok(params: Any, headers: dict[str, str] | None = None) -> str:
    return validate_messages_request(params, H if headers is None else headers, signer=SIGNER).id


def tool_turn(params: dict[str, Any], *, thinking: str | None = "step 1", redacted: bool = False) -> dict[str, Any]:
    """``params`` continued by a signed assistant tool_use turn and its tool_result."""
    prefix = reply_prefix(params)
    blocks: list[dict[str, Any]] = []
    if redacted:
        data = SIGNER.sign_redacted(b"hidden", model=params["model"], prefix=prefix)
        blocks.append({"type": "redacted_thinking", "data": data})
    elif thinking is not None:
        sig = SIGNER.sign(thinking, model=params["model"], prefix=prefix)
        blocks.append({"type": "thinking", "thinking": thinking, "signature": sig})
    blocks.append({"type": "tool_use", "id": "toolu_1", "name": "calc", "input": {"expr": "2+2"}})
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "4"}]}
    return {**params, "messages": [*params["messages"], {"role": "assistant", "content": blocks}, result]}
