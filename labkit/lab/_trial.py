"""One experiment trial: owns `Trial` (the result of ``lab.run``), `Knobs`, `Timings`, `trial_key`.

- `Knobs`: every thinking / strategy knob of a trial as flat values (what the row shows and the
  key hashes): label, thinking_mode ("off" | "budget" | "adaptive", or "default" when no thinking
  config was given), budget_tokens, effort, display, strategy (the one vocabulary: "none" |
  "native" | "kwargs" | "xml" | "xml+prefill", see `strategy_name`), tag, prefill, fallback_from
  (the config a "fallback" grid policy replaced, as text).
- `trial_key(backend, model, params, knobs, repeat)`: sha256 hex of the canonical JSON (sorted
  keys, compact) of those five things. Request params are scrubbed first: any key matching
  `SECRET_KEY` (api keys, authorization) and the transport-only kwargs in `TRANSPORT_KWARGS`
  (headers, query, timeout, stream) never enter the key.
- `Trial.row()`: exactly the `ROW_COLUMNS` documented in docs/architecture.md ("Trial rows").
  `Trial.from_row(row)` rebuilds a Trial from such a row (no completion).
Pure: no I/O, no clock (``created_at`` is passed in by the caller).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Literal

from pydantic import BaseModel

from labkit.core import ChatCompletion, canonical_json
from labkit.tokens import CostSplit, TokenRecord, TokenSource

Status = Literal["ok", "error", "skipped"]
SECRET_KEY = re.compile(r"api[-_]?key|authorization|x-api-key", re.IGNORECASE)
TRANSPORT_KWARGS = frozenset({"extra_headers", "extra_query", "timeout", "stream"})

ROW_COLUMNS: tuple[str, ...] = (
    "experiment", "trial_key", "backend", "endpoint", "model", "capabilities", "synthetic", "label", "thinking_mode",
    "budget_tokens", "effort", "display", "strategy", "tag", "prefill", "fallback_from", "task_id", "category",
    "repeat", "status",
    "error_type", "error_message", "stop_reason", "input_tokens", "cache_write_tokens", "cache_write_5m_tokens",
    "cache_write_1h_tokens", "cache_read_tokens", "output_tokens", "thinking_tokens", "visible_tokens",
    "tokens_source", "web_search_requests", "web_fetch_requests", "iterations", "service_tier", "inference_geo",
    "budget_utilisation", "ttft_s", "thinking_s", "answer_s", "total_s", "cost_input_usd", "cost_cache_usd",
    "cost_thinking_usd", "cost_output_usd", "cost_server_tool_usd", "cost_usd", "batch", "answer", "reasoning",
    "has_reasoning", "tool_calls", "tool_calls_valid", "correct", "cached", "created_at",
)  # fmt: skip
"""The trial-row columns, in order (docs/architecture.md "Trial rows")."""
ROW_BOOLEANS = frozenset({"synthetic", "prefill", "batch", "has_reasoning", "tool_calls_valid", "correct", "cached"})
"""The row columns holding True / False (or None)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Knobs:
    """Every thinking / strategy knob of a trial, flat. All of them enter the trial key."""

    label: str | None = None
    thinking_mode: str = "default"
    budget_tokens: int | None = None
    effort: str | None = None
    display: str | None = None
    strategy: str = "none"
    tag: str | None = None
    prefill: bool = False
    fallback_from: str | None = None

    @classmethod
    def from_configs(
        cls, thinking: Any = None, inner_thoughts: Any = None, *, label: str | None = None,
        fallback_from: str | None = None, model: Any = None,
    ) -> Knobs:  # fmt: skip
        """Knobs from a `ThinkingConfig` and an `InnerThoughts` (either may be None).

        Without a thinking config the mode is "default", or, when ``model`` (a `ModelInfo`) is
        given, the mode that model applies when thinking is omitted ("adaptive" or "off").
        """
        tag = getattr(inner_thoughts, "tag", None)
        inner = getattr(inner_thoughts, "strategy", None) or "none"
        omitted = getattr(model, "thinking_when_omitted", None) or "default"
        mode = getattr(thinking, "mode", None) or omitted
        strategy = strategy_name(inner, bool(getattr(inner_thoughts, "prefill", False)), mode)
        return cls(
            label=label,
            thinking_mode=mode,
            budget_tokens=getattr(thinking, "budget_tokens", None),
            effort=getattr(thinking, "effort", None),
            display=getattr(thinking, "display", None),
            strategy=strategy,
            tag=tag if inner == "xml" else None,
            prefill=bool(getattr(inner_thoughts, "prefill", False)),
            fallback_from=fallback_from,
        )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Knobs:
        """Knobs from a dict with (a subset of) the field names; other keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})

    def as_dict(self) -> dict[str, Any]:
        # every field is a plain scalar: no deep copy needed (`dataclasses.asdict` makes one per field)
        return {name: getattr(self, name) for name in _KNOB_NAMES}


_KNOB_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Knobs))


@dataclass(frozen=True, slots=True, kw_only=True)
class Timings:
    """Seconds from request start: first content delta; thinking span; answer span; whole call."""

    ttft_s: float | None = None
    thinking_s: float | None = None
    answer_s: float | None = None
    total_s: float | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"cannot encode {type(value).__name__} in a trial key")


def scrub(value: Any) -> Any:
    """A copy of ``value`` with every dict key matching `SECRET_KEY` removed, recursively."""
    if isinstance(value, str | int | float | None):
        return value
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items() if not (isinstance(k, str) and SECRET_KEY.search(k))}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def canonical_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Request params as they enter the key: secrets and transport-only kwargs removed."""
    return {k: v for k, v in scrub(json.loads(key_json(dict(params)))).items() if k not in TRANSPORT_KWARGS}


