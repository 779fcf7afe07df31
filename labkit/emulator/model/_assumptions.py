"""`Assumptions`: every effect the synthetic model builds in, in one documented, overridable object.

The emulator is not Claude. Whatever it says about strategies, budgets, efforts and model lines
follows from the values below, not from measurement. Each field carries its reason (its
``description``); `Assumptions.table()` lists them for a notebook or a report, and
`Assumptions.version` (a short hash of every value) is stamped on figures and keyed into every
trial the emulator answers, so rows made under other assumptions are never mixed up.

Override any value: ``Emulator(assumptions=Assumptions(xml_skip_rate=0.5))``, or
``Assumptions().replace(xml_skip_rate=0.5)``, or a JSON object of overrides in
``LABKIT_EMULATOR_ASSUMPTIONS`` / ``labkit emulator --assumptions``. Unknown names and values of
the wrong type are refused with the field named. Pure: no I/O (reading a file is the serving edge's
job).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labkit.core import ConfigError

ASSUMPTIONS_FORMAT = "a1"
"""Prefix of `Assumptions.version`: bumped when the meaning of a field changes."""

Rate = float


class Assumptions(BaseModel):
    """What the synthetic model assumes (see the module docstring; each field says why)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    thinking_verbosity: dict[str, float] = Field(
        default_factory=lambda: {"haiku": 1.4, "sonnet": 1.2},
        description="Thinking tokens billed per token of work, by model line (1.0 for lines not named): "
        "smaller models deliberate more wordily, so one budget gets them through less of a task.",
    )
    step_error_rate: dict[str, Rate] = Field(
        default_factory=lambda: {"haiku": 0.03, "sonnet": 0.012, "opus": 0.004, "fable": 0.004, "mythos": 0.002},
        description="Chance that one written step is wrong, by model line (0 for lines not named): a small "
        "model with a big budget still slips sometimes, and long tasks slip more often than short ones.",
    )
    effort_work: dict[str, int] = Field(
        default_factory=lambda: {"low": 700, "medium": 1800, "high": 4500, "xhigh": 9000, "max": 18000},
        description="Tokens of work an effort level lets adaptive thinking spend. Effort is a hint, not a "
        "cap, and no public mapping to tokens exists: these span the range budgets span, on purpose not "
        "equal to any budget, so effort runs are not budget runs in disguise.",
    )
    silent_planning_tokens: int = Field(
        default=250, ge=0,
        description="With no thinking and no inner thoughts, the model plans only as far as its visible "
        "reply allows before it commits to an answer: this much work, done silently.",
    )
    kwargs_thought_tokens: int = Field(
        default=1500, ge=0,
        description="An inner thought written as a tool argument (kwargs) is bounded by that argument: "
        "models keep arguments short, so less work fits than in free text.",
    )
    tagged_thought_tokens: int = Field(
        default=2500, ge=0,
        description="Work the model writes inside an XML tag (xml, xml+prefill) before it answers.",
    )
    xml_skip_rate: Rate = Field(
        default=0.2, ge=0.0, le=1.0,
        description="Chance that, asked to think in a tag (xml) but not forced, the model answers straight "
        "away and plans silently instead; a prefill opens the tag for it, so xml+prefill never skips.",
    )
    sample_spread: Rate = Field(
        default=0.35, ge=0.0, lt=1.0,
        description="Half-width of the capacity factor drawn for repeats after the first, so a task near "
        "the edge of its budget is sometimes finished and sometimes not.",
    )
    free_form: bool = Field(
        default=True,
        description="Recognise free-form versions of the suites' task kinds (letter counting, sorting, "
        "arithmetic in words) and give any other prompt a worked reply: thinking as long as the prompt "
        "asks, cut by the budget, and an answer saying it is synthetic. False: the first emulator's canned replies.",
    )
    tool_use: Literal["named_or_fitting", "suite_only"] = Field(
        default="named_or_fitting",
        description="When tools are given, call one the prompt names or clearly fits (a calculator for "
        "arithmetic, a lookup for a named entity); 'suite_only' calls tools only on labkit's tool tasks.",
    )

    def replace(self, **changes: Any) -> Assumptions:
        """A copy with ``changes`` applied (validated like the constructor)."""
        return Assumptions.from_overrides({**self.model_dump(), **changes})

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any]) -> Assumptions:
        """The defaults with ``overrides`` applied; a clear `ConfigError` naming any bad field."""
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"emulator assumptions must be an object of overrides, got {type(overrides).__name__}")
        try:
            return cls.model_validate(dict(overrides))
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'assumptions'}: {e['msg']}" for e in error.errors())
            raise ConfigError(f"bad emulator assumptions: {problems} (known: {', '.join(cls.model_fields)})") from None

    @property
    def version(self) -> str:
        """A short, stable hash of every value (``a1-`` and 8 hex digits)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return f"{ASSUMPTIONS_FORMAT}-{hashlib.sha256(canonical.encode()).hexdigest()[:8]}"

    def changed(self) -> dict[str, Any]:
        """The values that differ from the defaults (what a reader must know beyond the docs)."""
        default = Assumptions().model_dump()
        return {k: v for k, v in self.model_dump().items() if v != default[k]}

    def table(self) -> list[dict[str, Any]]:
        """One row per assumption: name, value, default, and the reason for it."""
        default = Assumptions().model_dump()
        return [
            {"assumption": name, "value": getattr(self, name), "default": default[name],
             "reason": field.description or ""}
            for name, field in type(self).model_fields.items()
        ]  # fmt: skip

    def verbosity(self, line: str | None) -> float:
        return self.thinking_verbosity.get(line or "", 1.0)

    def error_rate(self, line: str | None) -> float:
        return self.step_error_rate.get(line or "", 0.0)


DEFAULT_ASSUMPTIONS = Assumptions()
"""The assumptions an `Emulator` uses unless told otherwise."""

REFERENCE_ASSUMPTIONS = Assumptions(
    step_error_rate={},
    effort_work={"low": 1024, "medium": 2048, "high": 4096, "xhigh": 8192, "max": 16384},
    xml_skip_rate=0.0,
    free_form=False,
    tool_use="suite_only",
)
"""The effects labkit's first emulator built in as constants (no slips, effort = a budget, xml never
skipped, tools only on suite tasks): kept so its recorded behaviour stays reproducible."""
