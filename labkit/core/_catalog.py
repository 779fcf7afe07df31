"""The model catalog: what each Claude model accepts and what it costs, shipped as package data.

`get_model(model_id)` answers from ``labkit/_data/catalog.json`` (every id in the SDK's model list,
dated aliases included): context window, max output, accepted thinking types, effort levels,
prefill, forced tool choice, default thinking display, and prices with the date they were read.
Live ``GET /v1/models`` capabilities can override an entry (`ModelInfo.with_live_capabilities`).
Pure: reads only its own package data, once.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from labkit.core._errors import UnknownModelError

THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")


@dataclass(frozen=True, slots=True, kw_only=True)
class Prices:
    """USD per million tokens."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceTier:
    """Prices that apply when a request's total input exceeds ``above_input_tokens``."""

    above_input_tokens: int
    prices: Prices


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    """One model's rules and prices. ``thinking_when_omitted`` is "off" or "adaptive"."""

    id: str
    display_name: str
    line: str | None
    created_at: str
    lifecycle: str
    deprecated_at: str | None
    retires_at: str | None
    aliases: tuple[str, ...]
    context_window: int
    max_output: int
    thinking_types: frozenset[str]
    thinking_when_omitted: str
    disabled_max_effort: str | None
    """Highest effort allowed together with ``thinking: disabled`` (None: no extra limit)."""
    effort_levels: tuple[str, ...]
    default_effort: str | None
    prefill: bool
    forced_tool_choice: bool
    default_display: str
    thinking_bound_to_prefix: bool
    """Thinking signatures bind to the conversation prefix (5.x preserved thinking)."""
    reports_thinking_tokens: bool
    """Usage carries ``output_tokens_details.thinking_tokens``."""
    prices: Prices
    price_tiers: tuple[PriceTier, ...] = ()
    price_confidence: str = ""
    prices_read: str = ""
    batch_discount: float = 0.5
    source: str = field(default="catalog")
    """"catalog" for the shipped entry, "live" once live capabilities were applied."""

    @property
    def accepts_budget(self) -> bool:
        return "enabled" in self.thinking_types

    @property
    def accepts_adaptive(self) -> bool:
        return "adaptive" in self.thinking_types

    @property
    def accepts_disabled(self) -> bool:
        return "disabled" in self.thinking_types

    @property
    def always_thinks(self) -> bool:
        return not self.accepts_disabled

    def prices_for(self, total_input_tokens: int) -> Prices:
        """The prices in force for a request whose total input is ``total_input_tokens``."""
        chosen = self.prices
        for tier in sorted(self.price_tiers, key=lambda t: t.above_input_tokens):
            if total_input_tokens > tier.above_input_tokens:
                chosen = tier.prices
        return chosen

    def with_live_capabilities(self, live: dict[str, Any]) -> ModelInfo:
        """Override limits and capabilities from a live ``GET /v1/models/{id}`` body (a dict)."""
        caps = live.get("capabilities") or {}
        thinking = (caps.get("thinking") or {}).get("types") or {}
        effort = caps.get("effort") or {}
        types = frozenset(t for t in THINKING_TYPES if (thinking.get(t) or {}).get("supported"))
        levels = tuple(
            lvl for lvl in ("low", "medium", "high", "xhigh", "max") if (effort.get(lvl) or {}).get("supported")
        )
        return replace(
            self,
            context_window=live.get("max_input_tokens") or self.context_window,
            max_output=live.get("max_tokens") or self.max_output,
            thinking_types=types or self.thinking_types,
            effort_levels=levels if effort.get("supported") is not None else self.effort_levels,
            lifecycle=live.get("lifecycle") or self.lifecycle,
            source="live",
        )


def _prices(raw: dict[str, Any]) -> Prices:
    return Prices(**{k: float(raw[k]) for k in ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")})


def _entry(raw: dict[str, Any], doc: dict[str, Any]) -> ModelInfo:
    tiers = tuple(
        PriceTier(above_input_tokens=int(t["above_input_tokens"]), prices=_prices(t))
        for t in raw.get("price_tiers", ())
    )
    return ModelInfo(
        id=raw["id"],
        display_name=raw["display_name"],
        line=raw.get("line"),
        created_at=raw["created_at"],
        lifecycle=raw["lifecycle"],
        deprecated_at=raw.get("deprecated_at"),
        retires_at=raw.get("retires_at"),
        aliases=tuple(raw.get("aliases", ())),
        context_window=int(raw["context_window"]),
        max_output=int(raw["max_output"]),
        thinking_types=frozenset(raw["thinking_types"]),
        thinking_when_omitted=raw["thinking_when_omitted"],
        disabled_max_effort=raw.get("disabled_max_effort"),
        effort_levels=tuple(raw["effort_levels"]),
        default_effort=raw.get("default_effort"),
        prefill=bool(raw["prefill"]),
        forced_tool_choice=bool(raw["forced_tool_choice"]),
        default_display=raw["default_display"],
        thinking_bound_to_prefix=bool(raw["thinking_bound_to_prefix"]),
        reports_thinking_tokens=bool(raw["reports_thinking_tokens"]),
        prices=_prices(raw["prices"]),
        price_tiers=tiers,
        price_confidence=raw.get("price_confidence", ""),
        prices_read=doc["prices_read"],
        batch_discount=float(doc["batch_discount"]),
    )


@cache
def _catalog() -> dict[str, ModelInfo]:
    text = resources.files("labkit").joinpath("_data/catalog.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    by_id: dict[str, ModelInfo] = {}
    for raw in doc["models"]:
        info = _entry(raw, doc)
        by_id[info.id] = info
        for alias in info.aliases:
            by_id[alias] = info
    return by_id


def list_models(*, include_aliases: bool = False) -> list[ModelInfo] | list[str]:
    """Every catalog model, newest first (or every accepted id, aliases included)."""
    if include_aliases:
        return sorted(_catalog())
    unique = {info.id: info for info in _catalog().values()}
    return sorted(unique.values(), key=lambda i: (i.created_at, i.id), reverse=True)


def model_ids() -> list[str]:
    """Every id the catalog accepts, aliases included, sorted."""
    return sorted(_catalog())


def get_model(model_id: str) -> ModelInfo:
    """The catalog entry for ``model_id`` (a dated alias resolves to its model).

    Raises:
        UnknownModelError: the id is not in the catalog; the message names the nearest known ids.
    """
    catalog = _catalog()
    if model_id in catalog:
        return catalog[model_id]
    nearest = difflib.get_close_matches(str(model_id), list(catalog), n=3, cutoff=0.5)
    raise UnknownModelError(str(model_id), nearest)