def key_json(value: Any) -> str:
    """The JSON text keys hash: `canonical_json`, with pydantic and dataclass values as dicts."""
    return canonical_json(value, default=_plain)


def trial_key(backend: str, model: str, params: Mapping[str, Any], knobs: Mapping[str, Any], repeat: int) -> str:
    """sha256 of backend, model, canonical request params, every knob and the repeat index."""
    payload = {
        "backend": backend,
        "model": model,
        "params": canonical_params(params),
        "knobs": scrub(json.loads(key_json(dict(knobs)))),
        "repeat": repeat,
    }
    return hashlib.sha256(key_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Trial:
    """The public result of ``lab.run``: config knobs, task, outcome, tokens, cost, timings."""

    trial_key: str
    backend: str
    model: str
    knobs: Knobs = field(default_factory=Knobs)
    experiment: str | None = None
    task_id: str | None = None
    category: str | None = None
    repeat: int = 0
    status: Status = "ok"
    completion: ChatCompletion | None = None
    tokens: TokenRecord | None = None
    cost: CostSplit | None = None
    timings: Timings = field(default_factory=Timings)
    stop_reason: str | None = None
    """Anthropic's raw stop reason of the last turn (``max_tokens`` marks a truncated trial)."""
    answer: str | None = None
    """The row's ``answer``: the final answer extracted from the reply when the task has one to score
    against (``"391"``), else the reply text (a plain prompt has nothing to extract). The whole reply
    is `reply`."""
    reasoning: str | None = None
    """Visible thinking and extracted inner thoughts of every turn, joined."""
    tool_calls: int = 0
    """How many tool calls the trial made over all its turns."""
    tool_calls_valid: bool | None = None
    """None when the reply made no tool call."""
    correct: bool | None = None
    """None when there is no task answer to score against (or the trial failed)."""
    cached: bool = False
    batch: bool = False
    error_type: str | None = None
    error_message: str | None = None
    events: int = 0
    """How many raw stream events the trial recorded."""
    created_at: str | None = None
    """ISO 8601 UTC time the trial finished (set by the caller; trial.py reads no clock)."""
    endpoint: str | None = None
    """Which server answered, beyond the backend kind (`BackendIdentity.endpoint`: base URL, region,
    project, emulator seed and assumptions version); None in rows stored before it was recorded."""
    capabilities: str | None = None
    """Where the model checks came from: "live" (the backend's ``GET /v1/models``) or "catalog"."""
    service_tier: str | None = None
    """The tier that served the last turn (``standard``, ``priority``, ``batch``), as the usage reports it."""
    inference_geo: str | None = None
    """Where the last turn ran, as the usage reports it (``global``, ``us`` ...; None when not reported)."""
    synthetic: bool | None = None
    """True when labkit's emulator answered (in process, or over HTTP: its ``msg_synth_`` message ids),
    False for a real server; None in rows stored before it was recorded (then the backend says)."""

    def __repr__(self) -> str:
        """One line for notebooks: what ran, how it ended, tokens, cost (the completion is left out)."""
        parts = [f"model={self.model!r}", f"status={self.status!r}"]
        if self.task_id is not None:
            parts.append(f"task={self.task_id!r}")
        if self.error_type:
            parts.append(f"error={self.error_type!r}")
        if self.tokens is not None:
            parts.append(f"tokens(in={self.tokens.total_input}, thinking={self.tokens.thinking}, "
                         f"visible={self.tokens.visible}, {self.tokens.overall_source})")  # fmt: skip
        if self.cost is not None:
            parts.append(f"cost=${self.cost.total_usd:.6f}")
        if self.correct is not None:
            parts.append(f"correct={self.correct}")
        parts.append(f"key={self.trial_key[:12]}")
        return f"Trial({', '.join(parts)})"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def reply(self) -> str | None:
        """The whole visible reply of the last turn (None when rebuilt from a row without its completion)."""
        if self.completion is None or not self.completion.choices:
            return None
        content = self.completion.choices[0].message.content
        return content if isinstance(content, str) else None

    @property
    def has_reasoning(self) -> bool:
        return bool(self.reasoning)

    @property
    def budget_utilisation(self) -> float | None:
        """Thinking tokens / thinking budget (budget mode only; a tool loop's turns add up)."""
        budget = self.knobs.budget_tokens
        if not budget or self.tokens is None:
            return None
        return self.tokens.thinking / budget

    def row(self) -> dict[str, Any]:
        """The trial row: exactly `ROW_COLUMNS`, in order, JSON-friendly values."""
        t, c, k, tm = self.tokens, self.cost, self.knobs, self.timings
        values: dict[str, Any] = {
            "experiment": self.experiment, "trial_key": self.trial_key, "backend": self.backend,
            "endpoint": self.endpoint, "model": self.model, "capabilities": self.capabilities,
            "synthetic": self.synthetic, **{name: getattr(k, name) for name in _KNOB_COLUMNS},
            "task_id": self.task_id, "category": self.category, "repeat": self.repeat, "status": self.status,
            "error_type": self.error_type, "error_message": self.error_message, "stop_reason": self.stop_reason,
            "input_tokens": t and t.input, "cache_write_tokens": t and t.cache_write,
            "cache_write_5m_tokens": t and t.cache_write_5m, "cache_write_1h_tokens": t and t.cache_write_1h,
            "cache_read_tokens": t and t.cache_read, "output_tokens": t and t.output,
            "thinking_tokens": t and t.thinking, "visible_tokens": t and t.visible,
            "tokens_source": t and t.overall_source, "web_search_requests": t and t.web_search_requests,
            "web_fetch_requests": t and t.web_fetch_requests, "iterations": t and t.iterations,
            "service_tier": self.service_tier, "inference_geo": self.inference_geo,
            "budget_utilisation": self.budget_utilisation,
            "ttft_s": tm.ttft_s, "thinking_s": tm.thinking_s, "answer_s": tm.answer_s, "total_s": tm.total_s,
            "cost_input_usd": c and c.input_usd, "cost_cache_usd": c and c.cache_usd,
            "cost_thinking_usd": c and c.thinking_usd, "cost_output_usd": c and c.output_usd,
            "cost_server_tool_usd": c and c.server_tool_usd, "cost_usd": c and c.total_usd, "batch": self.batch,
            "answer": self.answer,
            "reasoning": self.reasoning, "has_reasoning": self.has_reasoning, "tool_calls": self.tool_calls,
            "tool_calls_valid": self.tool_calls_valid, "correct": self.correct, "cached": self.cached,
            "created_at": self.created_at,
        }  # fmt: skip
        return {name: values[name] for name in ROW_COLUMNS}

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, completion: ChatCompletion | None = None) -> Trial:
        """Rebuild a Trial from a stored row (a row stored before the cache-write split was recorded
        gives its cache writes back as 5-minute writes)."""
        tokens = None
        if row.get("output_tokens") is not None:
            source: TokenSource = row.get("tokens_source") or "reported"
            write_1h = row.get("cache_write_1h_tokens") or 0
            tokens = TokenRecord(
                input=row.get("input_tokens") or 0, cache_write_1h=write_1h,
                cache_write_5m=(row.get("cache_write_tokens") or 0) - write_1h,
                web_search_requests=row.get("web_search_requests") or 0,
                web_fetch_requests=row.get("web_fetch_requests") or 0, iterations=row.get("iterations") or 0,
                cache_read=row.get("cache_read_tokens") or 0, output=row["output_tokens"],
                thinking=row.get("thinking_tokens") or 0, visible=row.get("visible_tokens") or 0,
                source="reported" if source == "estimated" else source, thinking_source=source,
            )  # fmt: skip
        cost = None
        if row.get("cost_usd") is not None:
            cost = CostSplit(
                input_usd=row.get("cost_input_usd") or 0.0, cache_usd=row.get("cost_cache_usd") or 0.0,
                thinking_usd=row.get("cost_thinking_usd") or 0.0, output_usd=row.get("cost_output_usd") or 0.0,
                server_tool_usd=row.get("cost_server_tool_usd") or 0.0,
            )  # fmt: skip
        return cls(
            trial_key=row["trial_key"], backend=row["backend"], model=row["model"],
            knobs=Knobs.from_dict(row), experiment=row.get("experiment"), task_id=row.get("task_id"),
            category=row.get("category"), repeat=row.get("repeat") or 0, status=row.get("status") or "ok",
            completion=completion, tokens=tokens, cost=cost,
            timings=Timings(ttft_s=row.get("ttft_s"), thinking_s=row.get("thinking_s"),
                            answer_s=row.get("answer_s"), total_s=row.get("total_s")),
            stop_reason=row.get("stop_reason"), answer=row.get("answer"), reasoning=row.get("reasoning"),
            tool_calls=row.get("tool_calls") or 0, tool_calls_valid=row.get("tool_calls_valid"),
            correct=row.get("correct"), cached=bool(row.get("cached")), batch=bool(row.get("batch")),
            error_type=row.get("error_type"), error_message=row.get("error_message"),
            created_at=row.get("created_at"), endpoint=row.get("endpoint"), capabilities=row.get("capabilities"),
            synthetic=row.get("synthetic"), service_tier=row.get("service_tier"),
            inference_geo=row.get("inference_geo"),
        )  # fmt: skip


_KNOB_COLUMNS = tuple(f.name for f in fields(Knobs))


def strategy_name(inner: str, prefill: bool, thinking_mode: str) -> str:
    """The strategy a trial ran, in the one vocabulary (`labkit.core.STRATEGIES`): the inner-thought
    strategy when there is one (``"xml+prefill"`` for xml with prefill), else ``"native"`` when
    native thinking is on (``budget`` / ``adaptive``), else ``"none"``. So a config asked for as
    ``strategy="native"`` is recorded as ``"native"``."""
    if inner and inner != "none":
        return "xml+prefill" if inner == "xml" and prefill else inner
    return "native" if thinking_mode in ("budget", "adaptive") else "none"
