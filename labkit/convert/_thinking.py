"""Native thinking and effort, checked against the model's catalog entry before anything is sent.

Owns the translation of a `ThinkingConfig` into the Anthropic ``thinking`` and
``output_config.effort`` params, and the rules that decide whether the target model accepts them:

- ``budget`` (legacy ``{"type": "enabled", "budget_tokens": N}``) only where the model accepts
  ``enabled``, with ``1024 <= N < max_tokens``;
- ``adaptive`` only where accepted; ``effort`` only at a level the model has;
- ``off`` sends ``{"type": "disabled"}`` where accepted; always-thinking models refuse it (the
  error names the alternatives), and ``disabled`` above the model's ``disabled_max_effort`` is refused;
- ``thinking=None`` sends nothing: the model's own default applies (`thinks_by_default`);
- ``max_tokens`` above the model's max output is refused;
- forced tool choice (``any`` / ``tool``) with thinking, or on a model that never accepts it, is
  refused unless the caller asked for the explicit downgrade to ``auto``.

Every `ConfigError` names the field and the model. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from labkit.core import EFFORT_LEVELS, ConfigError, ModelInfo, ThinkingConfig

__all__ = [
    "OPENAI_EFFORT_ALIASES",
    "ForcedToolChoicePolicy",
    "ThinkingParams",
    "check_effort",
    "check_forced_tool_choice",
    "check_max_tokens",
    "thinking_params",
    "thinks_by_default",
]

ForcedToolChoicePolicy = Literal["error", "downgrade"]

OPENAI_EFFORT_ALIASES = {"minimal": "low"}
"""OpenAI ``reasoning_effort`` values without an Anthropic level, and the level they become."""


@dataclass(frozen=True)
class ThinkingParams:
    """The params a `ThinkingConfig` becomes: ``thinking`` (None: not sent) and the effort level."""

    thinking: dict[str, Any] | None = None
    effort: str | None = None

    @property
    def thinking_on(self) -> bool:
        """True when the params explicitly turn native thinking on (adaptive or a budget)."""
        return self.thinking is not None and self.thinking["type"] in ("adaptive", "enabled")


def thinks_by_default(model: ModelInfo) -> bool:
    """True when the model thinks with no ``thinking`` param at all (5.x: adaptive by default)."""
    return model.thinking_when_omitted != "off"


def check_max_tokens(model: ModelInfo, max_tokens: int) -> None:
    """Refuse a ``max_tokens`` that is negative or above the model's max output."""
    if max_tokens < 0:
        raise ConfigError(f"max_tokens must be >= 0, got {max_tokens} (model {model.id})")
    if max_tokens > model.max_output:
        raise ConfigError(f"max_tokens={max_tokens} is above {model.id}'s max output of {model.max_output} tokens")


def check_effort(model: ModelInfo, effort: str, *, field_name: str = "thinking.effort") -> str:
    """Return ``effort`` if the model has that level, else raise a `ConfigError` naming the levels it has."""
    if effort not in EFFORT_LEVELS:
        raise ConfigError(
            f"{field_name}={effort!r} is not an effort level (model {model.id}); "
            f"use one of {', '.join(model.effort_levels or EFFORT_LEVELS)}"
        )
    if not model.effort_levels:
        raise ConfigError(f"{field_name}={effort!r}: {model.id} does not accept output_config.effort at all")
    if effort not in model.effort_levels:
        raise ConfigError(
            f"{field_name}={effort!r} is not a level {model.id} has; it has {', '.join(model.effort_levels)}"
        )
    return effort


def thinking_params(
    config: ThinkingConfig | dict[str, Any] | None,
    model: ModelInfo,
    *,
    max_tokens: int,
    fallback_effort: str | None = None,
) -> ThinkingParams:
    """Check ``config`` against ``model`` and build the params (None: send nothing, model default).

    ``fallback_effort`` (already checked by the caller, e.g. from OpenAI ``reasoning_effort``) is
    used when the config sets no effort of its own.
    """
    cfg = ThinkingConfig.parse(config)
    check_max_tokens(model, max_tokens)
    if cfg is None:
        return ThinkingParams(effort=fallback_effort)
    effort = check_effort(model, cfg.effort) if cfg.effort is not None else fallback_effort
    if cfg.mode == "budget":
        thinking = _budget(cfg, model, max_tokens)
    elif cfg.mode == "adaptive":
        thinking = _adaptive(model)
    else:
        thinking = _disabled(model, effort)
    if cfg.display is not None:
        thinking["display"] = cfg.display
    return ThinkingParams(thinking=thinking, effort=effort)


