"""`prepare_request`: an OpenAI-style chat request -> kwargs for ``client.messages.create(**kwargs)``.

Owns the request side of the conversion: system/developer messages lifted to ``system``; tool
results as ``tool_result`` blocks first in one user turn; assistant tool calls as ``tool_use``
blocks; thinking blocks replayed first and byte-exact; the dummy first user turn; field mapping
(``stop``, ``user``, ``tool_choice``, ``parallel_tool_calls``, ``response_format``,
``reasoning_effort``, images); the inner-thought strategies; and the thinking checks of
`labkit.convert`, all before anything is returned.

Nothing is lost silently: every field that is not sent is named in ``PreparedRequest.dropped``
(field -> reason) and every change of meaning (a downgrade, a lifted system message, a thinking
block that cannot be replayed) in ``PreparedRequest.notes``; both are also logged at INFO.

``max_tokens``: ``max_completion_tokens`` or ``max_tokens`` when given, else 4096
(`DEFAULT_MAX_TOKENS`). With a thinking budget and *no* caller value, max_tokens becomes
budget + 4096 (room for the visible answer, capped at the model's max output) and this is noted;
a caller's own max_tokens is never changed (a budget >= it is a `ConfigError`).

Pure: never mutates its input, no I/O.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from pydantic import ValidationError

from labkit.convert._history import DUMMY_USER_MESSAGE, MessageRenderer
from labkit.convert._inner_thoughts import xml_instructions
from labkit.convert._thinking import (
    OPENAI_EFFORT_ALIASES,
    ForcedToolChoicePolicy,
    check_effort,
    check_forced_tool_choice,
    thinking_params,
    thinks_by_default,
)
from labkit.convert._tools import convert_tool_choice, convert_tools, unknown_tool_fields
from labkit.core import ChatRequest, ConfigError, InnerThoughts, ModelInfo, ThinkingConfig, get_model

__all__ = ["DEFAULT_MAX_TOKENS", "DUMMY_USER_MESSAGE", "PreparedRequest", "prepare_request"]

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 4096
SDK_NONSTREAMING_MAX_TOKENS = 21_333
"""Above this, SDK 2.x raises "Streaming is required..." for a non-streamed create without a timeout."""
_SAMPLING = "sampling parameters were removed in API version 2026-10-21 (and the SDK has no such argument)"
_DROP_REASONS = {
    "temperature": _SAMPLING,
    "top_p": _SAMPLING,
    "top_k": _SAMPLING,
    "n": "Anthropic returns one completion per request; send n requests instead",
    "seed": "the Messages API has no seed; replies are not reproducible by seed",
    "logprobs": "the Messages API does not return log probabilities",
    "top_logprobs": "the Messages API does not return log probabilities",
    "logit_bias": "the Messages API has no logit bias",
    "presence_penalty": "the Messages API has no presence penalty",
    "frequency_penalty": "the Messages API has no frequency penalty",
    "stream": "streaming is chosen by the call (client.messages.create(stream=True) or .stream()), not a kwarg here",
    "stream_options": "usage always arrives on the final streamed chunk; there is nothing to ask for",
}
_PASSTHROUGH = ("cache_control",)
_SERVICE_TIERS = ("auto", "standard_only")


class PreparedRequest(dict[str, Any]):
    """Kwargs for ``client.messages.create(**kwargs)``, with what was not sent and why.

    ``dropped`` maps each field that was not sent to the reason; ``notes`` lists every change of
    meaning (downgrades, lifted system messages, defaults chosen, blocks not replayed).
    """

    def __init__(self, kwargs: dict[str, Any], *, dropped: dict[str, str], notes: list[str]) -> None:
        super().__init__(kwargs)
        self.dropped = dropped
        self.notes = notes


def prepare_request(
    request: ChatRequest | dict[str, Any],
    *,
    thinking: ThinkingConfig | dict[str, Any] | None = None,
    inner_thoughts: InnerThoughts | dict[str, Any] | None = None,
    on_forced_tool_choice: ForcedToolChoicePolicy = "error",
) -> PreparedRequest:
    """Convert ``request`` for ``client.messages.create``; check everything the model would reject.

    Args:
        request: a `ChatRequest` or an OpenAI-style dict (validated; errors name the field).
        thinking: native thinking (None: send nothing, the model's default applies).
        inner_thoughts: the inner-thought strategy (None or "none": no instructions).
        on_forced_tool_choice: "error" (default) refuses a forced tool choice the model would
            reject; "downgrade" sends ``auto`` instead and records it in ``notes``.

    Raises:
        ConfigError: the request, config or strategy is malformed or the model would reject it.
    """
    req = _validate(request)
    if not req.messages:
        # the API answers 400 "at least one message is required"; the dummy user message (kept for a
        # system-only prompt, as the ancestor did) would be a request nobody wrote, billed as if they had
        raise ConfigError("messages: at least one message is required (got an empty list)")
    model = get_model(req.model)
    thinking_cfg = ThinkingConfig.coerce(thinking)
    strategy = InnerThoughts.resolve(inner_thoughts)
    dropped: dict[str, str] = {}
    notes: list[str] = []
    kwargs: dict[str, Any] = {"model": req.model}

    max_tokens = _max_tokens(req, model, thinking_cfg, notes)
    kwargs["max_tokens"] = max_tokens
    if max_tokens > SDK_NONSTREAMING_MAX_TOKENS:
        notes.append(
            f"max_tokens={max_tokens}: the Python SDK refuses a non-streamed call above about "
            f"{SDK_NONSTREAMING_MAX_TOKENS} max_tokens unless a timeout is given; stream it (stream=True)"
        )
    fallback_effort = _reasoning_effort(req, model, thinking_cfg, dropped, notes)
    if thinking_cfg is None and fallback_effort is not None and strategy.strategy == "none" \
            and model.thinking_when_omitted == "off" and model.accepts_adaptive:
        # OpenAI's reasoning_effort asks for reasoning; on a model that does not think unless asked, an
        # effort alone would leave thinking off, so adaptive thinking is turned on at that effort
        thinking_cfg = ThinkingConfig(mode="adaptive")
        notes.append(f"reasoning_effort={req.reasoning_effort!r}: adaptive thinking turned on ({model.id} "
                     f"does not think unless asked)")
    params = thinking_params(thinking_cfg, model, max_tokens=max_tokens, fallback_effort=fallback_effort)
    effort = params.effort
    thinking_on = params.thinking_on or (params.thinking is None and thinks_by_default(model))
    _check_strategy(strategy, model, thinking_on)

    renderer = MessageRenderer(model, strategy, dropped, notes)
    system, messages = renderer.render(req.messages)
    if strategy.strategy == "xml":
        system.append({"type": "text", "text": xml_instructions(strategy.tag)})
    if system:
        plain = all(block.keys() == {"type", "text"} for block in system)
        kwargs["system"] = "\n\n".join(block["text"] for block in system) if plain else system
    kwargs["messages"] = messages

    # only manual (budget) thinking forbids forced tool use; under adaptive thinking the API accepts it
    # and the model answers without thinking (recorded real traffic, tests/test_real_traffic.py)
    manual_thinking = isinstance(params.thinking, dict) and params.thinking.get("type") == "enabled"
    _tools(req, strategy, model, kwargs, dropped, notes, manual_thinking, on_forced_tool_choice)
    if params.thinking is not None:
        kwargs["thinking"] = params.thinking
    output_config = _output_config(req, effort, dropped)
    if output_config:
        kwargs["output_config"] = output_config
    _simple_fields(req, kwargs, dropped)
    _extras(req, kwargs, dropped)

    for field, reason in dropped.items():
        log.info("prepare_request(%s): not sent: %s (%s)", model.id, field, reason)
    for note in notes:
        log.info("prepare_request(%s): %s", model.id, note)
    return PreparedRequest(kwargs, dropped=dropped, notes=notes)


MAX_NESTING = 100
"""Deepest nesting of objects and lists a request may have (a tool schema nested thousands deep
would otherwise end in a RecursionError while it is copied and validated)."""


def _check_nesting(request: dict[str, Any]) -> None:
    """`ConfigError` naming the field (tools, response_format) that nests deeper than `MAX_NESTING`;
    walked with a stack, not recursion, so the check itself cannot overflow."""
    stack: list[tuple[Any, str, int]] = [(request.get(f), f, 0) for f in ("tools", "response_format")]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ConfigError(f"{path}: nested more than {MAX_NESTING} levels deep (a schema this deep is "
                              "almost certainly generated by mistake)")  # fmt: skip
        if isinstance(item, dict):  # the path names the first levels; deeper ones only count
            stack.extend((v, f"{path}.{k}" if depth < 3 else path, depth + 1) for k, v in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{path}[{i}]" if depth < 3 else path, depth + 1) for i, v in enumerate(item))


def _validate(request: ChatRequest | dict[str, Any]) -> ChatRequest:
    if isinstance(request, ChatRequest):
        _check_nesting({"tools": request.tools and [t.model_dump() for t in request.tools],
                        "response_format": request.response_format})  # fmt: skip
        return request.model_copy(deep=True)
    if not isinstance(request, dict):
        raise ConfigError(f"request must be a ChatRequest or a dict, got {type(request).__name__}")
    _check_nesting(request)
    try:
        return ChatRequest.model_validate(copy.deepcopy(request))
    except ValidationError as exc:
        parts = [f"{'.'.join(str(p) for p in e['loc']) or '(request)'}: {e['msg']}" for e in exc.errors()[:5]]
        raise ConfigError(f"invalid request: {'; '.join(parts)}") from None


def _max_tokens(req: ChatRequest, model: ModelInfo, cfg: ThinkingConfig | None, notes: list[str]) -> int:
    given = req.max_completion_tokens if req.max_completion_tokens is not None else req.max_tokens
    if (
        req.max_tokens is not None
        and req.max_completion_tokens is not None
        and req.max_tokens != req.max_completion_tokens
    ):
        raise ConfigError(
            f"max_tokens={req.max_tokens} and max_completion_tokens={req.max_completion_tokens} disagree; set one"
        )
    if given is not None:
        if given < 1:
            raise ConfigError(f"max_tokens must be at least 1, got {given} (the model could not say anything)")
        return given
    if cfg is not None and cfg.budget_tokens is not None:
        room = min(cfg.budget_tokens + DEFAULT_MAX_TOKENS, model.max_output)
        notes.append(
            f"max_tokens not given: set to {room} (thinking budget {cfg.budget_tokens} + room for the answer, "
            f"at most {model.id}'s max output {model.max_output})"
        )
        return room
    return DEFAULT_MAX_TOKENS


def _reasoning_effort(
    req: ChatRequest, model: ModelInfo, cfg: ThinkingConfig | None, dropped: dict[str, str], notes: list[str]
) -> str | None:
    value = req.reasoning_effort
    if value is None:
        return None
    if cfg is not None and cfg.effort is not None:
        dropped["reasoning_effort"] = f"thinking.effort={cfg.effort!r} takes precedence"
        return None
    if value == "none":
        raise ConfigError(
            f"reasoning_effort='none' has no effort level on {model.id}; pass thinking=ThinkingConfig(mode='off') "
            f"where the model accepts it, or reasoning_effort='low'"
        )
    if value in OPENAI_EFFORT_ALIASES:
        notes.append(f"reasoning_effort={value!r} sent as effort {OPENAI_EFFORT_ALIASES[value]!r}")
        value = OPENAI_EFFORT_ALIASES[value]
    return check_effort(model, value, field_name="reasoning_effort")


def _check_strategy(strategy: InnerThoughts, model: ModelInfo, thinking_on: bool) -> None:
    if not strategy.prefill:
        return
    if not model.prefill:
        raise ConfigError(
            f"inner_thoughts.prefill=True: {model.id} rejects assistant prefill (a final assistant message); "
            f"use prefill=False"
        )
    if thinking_on:
        raise ConfigError(
            f"inner_thoughts.prefill=True cannot be combined with native thinking on {model.id}; "
            f"pass thinking=ThinkingConfig(mode='off') or prefill=False"
        )


def _tools(
    req: ChatRequest,
    strategy: InnerThoughts,
    model: ModelInfo,
    kwargs: dict[str, Any],
    dropped: dict[str, str],
    notes: list[str],
    thinking_on: bool,
    policy: ForcedToolChoicePolicy,
) -> None:
    kwargs_mode = strategy.strategy == "kwargs"
    if not req.tools:
        if req.tools is not None:
            dropped["tools"] = "an empty tools list is not sent"
        if req.tool_choice is not None:
            dropped["tool_choice"] = "tool_choice without tools is not sent (the API rejects it)"
        if req.parallel_tool_calls is not None:
            dropped["parallel_tool_calls"] = "parallel_tool_calls without tools has no meaning"
        if kwargs_mode:
            notes.append("inner_thoughts strategy 'kwargs' with no tools: the model has no argument to think in")
        return
    tools = convert_tools(req.tools, inner_thoughts=kwargs_mode)
    for path in unknown_tool_fields(req.tools):
        dropped[path] = "not an Anthropic tool field"
    kwargs["tools"] = tools
    choice = convert_tool_choice(
        req.tool_choice, parallel_tool_calls=req.parallel_tool_calls, tool_names=[t["name"] for t in tools]
    )
    if req.parallel_tool_calls is False and choice is not None and choice["type"] == "none":
        dropped["parallel_tool_calls"] = "tool_choice 'none' takes no parallel flag"
    choice, note = check_forced_tool_choice(model, choice, thinking_on=thinking_on, policy=policy)
    if note:
        notes.append(note)
    if choice is not None:
        kwargs["tool_choice"] = choice


def _output_config(req: ChatRequest, effort: str | None, dropped: dict[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if effort is not None:
        config["effort"] = effort
    fmt = req.response_format
    if fmt is None:
        return config
    kind = fmt.get("type")
    if kind == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        if not isinstance(schema, dict):
            raise ConfigError("response_format.json_schema.schema is required (a JSON Schema object)")
        config["format"] = {"type": "json_schema", "schema": schema}
    elif kind == "json_object":
        dropped["response_format"] = "json_object mode has no Anthropic equivalent; use a json_schema format"
    elif kind != "text":
        raise ConfigError(f"response_format.type={kind!r} is not 'text', 'json_object' or 'json_schema'")
    return config


def _simple_fields(req: ChatRequest, kwargs: dict[str, Any], dropped: dict[str, str]) -> None:
    if req.stop:
        kwargs["stop_sequences"] = [req.stop] if isinstance(req.stop, str) else list(req.stop)
    metadata = dict(req.metadata or {})
    user_id = metadata.pop("user_id", None)
    for key in metadata:
        dropped[f"metadata.{key}"] = "Anthropic metadata takes only user_id"
    if req.user is not None:
        if user_id is not None and user_id != req.user:
            dropped["metadata.user_id"] = "user takes precedence"
        user_id = req.user
    if user_id is not None:
        kwargs["metadata"] = {"user_id": user_id}
    if req.stream is not None:
        dropped["stream"] = _DROP_REASONS["stream"]


def _extras(req: ChatRequest, kwargs: dict[str, Any], dropped: dict[str, str]) -> None:
    for key, value in (req.model_extra or {}).items():
        if value is None:
            continue
        if key in _PASSTHROUGH or (key == "service_tier" and value in _SERVICE_TIERS):
            kwargs[key] = value
        elif key == "service_tier":
            dropped[key] = f"service_tier={value!r} has no Anthropic equivalent (it takes 'auto' or 'standard_only')"
        else:
            dropped[key] = _DROP_REASONS.get(key, "not an Anthropic Messages field")
