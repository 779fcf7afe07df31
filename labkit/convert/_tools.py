"""OpenAI tools and tool_choice -> Anthropic tools and tool_choice.

Owns
- `convert_tools`: ``{"type": "function", "function": {name, description, parameters, strict}}``
  becomes ``{name, description, input_schema, strict}``: the description is never null (``""``),
  a missing schema becomes ``{"type": "object", "properties": {}}``, ``strict`` is sent only when
  set, order is kept, and names are checked against the API pattern ``^[a-zA-Z0-9_-]{1,128}$``.
  With the kwargs inner-thoughts strategy every schema gets ``inner_thoughts`` first.
- `convert_tool_choice`: ``"auto"`` -> auto, ``"required"`` -> any, ``"none"`` -> none,
  ``{"type": "function", "function": {"name": N}}`` -> ``{"type": "tool", "name": N}``; Anthropic
  forms pass through; ``parallel_tool_calls=False`` -> ``disable_parallel_tool_use=True``.

Bad input raises `ConfigError` naming the field. Pure: no I/O.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from labkit.convert._inner_thoughts import inject_inner_thoughts
from labkit.core import ConfigError, Tool

__all__ = ["TOOL_NAME_PATTERN", "convert_tool", "convert_tool_choice", "convert_tools", "unknown_tool_fields"]

TOOL_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}
_CHOICE_STRINGS = {"auto": "auto", "required": "any", "none": "none", "any": "any"}
_ANTHROPIC_CHOICES = ("auto", "any", "tool", "none")


def convert_tool(tool: Tool | dict[str, Any], *, index: int = 0, inner_thoughts: bool = False) -> dict[str, Any]:
    """One OpenAI tool as an Anthropic custom tool (a new dict; the input is never mutated)."""
    parsed = _parse_tool(tool, index)
    fn = parsed.function
    if not TOOL_NAME_PATTERN.match(fn.name):
        raise ConfigError(
            f"tools[{index}].function.name={fn.name!r} does not match the API's tool name pattern "
            f"^[a-zA-Z0-9_-]{{1,128}}$"
        )
    if fn.parameters is not None and fn.parameters.get("type", "object") != "object":
        raise ConfigError(f"tools[{index}].function.parameters must be a JSON Schema of type 'object'")
    schema = inject_inner_thoughts(fn.parameters) if inner_thoughts else _schema(fn.parameters)
    out: dict[str, Any] = {"name": fn.name, "description": fn.description or "", "input_schema": schema}
    if fn.strict is not None:
        out["strict"] = fn.strict
    return out


def convert_tools(tools: Sequence[Tool | dict[str, Any]], *, inner_thoughts: bool = False) -> list[dict[str, Any]]:
    """Every tool converted, in order; duplicate names are a `ConfigError`."""
    out = [convert_tool(t, index=i, inner_thoughts=inner_thoughts) for i, t in enumerate(tools)]
    seen: set[str] = set()
    for i, tool in enumerate(out):
        if tool["name"] in seen:
            raise ConfigError(f"tools[{i}].function.name={tool['name']!r} is defined twice")
        seen.add(tool["name"])
    return out


def convert_tool_choice(
    tool_choice: str | dict[str, Any] | None,
    *,
    parallel_tool_calls: bool | None = None,
    tool_names: Sequence[str] = (),
) -> dict[str, Any] | None:
    """The Anthropic ``tool_choice`` (None: send nothing, the API default ``auto`` applies).

    ``parallel_tool_calls=False`` adds ``disable_parallel_tool_use=True`` (to ``auto`` when no
    choice was given); ``none`` takes no parallel flag. A named tool must be one of ``tool_names``.
    """
    choice = _choice(tool_choice, tool_names)
    if parallel_tool_calls is False:
        if choice is None:
            choice = {"type": "auto"}
        if choice["type"] != "none":
            choice["disable_parallel_tool_use"] = True
    return choice


def unknown_tool_fields(tools: Sequence[Tool]) -> list[str]:
    """Paths of fields on the tools that have no Anthropic counterpart (not sent; reported by the caller)."""
    paths: list[str] = []
    for i, tool in enumerate(tools):
        paths += [f"tools[{i}].{key}" for key in tool.model_extra or {}]
        paths += [f"tools[{i}].function.{key}" for key in tool.function.model_extra or {}]
    return paths


def _choice(tool_choice: str | dict[str, Any] | None, tool_names: Sequence[str]) -> dict[str, Any] | None:
    if tool_choice is None:
        return None
    if isinstance(tool_choice, str):
        if tool_choice not in _CHOICE_STRINGS:
            raise ConfigError(f"tool_choice={tool_choice!r} is not one of 'auto', 'required', 'none'")
        return {"type": _CHOICE_STRINGS[tool_choice]}
    if not isinstance(tool_choice, dict):
        raise ConfigError(f"tool_choice must be a string or an object, got {type(tool_choice).__name__}")
    kind = tool_choice.get("type")
    if kind == "function":
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        return {"type": "tool", "name": _known_name(name, tool_names, "tool_choice.function.name")}
    if kind in _ANTHROPIC_CHOICES:
        choice = dict(tool_choice)
        if kind == "tool":
            _known_name(choice.get("name"), tool_names, "tool_choice.name")
        return choice
    raise ConfigError(f"tool_choice.type={kind!r} is not 'function' (or an Anthropic auto/any/tool/none)")


def _known_name(name: Any, tool_names: Sequence[str], field: str) -> str:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{field} is required to force a named tool")
    if tool_names and name not in tool_names:
        raise ConfigError(f"{field}={name!r} names no tool in the request (tools: {', '.join(tool_names)})")
    return name


def _schema(parameters: dict[str, Any] | None) -> dict[str, Any]:
    if not parameters:
        return {**_EMPTY_SCHEMA, "properties": {}}
    schema = copy.deepcopy(parameters)
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


def _parse_tool(tool: Tool | dict[str, Any], index: int) -> Tool:
    if isinstance(tool, Tool):
        return tool
    if not isinstance(tool, dict):
        raise ConfigError(f"tools[{index}] must be an object, got {type(tool).__name__}")
    try:
        return Tool.model_validate(tool)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"tools[{index}].{where}: {first['msg']}") from None