def _budget(cfg: ThinkingConfig, model: ModelInfo, max_tokens: int) -> dict[str, Any]:
    budget = cfg.budget_tokens
    if budget is None:  # ThinkingConfig already refuses this; kept for the type checker
        raise ConfigError(f"thinking.budget_tokens is required when mode='budget' (model {model.id})")
    if not model.accepts_budget:
        raise ConfigError(
            f"thinking.mode='budget' (budget_tokens): {model.id} does not accept manual thinking budgets "
            f"(thinking.type 'enabled'); use mode='adaptive' with an effort level "
            f"({', '.join(model.effort_levels) or 'none available'})"
        )
    if budget >= max_tokens:
        raise ConfigError(
            f"thinking.budget_tokens={budget} must be below max_tokens={max_tokens} on {model.id} "
            f"(thinking tokens count toward max_tokens); raise max_tokens or lower the budget"
        )
    return {"type": "enabled", "budget_tokens": budget}


def _adaptive(model: ModelInfo) -> dict[str, Any]:
    if not model.accepts_adaptive:
        raise ConfigError(
            f"thinking.mode='adaptive': {model.id} does not accept adaptive thinking; "
            f"use mode='budget' with budget_tokens >= 1024, or mode='off'"
        )
    return {"type": "adaptive"}


def _disabled(model: ModelInfo, effort: str | None) -> dict[str, Any]:
    if not model.accepts_disabled:
        alternatives = ["mode='adaptive' with effort='low'" if "low" in model.effort_levels else "mode='adaptive'"]
        if "between_tools" in model.thinking_types:
            alternatives.append("thinking type 'between_tools' (no up-front thinking, notes between tool calls)")
        raise ConfigError(
            f"thinking.mode='off': {model.id} always thinks and rejects thinking.type 'disabled'; "
            f"the closest alternatives are {' or '.join(alternatives)}"
        )
    limit = model.disabled_max_effort
    if effort is not None and limit is not None and _rank(effort) > _rank(limit):
        raise ConfigError(
            f"thinking.effort={effort!r} with mode='off': {model.id} accepts thinking 'disabled' only at "
            f"effort <= {limit!r}"
        )
    return {"type": "disabled"}


def _rank(effort: str) -> int:
    return EFFORT_LEVELS.index(effort)


def check_forced_tool_choice(
    model: ModelInfo,
    tool_choice: dict[str, Any] | None,
    *,
    thinking_on: bool,
    policy: ForcedToolChoicePolicy = "error",
) -> tuple[dict[str, Any] | None, str | None]:
    """Refuse (or, with ``policy="downgrade"``, turn into ``auto``) a forced tool choice the model would reject.

    ``thinking_on`` is True when manual (budget) thinking will run: only that forbids forced tool use;
    under adaptive thinking the API accepts it and the model answers without thinking.
    Returns (the tool_choice to send, a note describing the downgrade or None).
    """
    if policy not in ("error", "downgrade"):
        raise ConfigError(f"on_forced_tool_choice must be 'error' or 'downgrade', not {policy!r} (model {model.id})")
    if tool_choice is None or tool_choice.get("type") not in ("any", "tool"):
        return tool_choice, None
    if not model.forced_tool_choice:
        why = f"{model.id} rejects forced tool use (tool_choice type {tool_choice['type']!r})"
    elif thinking_on:
        why = f"{model.id} rejects forced tool use (tool_choice type {tool_choice['type']!r}) while thinking is on"
    else:
        return tool_choice, None
    if policy == "error":
        raise ConfigError(
            f"tool_choice: {why}; pass on_forced_tool_choice='downgrade' to send tool_choice 'auto' instead"
            + ("" if model.forced_tool_choice else ", or use strict tools with 'auto'")
            + (", or turn thinking off" if model.forced_tool_choice and model.accepts_disabled else "")
        )
    downgraded = {"type": "auto"}
    if "disable_parallel_tool_use" in tool_choice:
        downgraded["disable_parallel_tool_use"] = tool_choice["disable_parallel_tool_use"]
    return downgraded, f"tool_choice downgraded from {tool_choice['type']!r} to 'auto': {why}"
