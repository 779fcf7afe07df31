"""Validated user configs for the two experiment axes: native thinking and inner-thought strategies.

`ThinkingConfig` says how deep Claude should think (a legacy token budget, or adaptive thinking
with an effort level); `InnerThoughts` says where reasoning goes when native thinking is not
used (a tool argument, or an XML tag optionally forced by prefill). Both check only their own
shape here; whether a given model accepts them is checked against the catalog by
`labkit.convert` before anything is sent.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from labkit.core._errors import ConfigError

ThinkingMode = Literal["off", "budget", "adaptive"]
Effort = Literal["low", "medium", "high", "xhigh", "max"]
Display = Literal["summarized", "omitted"]
Strategy = Literal["none", "kwargs", "xml"]

MIN_THINKING_BUDGET = 1024
EFFORT_LEVELS: tuple[Effort, ...] = ("low", "medium", "high", "xhigh", "max")
_TAG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class ConfigModel(BaseModel):
    """Base for labkit's validated, frozen user configs: bad input raises `ConfigError`, naming the field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(f"invalid {type(self).__name__}: {_describe(exc)}") from None

    @classmethod
    def parse(cls, value: Any) -> Any:
        """Accept an instance, a dict of fields, or None (returned as is)."""
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        raise ConfigError(f"expected {cls.__name__} or a dict of its fields, got {type(value).__name__}")


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(config)"
        parts.append(f"{field}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


class ThinkingConfig(ConfigModel):
    """How Claude thinks natively.

    - ``mode="off"``: send ``thinking: {type: "disabled"}`` (rejected on always-thinking models).
    - ``mode="budget"``: legacy ``{type: "enabled", budget_tokens}``; needs ``budget_tokens >= 1024``.
    - ``mode="adaptive"``: ``{type: "adaptive"}``; depth via ``effort`` (``output_config.effort``).

    ``display`` chooses summarized or omitted thinking text (billing is the same); None keeps the
    model's default.
    """

    mode: ThinkingMode = "adaptive"
    budget_tokens: int | None = None
    effort: Effort | None = None
    display: Display | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> ThinkingConfig:
        if self.mode == "budget":
            if self.budget_tokens is None:
                raise ConfigError("thinking.budget_tokens is required when mode='budget'")
            if self.budget_tokens < MIN_THINKING_BUDGET:
                raise ConfigError(
                    f"thinking.budget_tokens must be >= {MIN_THINKING_BUDGET}, got {self.budget_tokens}"
                )
        elif self.budget_tokens is not None:
            raise ConfigError(f"thinking.budget_tokens is only valid with mode='budget', not {self.mode!r}")
        if self.mode == "off" and self.display is not None:
            raise ConfigError("thinking.display has no meaning when mode='off'")
        return self


class InnerThoughts(ConfigModel):
    """Where the model's reasoning goes when it is asked to think out loud without native thinking.

    - ``"kwargs"``: an ``inner_thoughts`` argument injected first into every tool's schema.
    - ``"xml"``: reasoning inside ``<tag>...</tag>`` in the text; ``prefill=True`` appends an
      assistant turn holding the opening tag (only on models that accept prefill).
    - ``"none"``: no inner-thought instructions.
    """

    strategy: Strategy = "none"
    tag: str = "thinking"
    prefill: bool = False

    @model_validator(mode="after")
    def _check_shape(self) -> InnerThoughts:
        if not _TAG_NAME.match(self.tag):
            raise ConfigError(f"inner_thoughts.tag must be a plain XML name, got {self.tag!r}")
        if self.prefill and self.strategy != "xml":
            raise ConfigError(f"inner_thoughts.prefill needs strategy='xml', not {self.strategy!r}")
        return self
