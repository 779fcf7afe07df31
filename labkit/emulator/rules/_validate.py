"""The emulator's request validation: a request the real API would reject is rejected here first.

`validate_messages_request` and `validate_count_tokens_request` check a parsed JSON body against
the rules of the model it names (from labkit's catalog) and raise `ApiProblem` with the status and
an Anthropic-style message that names the offending field first. This module owns the top level:
``anthropic-version``, unknown fields ("Extra inputs are not permitted"; sampling parameters under
2026-10-21), the model (404 when unknown or retired), ``max_tokens``, field types, ``tools`` and
``tool_choice``. Message rules live in `rules_messages`, thinking rules in `rules_thinking`.
Pure functions over dicts: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from labkit.core import ModelInfo, UnknownModelError, get_model
from labkit.emulator.rules import _messages as rules_messages
from labkit.emulator.rules import _thinking as rules_thinking
from labkit.emulator.rules._base import (
    Endpoint,
    Request,
    api_version,
    field_error,
    reject_extra,
    require_bool,
    require_int,
    require_list,
    require_literal,
    require_mapping,
    require_str,
    require_tag,
)
from labkit.emulator.rules._problems import ApiProblem, bad_request
from labkit.emulator.rules._signing import Signer

MAX_BODY_BYTES = 32 * 1024 * 1024
COMMON_FIELDS = frozenset(
    {"model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "cache_control", "speed"}
)
MESSAGES_FIELDS = COMMON_FIELDS | {
    "max_tokens", "stream", "stop_sequences", "metadata", "service_tier", "container", "inference_geo", "diagnostics",
}  # fmt: skip
BETA_FIELDS = frozenset(
    {
        "context_management",
        "compaction",
        "fallbacks",
        "fallback_credit_token",
        "billing_policy",
        "mcp_servers",
        "thread",
        "output_format",
    }
)
COUNT_BETA_FIELDS = frozenset({"mcp_servers", "context_management", "compaction"})
SAMPLING_FIELDS = ("temperature", "top_p", "top_k")
SAMPLING_DEFAULTS: dict[str, float | None] = {"temperature": 1.0, "top_p": 1.0, "top_k": None}
SAMPLING_CUTOFF_MODEL = "claude-opus-4-7"
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
SERVER_TOOL_TYPE = re.compile(
    r"^((web_search|web_fetch|code_execution|bash|text_editor|memory|tool_search_tool_bm25|tool_search_tool_regex|"
    r"computer_toolset|browser_toolset)|[a-z][a-z0-9_]*_\d{8})$"
)
"""Anthropic-defined tool types: the known unversioned names, or any ``<name>_<YYYYMMDD>`` (the API adds
versioned types, such as ``advisor_20260301``, faster than a closed list could follow)."""
CUSTOM_TOOL_KEYS = frozenset(
    {"type", "name", "description", "input_schema", "cache_control", "strict", "eager_input_streaming",
     "input_examples", "defer_loading", "allowed_callers"}
)  # fmt: skip
TOOL_CHOICE_KEYS = {
    "auto": {"type", "disable_parallel_tool_use"},
    "any": {"type", "disable_parallel_tool_use"},
    "tool": {"type", "name", "disable_parallel_tool_use"},
    "none": {"type"},
}


def validate_messages_request(params: Any, headers: Mapping[str, str], *, signer: Signer) -> ModelInfo:
    """Check a ``POST /v1/messages`` body (or one batch item's ``params``); returns the model's entry.

    Raises:
        ApiProblem: 400 ``invalid_request_error`` naming the field, or 404 for an unknown model.
    """
    return _validate(params, headers, "messages", signer)


def validate_count_tokens_request(
    params: Any, headers: Mapping[str, str], *, signer: Signer | None = None
) -> ModelInfo:
    """Check a ``POST /v1/messages/count_tokens`` body: the message rules without ``max_tokens``/``stream``.

    Signatures of replayed thinking blocks are verified only when a ``signer`` is given.
    """
    return _validate(params, headers, "count_tokens", signer)


def check_body_size(nbytes: int, *, limit: int = MAX_BODY_BYTES) -> None:
    """413 ``request_too_large`` for a body above the endpoint's limit (32 MB for messages)."""
    if nbytes > limit:
        raise ApiProblem(413, f"Request exceeds the maximum allowed number of bytes ({nbytes} > {limit}).")


def _validate(params: Any, headers: Mapping[str, str], endpoint: Endpoint, signer: Signer | None) -> ModelInfo:
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    version = api_version(lowered)
    betas = frozenset(b.strip() for b in lowered.get("anthropic-beta", "").split(",") if b.strip())
    if not isinstance(params, Mapping):
        raise bad_request("body: Input should be a valid dictionary or object")
    _check_fields(params, endpoint, version, betas)
    model_id = require_str(params.get("model"), "model")
    info = _lookup(model_id)
    req = Request(params=params, version=version, betas=betas, model_id=model_id, info=info, endpoint=endpoint)
    if endpoint == "messages":
        _check_max_tokens(req)
        _check_message_only_fields(params)
    _check_common_fields(params)
    _check_sampling(req)
    names = _check_tools(params)
    _check_tool_choice(params, names)
    rules_messages.check_messages(req)
    rules_thinking.check_thinking_config(req)
    rules_thinking.check_effort(req)
    rules_thinking.check_forced_tool_choice(req)
    rules_thinking.check_replayed_thinking(req, signer)
    return info



def _check_fields(params: Mapping[str, Any], endpoint: Endpoint, version: str, betas: frozenset[str]) -> None:
    if endpoint == "messages":
        allowed = set(MESSAGES_FIELDS | (BETA_FIELDS if betas else frozenset()))
    else:
        allowed = set(COMMON_FIELDS | (COUNT_BETA_FIELDS if betas else frozenset()))
    if version != "2026-10-21":
        allowed |= set(SAMPLING_FIELDS)
    reject_extra(params, allowed, "")


def _lookup(model_id: str) -> ModelInfo:
    try:
        info = get_model(model_id, platform="anthropic")  # a Bedrock / Vertex id is unknown here
    except UnknownModelError:
        raise ApiProblem(404, f"model: {model_id}") from None
    if info.lifecycle == "retired":
        raise ApiProblem(404, f"model: {model_id}")
    return info


def _check_max_tokens(req: Request) -> None:
    max_tokens = require_int(req.params.get("max_tokens"), "max_tokens")
    if max_tokens < 0:
        raise field_error("max_tokens", "Input should be greater than or equal to 0")
    if max_tokens > req.info.max_output:
        raise field_error(
            "max_tokens",
            f"{max_tokens} > {req.info.max_output}, which is the maximum allowed number of output tokens "
            f"for {req.model_id}",
        )


def _check_message_only_fields(params: Mapping[str, Any]) -> None:
    if params.get("stream") is not None:
        require_bool(params["stream"], "stream")
    if params.get("stop_sequences") is not None:
        for k, seq in enumerate(require_list(params["stop_sequences"], "stop_sequences")):
            require_str(seq, f"stop_sequences.{k}")
    if params.get("metadata") is not None:
        metadata = require_mapping(params["metadata"], "metadata")
        reject_extra(metadata, {"user_id"}, "metadata")
        if metadata.get("user_id") is not None:
            require_str(metadata["user_id"], "metadata.user_id")
    if params.get("service_tier") is not None:
        require_literal(params["service_tier"], ("auto", "standard_only"), "service_tier")


def _check_common_fields(params: Mapping[str, Any]) -> None:
    system = params.get("system")
    if system is not None and not isinstance(system, str):
        for k, block in enumerate(require_list(system, "system")):
            block = require_mapping(block, f"system.{k}")
            require_tag(block.get("type"), ("text",), f"system.{k}.type")
            if not require_str(block.get("text"), f"system.{k}.text"):
                raise bad_request("system: text content blocks must be non-empty")
    if params.get("speed") is not None:
        require_literal(params["speed"], ("standard", "fast"), "speed")
    if params.get("cache_control") is not None:
        cache = require_mapping(params["cache_control"], "cache_control")
        require_tag(cache.get("type"), ("ephemeral",), "cache_control.type")
        if cache.get("ttl") is not None:
            require_literal(cache["ttl"], ("5m", "1h"), "cache_control.ttl")


def _released_after_cutoff(info: ModelInfo) -> bool:
    return info.created_at >= get_model(SAMPLING_CUTOFF_MODEL).created_at


def _check_sampling(req: Request) -> None:
    """Only reached on 2023-06-01 (2026-10-21 already refused the fields as extra inputs)."""
    present = {f: req.params[f] for f in SAMPLING_FIELDS if req.params.get(f) is not None}
    for name, value in present.items():
        if _released_after_cutoff(req.info):
            if value != SAMPLING_DEFAULTS[name]:
                raise field_error(name, f"`{name}` is deprecated for this model.")
            continue
        if name == "top_k":
            if require_int(value, name) < 0:
                raise field_error(name, "Input should be greater than or equal to 0")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise field_error(name, "Input should be a number between 0 and 1")
        if req.thinking_on:
            _check_sampling_with_thinking(name, value)


def _check_sampling_with_thinking(name: str, value: Any) -> None:
    if name == "temperature" and value != 1:
        raise field_error(name, "`temperature` may only be set to 1 when thinking is enabled.")
    if name == "top_k":
        raise field_error(name, "`top_k` is not allowed when thinking is enabled.")
    if name == "top_p" and not 0.95 <= value <= 1:
        raise field_error(name, "`top_p` must be between 0.95 and 1 when thinking is enabled.")


def _check_tools(params: Mapping[str, Any]) -> list[str]:
    """Validate ``tools``; returns the tool names in order."""
    if params.get("tools") is None:
        return []
    names: list[str] = []
    for k, raw in enumerate(require_list(params["tools"], "tools")):
        tool = require_mapping(raw, f"tools.{k}")
        kind = tool.get("type")
        if kind is None or kind == "custom":
            names.append(_check_custom_tool(tool, k))
        elif isinstance(kind, str) and SERVER_TOOL_TYPE.match(kind):
            names.append(require_str(tool.get("name"), f"tools.{k}.name"))
        else:
            require_tag(kind, ("custom", "<anthropic-defined tool type, e.g. web_search_20250305>"), f"tools.{k}.type")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise field_error("tools", f"Tool names must be unique; duplicated: {', '.join(duplicates)}")
    return names


def _check_custom_tool(tool: Mapping[str, Any], k: int) -> str:
    path = f"tools.{k}.custom"
    reject_extra(tool, CUSTOM_TOOL_KEYS, path)
    name = require_str(tool.get("name"), f"{path}.name")
    if not TOOL_NAME.match(name):
        raise field_error(f"{path}.name", f"String should match pattern '{TOOL_NAME.pattern}'")
    if tool.get("description") is not None:
        require_str(tool["description"], f"{path}.description")
    if tool.get("input_schema") is None:
        raise field_error(f"{path}.input_schema", "Field required")
    schema = require_mapping(tool["input_schema"], f"{path}.input_schema")
    require_literal(schema.get("type"), ("object",), f"{path}.input_schema.type")
    return name


def _check_tool_choice(params: Mapping[str, Any], names: list[str]) -> None:
    if params.get("tool_choice") is None:
        return
    choice = require_mapping(params["tool_choice"], "tool_choice")
    kind = require_tag(choice.get("type"), tuple(TOOL_CHOICE_KEYS), "tool_choice.type")
    reject_extra(choice, TOOL_CHOICE_KEYS[kind], f"tool_choice.{kind}")
    if choice.get("disable_parallel_tool_use") is not None:
        require_bool(choice["disable_parallel_tool_use"], f"tool_choice.{kind}.disable_parallel_tool_use")
    if kind in ("any", "tool") and not names:
        raise field_error("tool_choice", f"`tools` must be provided when tool_choice.type is `{kind}`")
    if kind == "tool":
        name = require_str(choice.get("name"), "tool_choice.tool.name")
        if name not in names:
            raise field_error("tool_choice.tool.name", f"Tool '{name}' not found in `tools`")
