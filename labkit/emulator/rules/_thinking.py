"""Validation of thinking: the ``thinking`` config, ``output_config.effort`` and replayed thinking blocks.

Checked against the catalog entry of the requested model: budget >= 1024 and < max_tokens; thinking
types the model does not take (``enabled`` on adaptive-only models, ``disabled`` on always-thinking
ones, ``adaptive`` on older ones, ``between_tools`` outside Sonnet 5.5); display values; effort levels
the model lacks and effort above what ``disabled`` allows; forced tool choice while thinking; a
tool-use continuation whose assistant turn does not start with its thinking block; thinking blocks
that end an assistant message or whose signature does not verify (`signing.Signer`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labkit.emulator.rules._base import (
    Request,
    field_error,
    reject_extra,
    require_int,
    require_literal,
    require_mapping,
    require_tag,
)
from labkit.emulator.rules._messages import content_blocks
from labkit.emulator.rules._problems import bad_request
from labkit.emulator.rules._signing import Signer, prefix_for

MIN_BUDGET = 1024
EFFORT_LEVELS = ("low", "medium", "high", "xhigh", "max")
THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")
THINKING_KEYS = {
    "enabled": {"type", "budget_tokens", "display"},
    "adaptive": {"type", "display"},
    "disabled": {"type"},
    "between_tools": {"type"},
}
INTERLEAVED_BETA = "interleaved-thinking-2025-05-14"
DISPLAY_UPDATES_BETA = "thinking-display-updates-2026-08-18"
BINDING_BETA = "thinking-binding-controls-2026-08-01"
FORCED_WITH_THINKING = "Thinking may not be enabled when tool_choice forces tool use."
THINKING_BLOCKS = ("thinking", "redacted_thinking")


def check_thinking_config(req: Request) -> None:
    raw = req.params.get("thinking")
    if raw is None:
        return
    thinking = require_mapping(raw, "thinking")
    kind = require_tag(thinking.get("type"), THINKING_TYPES, "thinking.type")
    allowed = set(THINKING_KEYS[kind])
    if kind in ("enabled", "adaptive") and BINDING_BETA in req.betas:
        allowed.add("block_binding")
    reject_extra(thinking, allowed, f"thinking.{kind}")
    if kind not in req.info.thinking_types:
        raise bad_request(_unsupported_type_message(kind, req))
    if "display" in thinking and thinking["display"] is not None:
        displays = (
            ("summarized", "omitted", "updates") if DISPLAY_UPDATES_BETA in req.betas else ("summarized", "omitted")
        )
        require_literal(thinking["display"], displays, f"thinking.{kind}.display")
    if kind == "enabled":
        _check_budget(req, thinking)


def _unsupported_type_message(kind: str, req: Request) -> str:
    types = req.info.thinking_types
    if kind in ("enabled", "disabled") and "adaptive" in types:
        hint = "Use thinking.type.adaptive and output_config.effort to control thinking behavior."
        if kind == "disabled" and "between_tools" in types:
            hint = "Use thinking.type.between_tools for minimal thinking, or " + hint[0].lower() + hint[1:]
        return f"thinking.type.{kind} is not supported for this model. {hint}"
    if kind == "adaptive" and "enabled" in types:
        return (
            "thinking.type.adaptive is not supported for this model. "
            "Use thinking.type.enabled with thinking.budget_tokens to control thinking."
        )
    accepted = ", ".join(sorted(types))
    return f"thinking.type.{kind} is not supported for {req.model_id}. Supported thinking types: {accepted}."


def _check_budget(req: Request, thinking: Mapping[str, Any]) -> None:
    budget = require_int(thinking.get("budget_tokens"), "thinking.enabled.budget_tokens")
    if budget < MIN_BUDGET:
        raise field_error("thinking.enabled.budget_tokens", f"Input should be greater than or equal to {MIN_BUDGET}")
    max_tokens = req.params.get("max_tokens")
    interleaved = INTERLEAVED_BETA in req.betas
    if req.endpoint == "messages" and isinstance(max_tokens, int) and not interleaved and budget >= max_tokens:
        raise field_error(
            "thinking.enabled.budget_tokens",
            f"must be less than max_tokens (budget_tokens {budget} >= max_tokens {max_tokens}). "
            "`max_tokens` must be greater than `thinking.budget_tokens`.",
        )


def check_effort(req: Request) -> None:
    raw = req.params.get("output_config")
    if raw is None:
        return
    config = require_mapping(raw, "output_config")
    allowed = {"effort", "format"} | ({"task_budget"} if req.betas else set())
    reject_extra(config, allowed, "output_config")
    if config.get("format") is not None:
        fmt = require_mapping(config["format"], "output_config.format")
        require_tag(fmt.get("type"), ("json_schema",), "output_config.format.type")
        require_mapping(fmt.get("schema"), "output_config.format.schema")
    effort = config.get("effort")
    if effort is None:
        return
    require_literal(effort, EFFORT_LEVELS, "output_config.effort")
    levels = req.info.effort_levels
    if not levels:
        raise field_error("output_config.effort", f"effort is not supported for {req.model_id}.")
    if effort not in levels:
        raise field_error(
            "output_config.effort",
            f"'{effort}' is not supported for {req.model_id}. Supported levels: {', '.join(levels)}.",
        )
    ceiling = req.info.disabled_max_effort
    if req.thinking_mode == "disabled" and ceiling and EFFORT_LEVELS.index(effort) > EFFORT_LEVELS.index(ceiling):
        raise field_error(
            "output_config.effort",
            f"'{effort}' is not supported with thinking.type.disabled on {req.model_id} (at most '{ceiling}'). "
            "Use thinking.type.adaptive for higher effort.",
        )


def check_forced_tool_choice(req: Request) -> None:
    choice = req.params.get("tool_choice")
    if not isinstance(choice, Mapping) or choice.get("type") not in ("any", "tool"):
        return
    if not req.info.forced_tool_choice:
        raise field_error(
            "tool_choice.type",
            f"`{choice['type']}` (forced tool use) is not supported for {req.model_id}. "
            "Use tool_choice `auto` with `strict: true` tools.",
        )
    if req.thinking_mode == "enabled":  # manual thinking only: under adaptive the model just does not think
        raise bad_request(FORCED_WITH_THINKING)


def check_replayed_thinking(req: Request, signer: Signer | None) -> None:
    """Continuation order, final thinking blocks, and the signature of every replayed block."""
    messages = req.messages
    _check_continuation(req, messages)
    for i, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        blocks = content_blocks(message)
        if blocks and blocks[-1].get("type") == "thinking":
            raise field_error(f"messages.{i}", "The final block in an assistant message cannot be `thinking`.")
        if i == len(messages) - 1 and not req.thinking_on and any(b.get("type") in THINKING_BLOCKS for b in blocks):
            raise field_error(
                f"messages.{i}",
                "When thinking is disabled, an `assistant` message in the final position cannot contain "
                "`thinking` or `redacted_thinking` blocks.",
            )
        if signer is not None:
            for j, block in enumerate(blocks):
                if block.get("type") in THINKING_BLOCKS:
                    _verify_block(req, signer, block, i, j)


def _check_continuation(req: Request, messages: list[Any]) -> None:
    """Under manual thinking, a tool loop's first assistant message must start with its thinking block.

    The loop is everything after the last user message without ``tool_result`` blocks (the prompt):
    assistant tool calls and the user messages carrying their results. Only its first assistant
    message must start with thinking; later calls may follow without (non-interleaved thinking).
    """
    if req.thinking_mode != "enabled" or not messages or not _has_result(messages[-1]):
        return  # adaptive thinking may skip a turn's thinking: recorded traffic replays such turns with a 200
    prompt = max((i for i, m in enumerate(messages) if m.get("role") == "user" and not _has_result(m)), default=-1)
    loop = [(i, m) for i, m in enumerate(messages) if i > prompt and m.get("role") == "assistant"]
    if not loop or not any(b.get("type") == "tool_use" for _, m in loop for b in content_blocks(m)):
        return
    start, first_message = loop[0]
    blocks = content_blocks(first_message)
    first = blocks[0].get("type") if blocks else None
    if first not in THINKING_BLOCKS:
        raise field_error(
            f"messages.{start}.content.0.type",
            f"Expected `thinking` or `redacted_thinking`, but found `{first}`. When `thinking` is enabled, a final "
            "`assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and "
            "`tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this "
            "requirement, disable `thinking`.",
        )


def _has_result(message: Mapping[str, Any]) -> bool:
    return message.get("role") == "user" and any(b.get("type") == "tool_result" for b in content_blocks(message))


def _verify_block(req: Request, signer: Signer, block: Mapping[str, Any], i: int, j: int) -> None:
    prefix = prefix_for(req.params, i, j)
    if block.get("type") == "thinking":
        field, kind = "signature", "thinking"
        verdict = signer.check(block.get("signature"), str(block.get("thinking")), model=req.model_id, prefix=prefix)
    else:
        field, kind = "data", "redacted_thinking"
        verdict = signer.check_redacted(block.get("data"), model=req.model_id, prefix=prefix)
    if verdict == "ok" or (verdict == "prefix_mismatch" and _drops_mismatched(req)):
        return
    message = f"Invalid `{field}` in `{kind}` block."
    if verdict == "prefix_mismatch":
        message += (
            " The block is bound to a different conversation. Remove the block, or set "
            '`thinking.block_binding.prefix_mismatch_behavior` to "drop_block".'
        )
    raise field_error(f"messages.{i}.content.{j}", message)


def _drops_mismatched(req: Request) -> bool:
    thinking = req.params.get("thinking")
    binding = thinking.get("block_binding") if isinstance(thinking, Mapping) else None
    return isinstance(binding, Mapping) and binding.get("prefix_mismatch_behavior") == "drop_block"
