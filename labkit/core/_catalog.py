"""The model catalog: what each Claude model accepts and what it costs, shipped as package data.

`get_model(model_id)` answers from ``labkit/_data/catalog.json`` (every id in the SDK's model list,
dated aliases included): context window, max output, accepted thinking types, effort levels,
prefill, forced tool choice, default thinking display, and prices with the date they were read.
Live ``GET /v1/models`` capabilities can override an entry (`ModelInfo.with_live_capabilities`);
`live_capabilities(infos)` makes `get_model` answer with such entries inside a ``with`` block (a
context variable, so one Lab's live list never leaks into another's checks).

Platform ids resolve to the same entries: Bedrock ids (``anthropic.claude-...-v1[:0]``), Bedrock
cross-region inference profiles (a geography prefix such as ``us.`` / ``eu.`` / ``global.``, or a
``foundation-model/`` / ``inference-profile/`` ARN) and Vertex ids (``claude-...[@date]``), so every
rule, price and capability check works on them; `platform_of` tells which platform an id names.
Pure: reads only its own package data, once.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any, Literal

from labkit.core._errors import UnknownModelError

THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")
Platform = Literal["anthropic", "bedrock", "vertex"]
BEDROCK_GEOGRAPHIES = ("us", "us-gov", "eu", "apac", "jp", "au", "ca", "global")
"""Prefixes of Bedrock cross-region inference profile ids (``us.anthropic.claude-...``)."""
_GEOGRAPHY = "|".join(re.escape(g) for g in BEDROCK_GEOGRAPHIES)
_PROFILE = re.compile(rf"(?:{_GEOGRAPHY})\.(anthropic\..+)")
_ARN = re.compile(r"arn:aws[\w-]*:bedrock:[\w-]*:\d*:(?:foundation-model|inference-profile)/(.+)")
BEDROCK_LEGACY_VERSION = "bedrock-2023-05-31"
BEDROCK_CURRENT_FROM = "claude-opus-4-7"
"""On Bedrock the body version 2026-10-21 works only for Claude 4.7+ models (this one and newer);
older models take `BEDROCK_LEGACY_VERSION` (shared/reference/anthropic_api.md, section 0)."""
_LIVE: ContextVar[Mapping[str, ModelInfo] | None] = ContextVar("labkit_live_capabilities", default=None)


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
    server_tool_prices: tuple[tuple[str, float], ...] = ()
    """USD per server-tool request, by usage counter (``web_search_requests`` ...)."""
    server_tool_prices_read: str = ""
    """When those prices were read, and from where."""
    source: str = field(default="catalog")
    """"catalog" for the shipped entry, "live" once live capabilities were applied."""
    bedrock_ids: tuple[str, ...] = ()
    vertex_ids: tuple[str, ...] = ()

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
        server_tool_prices=tuple((k, float(v)) for k, v in doc["server_tool_prices"]["prices"].items()),
        server_tool_prices_read=f"{doc['server_tool_prices']['read']}: {doc['server_tool_prices']['source']}",
        bedrock_ids=tuple(raw.get("bedrock_ids", ())),
        vertex_ids=tuple(raw.get("vertex_ids", ())),
    )


@cache
def _platform_ids() -> dict[str, tuple[Platform, ModelInfo]]:
    """Every platform id (Bedrock base ids, Vertex ids) -> (platform, entry)."""
    out: dict[str, tuple[Platform, ModelInfo]] = {}
    for info in {i.id: i for i in _catalog().values()}.values():
        out.update({pid: ("bedrock", info) for pid in info.bedrock_ids})
        out.update({pid: ("vertex", info) for pid in info.vertex_ids if pid not in _catalog()})
    return out


def _platform_entry(model_id: str) -> tuple[Platform, ModelInfo] | None:
    """(platform, entry) for a Bedrock / Vertex id, an inference profile or a Bedrock ARN."""
    model_id = (arn.group(1) if (arn := _ARN.fullmatch(model_id)) else model_id)
    if (profile := _PROFILE.fullmatch(model_id)) is not None:
        model_id = profile.group(1)
    return _platform_ids().get(model_id)


def platform_of(model_id: str) -> Platform | None:
    """Which platform's naming ``model_id`` follows (None: not a known id). A Vertex id that is
    also an Anthropic API id (``claude-opus-4-7``) counts as "anthropic"."""
    if model_id in _catalog():
        return "anthropic"
    found = _platform_entry(model_id)
    return found[0] if found else None


@contextmanager
def live_capabilities(infos: Mapping[str, ModelInfo]) -> Iterator[None]:
    """Inside the block, `get_model` answers the entries of ``infos`` (by catalog id) instead."""
    token = _LIVE.set(infos)
    try:
        yield
    finally:
        _LIVE.reset(token)


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


def bedrock_version(model_id: str) -> str:
    """The ``anthropic_version`` body field Bedrock accepts for ``model_id``'s model."""
    current = get_model(model_id).created_at >= get_model(BEDROCK_CURRENT_FROM).created_at
    return "2026-10-21" if current else BEDROCK_LEGACY_VERSION


def platform_model_ids(platform: Platform) -> list[str]:
    """Every id the catalog accepts for ``platform`` (Bedrock: base ids, without profile prefixes)."""
    if platform == "anthropic":
        return model_ids()
    return sorted(pid for pid, (kind, _) in _platform_ids().items() if kind == platform) + (
        sorted(i for i, info in _catalog().items() if i in info.vertex_ids) if platform == "vertex" else [])


def get_model(model_id: str, *, platform: Platform | None = None) -> ModelInfo:
    """The catalog entry for ``model_id``: an Anthropic API id, a dated alias, or a Bedrock / Vertex
    id (inference profiles and Bedrock ARNs included). Inside `live_capabilities`, the live entry.
    With ``platform``, only ids that platform accepts are known (Vertex also takes the undated
    Anthropic ids its own naming shares).

    Raises:
        UnknownModelError: the id is not in the catalog; the message names the nearest known ids.
    """
    catalog = _catalog()
    info = catalog.get(model_id) if isinstance(model_id, str) else None
    own_vertex_id = info is not None and platform == "vertex" and model_id in info.vertex_ids
    if info is not None and platform in ("bedrock", "vertex") and not own_vertex_id:
        info = None
    if info is None and platform != "anthropic" and isinstance(model_id, str):
        found = _platform_entry(model_id)
        info = found[1] if found is not None and platform in (None, found[0]) else None
    if info is not None:
        live = _LIVE.get()
        return live.get(info.id, info) if live else info
    known = [*catalog, *_platform_ids()] if platform is None else platform_model_ids(platform)
    nearest = difflib.get_close_matches(str(model_id), known, n=3, cutoff=0.5)
    raise UnknownModelError(str(model_id), nearest)
