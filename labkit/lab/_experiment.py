"""Experiment configurations: `Config` (one cell of a sweep) and `grid` (the cartesian product).

A `Config` is checked when it is built: the model against the catalog (unknown ids name the
nearest known ones) and the thinking / inner-thought knobs with the *same* rule code that
`prepare_request` applies before anything is sent (a probe request goes through it). So an
invalid config is a `ConfigError` at construction, never a 400 in the middle of a sweep.

`grid(**axes)` crosses the axes, by model line: given both a ``budget`` and an ``effort`` axis,
budget cells go to the models that take budgets and effort cells to the models with effort levels
(a model taking both gets both sets), never budget x effort; ``report()`` says per model which
axis its cells came from and which cells were skipped. Strategy values: ``"none"`` (no reasoning at all: thinking off,
no inner thoughts), ``"kwargs"``, ``"xml"``, ``"xml+prefill"`` (inner thoughts, thinking off) and
``"native"`` (native thinking, using the ``budget`` / ``effort`` / ``display`` axes). Without a
strategy axis the budget/effort axes alone set native thinking. The budget/effort/display axes do
not apply to the non-native strategies, so their cells collapse into one. Cells the model rejects
are skipped with the reason (``policy="skip"``) or replaced by the nearest valid config with
``fallback_from`` naming what was changed (``policy="fallback"``). Pure: no I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field, field_validator

from labkit.core import (
    EFFORT_LEVELS,
    MIN_THINKING_BUDGET,
    ConfigError,
    ConfigModel,
    InnerThoughts,
    ModelInfo,
    ThinkingConfig,
    get_model,
)
from labkit.lab._trial import Knobs

STRATEGIES = ("none", "kwargs", "xml", "xml+prefill", "native")
DEFAULT_MAX_TOKENS = 8192
EFFORT_BUDGETS = {"low": 1024, "medium": 2048, "high": 4096, "xhigh": 8192, "max": 16384}
"""Budget used when an effort level falls back onto a budget-only model (and back again)."""

Cell = dict[str, Any]


class Config(ConfigModel):
    """One experiment configuration: a model plus its thinking and inner-thought knobs."""

    model: str
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, gt=0)
    thinking: ThinkingConfig | None = None
    inner_thoughts: InnerThoughts | None = None
    tools: list[dict[str, Any]] | None = None
    """OpenAI-style function tools; a tool task's own tools are added when it runs."""
    system: str | None = None
    label: str | None = None
    fallback_from: str | None = None
    """Set by ``grid(policy="fallback")``: the knobs of the cell this config replaced."""

    @field_validator("thinking", mode="before")
    @classmethod
    def _thinking_short_form(cls, value: Any) -> Any:
        """``thinking=4096`` / ``"adaptive"`` / ``"off"`` / ``"high"`` / a dict (see `ThinkingConfig.coerce`)."""
        return ThinkingConfig.coerce(value)

    @field_validator("inner_thoughts", mode="before")
    @classmethod
    def _inner_short_form(cls, value: Any) -> Any:
        """``inner_thoughts="kwargs"`` / ``"xml"`` / ``"xml+prefill"`` / a dict (see `InnerThoughts.coerce`)."""
        return InnerThoughts.coerce(value)

    def __init__(self, **data: Any) -> None:
        model = data.get("model")
        if isinstance(model, str):
            get_model(model)  # UnknownModelError names the nearest ids
        super().__init__(**data)
        problem = rule_problem(self)
        if problem is not None:
            raise ConfigError(f"invalid Config for {self.model}: {problem}")

    @property
    def info(self) -> ModelInfo:
        return get_model(self.model)

    def knobs(self) -> dict[str, Any]:
        """The knobs a trial row shows: budget, effort, mode, display, strategy, tag, prefill."""
        k = self.trial_knobs()
        display = k.display
        if display is None and k.thinking_mode != "off":
            display = self.info.default_display
        return {"budget": k.budget_tokens, "effort": k.effort, "mode": k.thinking_mode, "display": display,
                "strategy": k.strategy, "tag": k.tag, "prefill": k.prefill}

    def trial_knobs(self) -> Knobs:
        """The knobs as `labkit.lab.Knobs`: what a trial row shows and its key hashes."""
        return Knobs.from_configs(self.thinking, self.inner_thoughts, label=self.label,
                                  fallback_from=self.fallback_from, model=self.info)

    def probe_request(self, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The OpenAI-style request this config sends for ``messages`` (a one-line probe by default)."""
        msgs: list[dict[str, Any]] = [{"role": "system", "content": self.system}] if self.system else []
        msgs += messages if messages is not None else [{"role": "user", "content": "probe"}]
        request: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "messages": msgs}
        if self.tools:
            request["tools"] = list(self.tools)
        return request

    def prepare(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Kwargs for ``client.messages.create``: ``prepare_request`` with this config's knobs."""
        from labkit.convert import prepare_request

        request = self.probe_request(messages)
        if tools:
            request["tools"] = [*request.get("tools", []), *tools]
        return dict(prepare_request(request, thinking=self.thinking, inner_thoughts=self.inner_thoughts))


def rule_problem(config: Config) -> str | None:
    """Why the model would reject ``config`` (None when it would not), by ``prepare_request``'s own rules."""
    from labkit.convert import prepare_request

    try:
        prepare_request(config.probe_request(), thinking=config.thinking, inner_thoughts=config.inner_thoughts)
    except ConfigError as exc:
        return str(exc)
    return None


class GridResult(list[Config]):
    """The configs of a grid; ``skipped`` lists each rejected cell with the reason; ``routes`` says, per
    model, which depth axis its cells came from (``report()`` prints both)."""

    def __init__(self, configs: Iterable[Config] = (), skipped: list[tuple[Cell, str]] | None = None,
                 routes: dict[str, list[str]] | None = None) -> None:
        super().__init__(configs)
        self.skipped: list[tuple[Cell, str]] = skipped or []
        self.routes: dict[str, list[str]] = routes or {}

    def report(self) -> str:
        lines = [f"{len(self)} configs, {len(self.skipped)} cells skipped"]
        for model in dict.fromkeys(c.model for c in self) | dict.fromkeys(self.routes):
            mine = [c for c in self if c.model == model]
            notes = self.routes.get(model, [])
            lines.append(f"  {model}: {len(mine)} configs" + (f" ({'; '.join(notes)})" if notes else ""))
        lines += [f"  skipped {_describe(cell)}: {reason}" for cell, reason in self.skipped]
        return "\n".join(lines)


def _axis(name: str, value: Any) -> list[Any]:
    if value is None or isinstance(value, str | int | bool):
        return [value]
    try:
        values = list(value)
    except TypeError:
        raise ConfigError(f"grid {name} must be a value or a list of values, got {type(value).__name__}") from None
    if not values:
        raise ConfigError(f"grid axis {name!r} is empty")
    return values


def _check_axes(model: list[Any], max_tokens: list[Any], budget: list[Any], effort: list[Any],
                display: list[Any]) -> None:  # fmt: skip
    """Each axis value of the right kind: a wrong one is a mistake to name, never a cell to skip."""
    for value in model:
        if not isinstance(value, str):
            raise ConfigError(f"grid model must be model ids (strings), got {value!r}")
    for name, values in (("max_tokens", max_tokens), ("budget", budget)):
        for value in values:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigError(f"grid {name} must be positive whole numbers of tokens, got {value!r}")
    for value in effort:
        if value is not None and value not in EFFORT_LEVELS:
            raise ConfigError(f"grid effort {value!r} is not one of {', '.join(EFFORT_LEVELS)}")
    for value in display:
        if value is not None and value not in ("summarized", "omitted"):
            raise ConfigError(f"grid display {value!r} is not 'summarized' or 'omitted'")


def grid(
    *,
    model: str | Iterable[str],
    budget: int | Iterable[int | None] | None = None,
    effort: str | Iterable[str | None] | None = None,
    strategy: str | Iterable[str | None] | None = None,
    display: str | Iterable[str | None] | None = None,
    max_tokens: int | Iterable[int] | None = None,
    tag: str = "thinking",
    tools: list[dict[str, Any]] | None = None,
    system: str | None = None,
    label: str | None = None,
    policy: Literal["skip", "fallback"] = "skip",
) -> GridResult:
    """The cartesian product of the axes as `Config`s; invalid cells skipped or replaced (see module doc).

    ``max_tokens=None`` gives every cell room to answer: `DEFAULT_MAX_TOKENS`, or for a budget cell
    the budget plus `DEFAULT_MAX_TOKENS` (capped at the model's max output), so a budget axis is
    never cut short by a fixed ``max_tokens``. Pass numbers to sweep ``max_tokens`` itself.
    """
    if policy not in ("skip", "fallback"):
        raise ConfigError(f"grid policy must be 'skip' or 'fallback', not {policy!r}")
    for value in _axis("strategy", strategy):
        if value is not None and value not in STRATEGIES:
            raise ConfigError(f"grid strategy {value!r} is not one of {', '.join(STRATEGIES)}")
    axes = [_axis(n, v) for n, v in (("model", model), ("max_tokens", max_tokens), ("budget", budget),
                                     ("effort", effort), ("display", display), ("strategy", strategy))]
    _check_axes(*axes[:5])
    for name in axes[0]:
        get_model(name)  # an unknown model is a mistake, not a cell to skip
    cells: list[Cell] = []
    routes: dict[str, list[str]] = {}
    budgets, efforts = axes[2], axes[3]
    both = any(b is not None for b in budgets) and any(e is not None for e in efforts)
    product = [axes[0], axes[1], [*budgets, None], [*efforts, None], *axes[4:]] if both else axes
    for m, mt, b, e, d, s in itertools.product(*product):
        native = s in (None, "native")
        if both and not native and (b, e) != (budgets[0], efforts[0]):
            continue  # the depth axes collapse for inner-thought strategies: one cell per strategy
        if native and not _on_line(get_model(m), b, e, budgets, efforts, routes):
            continue
        if mt is None:
            room = DEFAULT_MAX_TOKENS + (b if native and b is not None else 0)
            mt = min(room, get_model(m).max_output)
        cell = {"model": m, "max_tokens": mt, "budget": b if native else None, "effort": e if native else None,
                "display": d if native else None, "strategy": s}
        if cell not in cells:
            cells.append(cell)
    fixed = {"tag": tag, "tools": tools, "system": system, "label": label}
    result = GridResult(routes=routes)
    for cell in cells:
        config, reason = _build(cell, fixed)
        if config is None and policy == "fallback":
            config, reason = _fallback(cell, fixed, reason)
        if config is None:
            result.skipped.append((cell, reason))
        elif any(_same(config, other) for other in result):
            result.skipped.append((cell, f"same request as an earlier config ({reason or 'duplicate'})"))
        else:
            result.append(config)
    return result


def _on_line(info: ModelInfo, budget: Any, effort: Any, budgets: list[Any], efforts: list[Any],
             routes: dict[str, list[str]]) -> bool:
    """Whether a native (budget, effort) cell belongs to ``info``'s model line (grid by model line).

    Only matters when both a budget and an effort axis are given: budget cells go to models that take
    budgets, effort cells to models with effort levels, never crossed (a budget with an effort is one
    request whose effort labkit's emulator ignores; build that `Config` by hand to send it). A model
    taking neither keeps both sets, so its cells are skipped (or fall back) with the rules' reason.
    ``routes`` collects, per model, the line `GridResult.report` prints.
    """
    given_b = [b for b in budgets if b is not None]
    given_e = [e for e in efforts if e is not None]
    if not given_b or not given_e:
        return True
    takes_budget, takes_effort = info.accepts_budget, bool(info.effort_levels) and info.accepts_adaptive
    neither = not takes_budget and not takes_effort
    if info.id not in routes:
        notes = []
        if takes_budget or neither:
            notes.append(f"budget {', '.join(map(str, given_b))}")
        else:
            notes.append("budget axis not applied: no thinking budgets on this model")
        if takes_effort or neither:
            notes.append(f"effort {', '.join(map(str, given_e))}")
        elif info.effort_levels:
            notes.append("effort axis not applied: an effort level needs adaptive thinking, which this model lacks")
        else:
            notes.append("effort axis not applied: no effort levels on this model")
        notes.append("budget and effort not crossed")
        routes[info.id] = notes
    if budget is not None and effort is not None:
        return False
    if budget is not None:
        return takes_budget or neither
    if effort is not None:
        return takes_effort or neither
    return None in budgets or None in efforts  # the "neither" cell only when an axis asked for it


def _same(a: Config, b: Config) -> bool:
    keep = {"label", "fallback_from"}
    return a.model_dump(exclude=keep) == b.model_dump(exclude=keep)


def _build(cell: Cell, fixed: Cell, fallback_from: str | None = None) -> tuple[Config | None, str]:
    try:
        return _config(cell, fixed, fallback_from), ""
    except ConfigError as exc:
        return None, str(exc).removeprefix(f"invalid Config for {cell['model']}: ")


def _config(cell: Cell, fixed: Cell, fallback_from: str | None) -> Config:
    s, budget, effort, display = cell["strategy"], cell["budget"], cell["effort"], cell["display"]
    thinking: ThinkingConfig | None
    inner: InnerThoughts | None = None
    if s in (None, "native"):
        if budget is not None:
            thinking = ThinkingConfig(mode="budget", budget_tokens=budget, effort=effort, display=display)
        elif effort is not None or display is not None or s == "native":
            thinking = ThinkingConfig(mode="adaptive", effort=effort, display=display)
        else:
            thinking = None
    else:
        on = cell.get("think_anyway")  # set by a fallback on always-thinking models: the lowest effort
        thinking = ThinkingConfig(mode="off") if on is None else ThinkingConfig(mode="adaptive", effort=on or None)
        base = s.removesuffix("+prefill")
        inner = InnerThoughts(strategy=base, tag=fixed["tag"], prefill=s.endswith("+prefill"))
    if s == "none":
        inner = None
    return Config(model=cell["model"], max_tokens=cell["max_tokens"], thinking=thinking, inner_thoughts=inner,
                  tools=fixed["tools"], system=fixed["system"], label=fixed["label"], fallback_from=fallback_from)


def _nearest_effort(level: str, levels: tuple[str, ...]) -> str | None:
    if not levels:
        return None
    rank = EFFORT_LEVELS.index(level)
    return min(levels, key=lambda lv: (abs(EFFORT_LEVELS.index(lv) - rank), EFFORT_LEVELS.index(lv)))


def _effort_for_budget(budget: int, levels: tuple[str, ...]) -> str | None:
    wanted = min(EFFORT_BUDGETS, key=lambda lv: abs(EFFORT_BUDGETS[lv] - budget))
    return _nearest_effort(wanted, levels)


def _repair(cell: Cell, info: ModelInfo) -> Cell:
    """The nearest cell the model accepts, by the catalog entry (re-checked by the rules afterwards)."""
    new = dict(cell)
    s = new["strategy"]
    if s == "xml+prefill" and not info.prefill:
        new["strategy"] = s = "xml"
    if s not in (None, "native") and info.always_thinks:
        new["think_anyway"] = info.effort_levels[0] if info.effort_levels else ""
    if new["budget"] is not None and not info.accepts_budget:
        new["effort"] = new["effort"] or _effort_for_budget(new["budget"], info.effort_levels)
        new["budget"] = None
    if new["effort"] is not None and new["effort"] not in info.effort_levels:
        if not info.effort_levels and info.accepts_budget and new["budget"] is None:
            new["budget"] = EFFORT_BUDGETS[new["effort"]]
        new["effort"] = _nearest_effort(new["effort"], info.effort_levels)
    wants_thinking = new["effort"] is not None or new["display"] is not None or s == "native"
    if new["budget"] is None and s in (None, "native") and info.accepts_budget and not info.accepts_adaptive:
        new["budget"] = EFFORT_BUDGETS["high"] if wants_thinking else None
    if new["budget"] is not None and new["budget"] >= new["max_tokens"]:
        if new["max_tokens"] - 1 >= MIN_THINKING_BUDGET:
            new["budget"] = new["max_tokens"] - 1
        else:
            new["max_tokens"] = min(info.max_output, new["budget"] + cell["max_tokens"])
    return new


def _fallback(cell: Cell, fixed: Cell, reason: str) -> tuple[Config | None, str]:
    info = get_model(cell["model"])
    repaired = _repair(cell, info)
    if repaired == cell:
        return None, f"{reason} (no nearer valid config)"
    changed = {k: v for k, v in cell.items() if repaired.get(k) != v and k in _KNOBS}
    if "think_anyway" in repaired:
        changed["thinking"] = "off"
    config, problem = _build(repaired, fixed, fallback_from=_original(changed) or _describe(cell))
    if config is None:
        return None, f"{reason} (fallback also rejected: {problem})"
    return config, reason


_KNOBS = ("max_tokens", "budget", "effort", "display", "strategy")


def _describe(cell: Cell) -> str:
    return ", ".join(f"{k}={v}" for k, v in cell.items() if v is not None and k != "think_anyway")


def _original(changed: Cell) -> str:
    """``"budget=unset, strategy=native"``: the original values of the knobs a fallback changed
    (a knob that was not set is named too, so the description is never empty)."""
    return ", ".join(f"{k}={'unset' if v is None else v}" for k, v in changed.items())
