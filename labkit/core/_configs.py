"""Validated user configs for the two experiment axes: native thinking and inner-thought strategies.

`ThinkingConfig` says how deep Claude should think (a legacy token budget, or adaptive thinking
with an effort level); `InnerThoughts` says where reasoning goes when native thinking is not
used (a tool argument, or an XML tag optionally forced by prefill). Both check only their own
shape here; whether a given model accepts them is checked against the catalog by
`labkit.convert` before anything is sent.

One vocabulary (shared with `labkit.lab.grid`, sweep TOML files, trial rows, plots and widgets):
strategies are ``"none"``, ``"native"``, ``"kwargs"``, ``"xml"``, ``"xml+prefill"``. What is
unambiguous is inferred: ``ThinkingConfig(budget_tokens=4096)`` is a budget, ``effort="high"``
is adaptive. `ThinkingConfig.coerce` and `InnerThoughts.coerce` (what ``Config``, ``prepare_request``
and the converters call on a user's ``thinking=`` / ``inner_thoughts=``) take short forms: ``4096`` (a
budget), ``"adaptive"``, ``"off"``, ``"budget:4096"``, an effort level (``"high"``: adaptive at
that effort); ``"kwargs"``, ``"xml"``, ``"xml+prefill"``, ``"none"``. Only what cannot be read
one way is refused (``mode="adaptive"`` with a budget, ``"budget"`` without a number, ``"native"``
as an inner-thought strategy), with a `ConfigError` naming the field.
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
"""Effort levels in their natural order (tables and plots sort by it, never alphabetically)."""
STRATEGIES: tuple[str, ...] = ("none", "native", "kwargs", "xml", "xml+prefill")
"""The one strategy vocabulary: configs, grid, TOML, the trial row's ``strategy`` column, plots, widgets."""
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

    @model_validator(mode="before")
    @classmethod
    def _infer_mode(cls, data: Any) -> Any:
        """No ``mode`` given: a budget means ``"budget"``, anything else ``"adaptive"`` (the default)."""
        if isinstance(data, dict) and data.get("mode") is None:
            data = {**data, "mode": "budget" if data.get("budget_tokens") is not None else "adaptive"}
        return data

    @classmethod
    def coerce(cls, value: Any) -> Any:
        """What `parse` takes, or a short form: ``4096``, ``"adaptive"``, ``"off"``, ``"budget:4096"``,
        an effort level (``"high"``: adaptive at that effort). Used wherever a user passes ``thinking=``."""
        if isinstance(value, bool):
            raise ConfigError(f"thinking: expected a ThinkingConfig, a budget or a mode name, got {value!r}")
        if isinstance(value, int):
            return cls(budget_tokens=value)
        if isinstance(value, str):
            return cls(**_thinking_short_form(value))
        return super().parse(value)

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

    @model_validator(mode="before")
    @classmethod
    def _split_prefill(cls, data: Any) -> Any:
        """``strategy="xml+prefill"`` is the grid's word for ``strategy="xml", prefill=True``."""
        if isinstance(data, dict) and data.get("strategy") == "xml+prefill":
            if data.get("prefill") is False:
                raise ConfigError("inner_thoughts: strategy='xml+prefill' contradicts prefill=False")
            data = {**data, "strategy": "xml", "prefill": True}
        if isinstance(data, dict) and data.get("strategy") == "native":
            raise ConfigError("inner_thoughts.strategy='native' is native thinking, not an inner-thought strategy: "
                              "pass thinking=... (e.g. thinking='adaptive' or thinking=4096) instead")
        return data

    @classmethod
    def coerce(cls, value: Any) -> Any:
        """What `parse` takes, or a strategy name: ``"kwargs"``, ``"xml"``, ``"xml+prefill"``, ``"none"``.
        Used wherever a user passes ``inner_thoughts=``."""
        if isinstance(value, str):
            fields: dict[str, Any] = {"strategy": value}  # "xml+prefill" is split by the before-validator
            return cls(**fields)
        return super().parse(value)

    @classmethod
    def resolve(cls, value: Any) -> InnerThoughts:
        """`coerce`, with None meaning no inner thoughts (one shared frozen instance: converting a
        stream no longer validates a fresh default each time)."""
        coerced: InnerThoughts | None = cls.coerce(value)
        return coerced if coerced is not None else _NO_INNER_THOUGHTS

    @property
    def name(self) -> str:
        """The strategy in the shared vocabulary: ``"xml+prefill"`` for xml with prefill."""
        return "xml+prefill" if self.strategy == "xml" and self.prefill else self.strategy

    @model_validator(mode="after")
    def _check_shape(self) -> InnerThoughts:
        if not _TAG_NAME.match(self.tag):
            raise ConfigError(f"inner_thoughts.tag must be a plain XML name, got {self.tag!r}")
        if self.prefill and self.strategy != "xml":
            raise ConfigError(f"inner_thoughts.prefill needs strategy='xml', not {self.strategy!r}")
        return self


_NO_INNER_THOUGHTS = InnerThoughts()
"""What ``inner_thoughts=None`` means (`InnerThoughts.resolve`)."""


def _thinking_short_form(text: str) -> dict[str, Any]:
    """The fields a short thinking form stands for (see `ThinkingConfig.coerce`)."""
    word = text.strip().lower()
    if word in ("adaptive", "off"):
        return {"mode": word}
    if word in EFFORT_LEVELS:
        return {"mode": "adaptive", "effort": word}
    head, _, number = word.partition(":")
    if head == "budget" and number.strip().isdigit():
        return {"mode": "budget", "budget_tokens": int(number)}
    if word.isdigit():
        return {"mode": "budget", "budget_tokens": int(word)}
    if word == "budget":
        raise ConfigError("thinking='budget' needs a number: thinking=4096 or thinking='budget:4096'")
    raise ConfigError(
        f"thinking={text!r} is not a short form labkit reads: use a budget (4096), 'adaptive', 'off', "
        f"'budget:4096' or an effort level ({', '.join(EFFORT_LEVELS)})"
    )
