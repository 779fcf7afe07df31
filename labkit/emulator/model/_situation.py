"""What the synthetic model reads from a request before it plans a reply (pure).

`read_situation(params, model)` gathers: the prompt (the last user text), the native thinking
budget in force, the thinking display, the inner-thought strategy the request sets up (an
``inner_thoughts`` tool argument, a system prompt asking for ``<tag>`` thinking, or an assistant
prefill ending with an opening tag), the usable tools, and the tool calls and results since the
prompt. What an effort level is worth and a model line's thinking verbosity come from the
`Assumptions` in force (carried on the `Situation` for the steps that follow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from labkit.core import ModelInfo
from labkit.emulator.model._assumptions import DEFAULT_ASSUMPTIONS, Assumptions

INNER_THOUGHTS_KEY = "inner_thoughts"
_SYSTEM_TAG = re.compile(r"think[^<]{0,120}<([A-Za-z_][\w.-]*)>", re.IGNORECASE)
_PREFILL_TAG = re.compile(r"<([A-Za-z_][\w.-]*)>\s*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """A tool call made since the prompt: name and input (without inner thoughts)."""

    name: str
    input: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Situation:
    prompt: str
    budget: int | None
    """Native thinking budget in tokens; None when native thinking is off."""
    adaptive: bool
    """Adaptive (or between-tools) thinking: the model thinks again after tool results."""
    display: str
    full_visible: bool
    """Summarized display on older budget models shows the full work."""
    strategy: str
    """"none", "kwargs", "xml" or "prefill"."""
    tag: str
    tools: dict[str, dict[str, Any]]
    """Usable custom tools: name -> input schema (empty when tool_choice is none)."""
    forced: str | None
    """"any" or a tool name when tool_choice forces a tool use."""
    parallel: bool
    calls: tuple[Call, ...]
    results: tuple[str, ...]
    continuing: bool
    """The last message is a user turn that carries tool results."""
    capacity_scale: float = 1.0
    """How much work this sample fits in its capacity (1.0 for the first, modal sample)."""
    verbosity: float = 1.0
    """Native thinking tokens billed per token of work (``Assumptions.thinking_verbosity``)."""
    line: str | None = None
    """The model line (haiku, sonnet, opus, ...), for the line's assumptions."""
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def _blocks(content: Any) -> list[dict[str, Any]]:
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    return content if isinstance(content, str) else _text_of(content)


def thinking_budget(params: dict[str, Any], model: ModelInfo, assumptions: Assumptions) -> tuple[int | None, bool]:
    """(native thinking budget or None, whether thinking is adaptive); an effort level stands for
    ``assumptions.effort_work`` tokens."""
    thinking = params.get("thinking") if isinstance(params.get("thinking"), dict) else None
    kind = thinking.get("type") if thinking else ("adaptive" if model.thinking_when_omitted == "adaptive" else "off")
    if kind == "enabled" and thinking is not None:
        return int(thinking.get("budget_tokens") or 1024), False
    if kind == "adaptive":
        effort = (params.get("output_config") or {}).get("effort") or model.default_effort or "high"
        work = assumptions.effort_work
        return work.get(str(effort), work.get("high", 4096)), True
    return None, kind == "between_tools"


def _prompt_index(messages: list[Any]) -> int:
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, dict) and message.get("role") == "user" and _text_of(message.get("content")).strip():
            return i
    return -1


def _strategy(params: dict[str, Any], messages: list[Any], tools: dict[str, dict[str, Any]]) -> tuple[str, str]:
    last = messages[-1] if messages else {}
    if isinstance(last, dict) and last.get("role") == "assistant":
        match = _PREFILL_TAG.search(_text_of(last.get("content")))
        if match:
            return "prefill", match.group(1)
    match = _SYSTEM_TAG.search(_text_of(params.get("system")))
    if match:
        return "xml", match.group(1)
    if any(INNER_THOUGHTS_KEY in (schema.get("properties") or {}) for schema in tools.values()):
        return "kwargs", "thinking"
    return "none", "thinking"


def _tools(params: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], str | None, bool]:
    raw = params.get("tool_choice")
    choice: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = choice.get("type", "auto")
    if kind == "none":
        return {}, None, True
    tools = {
        str(t["name"]): dict(t.get("input_schema") or {})
        for t in params.get("tools") or []
        if isinstance(t, dict) and t.get("type") in (None, "custom") and "name" in t
    }
    forced = "any" if kind == "any" else (str(choice.get("name")) if kind == "tool" else None)
    return tools, forced, not choice.get("disable_parallel_tool_use", False)


def read_situation(params: dict[str, Any], model: ModelInfo, assumptions: Assumptions | None = None) -> Situation:
    """Everything `synth.plan_reply` needs from a (validated) Messages request."""
    assumptions = assumptions if assumptions is not None else DEFAULT_ASSUMPTIONS
    messages = params.get("messages") or []
    index = _prompt_index(messages)
    budget, adaptive = thinking_budget(params, model, assumptions)
    thinking = params.get("thinking") if isinstance(params.get("thinking"), dict) else {}
    display = str((thinking or {}).get("display") or model.default_display)
    tools, forced, parallel = _tools(params)
    strategy, tag = _strategy(params, messages, tools)
    calls: list[Call] = []
    results: list[str] = []
    for message in messages[index + 1 :] if index >= 0 else []:
        for block in _blocks(message.get("content") if isinstance(message, dict) else None):
            if block.get("type") == "tool_use":
                args = {k: v for k, v in dict(block.get("input") or {}).items() if k != INNER_THOUGHTS_KEY}
                calls.append(Call(name=str(block.get("name")), input=args))
            elif block.get("type") == "tool_result":
                results.append(_result_text(block))
    last = messages[-1] if messages else {}
    continuing = isinstance(last, dict) and any(b.get("type") == "tool_result" for b in _blocks(last.get("content")))
    return Situation(
        prompt=_text_of(messages[index].get("content")) if index >= 0 else "",
        budget=budget,
        adaptive=adaptive,
        display=display,
        full_visible=display == "summarized" and model.default_display == "summarized" and model.accepts_budget,
        strategy=strategy,
        tag=tag,
        tools=tools,
        forced=forced,
        parallel=parallel,
        calls=tuple(calls),
        results=tuple(results),
        continuing=continuing,
        verbosity=assumptions.verbosity(model.line),
        line=model.line,
        assumptions=assumptions,
    )
