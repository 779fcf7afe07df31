"""General tool use in the synthetic model: any tool a prompt names or clearly fits (pure).

With ``Assumptions.tool_use == "named_or_fitting"`` and custom tools given, a prompt that is not one
of labkit's tool tasks still gets tool calls when it names a tool ("Use the get_weather tool") or a
tool clearly fits it (a calculator-like tool for an arithmetic question; a tool whose name's words
appear in the prompt, as ``get_weather`` for "What's the weather in Paris?"). Arguments are filled
from the prompt and the tool's input schema: every required property, of its declared type (an
expression for ``expression``-like strings, a place for ``city`` / ``location``, a number for numbers,
an enum value the prompt mentions, ...). Several places ("in Paris and Rome") give parallel calls
when parallel use is allowed. Once every result is back, the reply answers from them: a calculator's
number on the ``Answer:`` line, else the results quoted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from labkit.emulator.model._compose import thinking_block, wrap_tagged
from labkit.emulator.model._plan import PlannedBlock, PlannedText, PlannedToolUse, ReplyPlan
from labkit.emulator.model._situation import INNER_THOUGHTS_KEY, Situation

_GENERIC_WORDS = {"get", "set", "fetch", "find", "tool", "run", "do", "the", "a", "an", "to", "of", "for", "use"}
_CALCULATOR_WORDS = ("calc", "math", "arith", "evaluat", "compute")
_PLACE_KEYS = ("city", "location", "place", "country", "region", "town")
_EXPRESSION_KEYS = ("expression", "expr", "formula", "equation", "calculation")
_ENTITY = re.compile(r"\b(?:in|at|for|of|about)\s+((?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*)*"
                     r"(?:(?:\s*,\s*|\s+and\s+)(?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*)*)*)")  # fmt: skip
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_EXPRESSION = re.compile(r"\d[\d\s.]*(?:[-+*/×x^]\s*\(?\s*\d[\d\s.]*\)?\s*)+")


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name.lower()) if len(w) > 2} - _GENERIC_WORDS


def _is_calculator(name: str, schema: dict[str, Any]) -> bool:
    props = " ".join((schema.get("properties") or {}).keys()).lower()
    return any(w in name.lower() for w in _CALCULATOR_WORDS) or any(k in props for k in _EXPRESSION_KEYS)


def _places(prompt: str) -> list[str]:
    match = _ENTITY.search(prompt)
    if not match:
        return []
    return [p.strip() for p in re.split(r"\s*,\s*|\s+and\s+", match.group(1)) if p.strip()]


def choose_tools(sit: Situation, arithmetic: bool) -> list[str]:
    """The tools the prompt names, else those that clearly fit it (in the request's order)."""
    prompt = sit.prompt
    usable = {n: s for n, s in sit.tools.items() if sit.forced in (None, "any", n)}
    named = [n for n in usable if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", prompt, re.IGNORECASE)]
    if named:
        return named
    if arithmetic:
        calculators = [n for n, s in usable.items() if _is_calculator(n, s)]
        if calculators:
            return calculators[:1]
    lowered = prompt.lower()
    fitting = [n for n in usable if _words(n) and all(w in lowered for w in _words(n))]
    if fitting:
        return fitting[:1]
    return list(usable)[:1] if sit.forced is not None and usable else []


def _value(key: str, schema: dict[str, Any], prompt: str, place: str | None, expression: str | None) -> Any:
    kind = schema.get("type", "string")
    lowered_key = key.lower()
    if schema.get("enum"):
        mentioned = [v for v in schema["enum"] if str(v).lower() in prompt.lower()]
        return (mentioned or schema["enum"])[0]
    if kind in ("number", "integer"):
        numbers = _NUMBER.findall(prompt.replace(",", ""))
        value = float(numbers[0]) if numbers else 1.0
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if kind == "array":
        return [place] if place else []
    if kind == "object":
        return {}
    if expression and any(k in lowered_key for k in _EXPRESSION_KEYS):
        return expression
    if place and (any(k in lowered_key for k in _PLACE_KEYS) or lowered_key in ("name", "key", "query", "q")):
        return place
    if expression:
        return expression
    return place or prompt.strip().rstrip("?.!")[:200]


def tool_arguments(name: str, schema: dict[str, Any], prompt: str, place: str | None) -> dict[str, Any]:
    """Arguments for ``name`` from the prompt: every required property, of its declared type."""
    match = _EXPRESSION.search(prompt.replace(",", ""))
    expression = re.sub(r"\s+", " ", match.group().replace("×", "*")).strip().rstrip(". ") if match else None
    properties: dict[str, Any] = schema.get("properties") or {}
    required = [k for k in schema.get("required") or [] if k != INNER_THOUGHTS_KEY]
    wanted = required or [k for k in properties if k != INNER_THOUGHTS_KEY][:1]
    return {k: _value(k, properties.get(k) or {}, prompt, place, expression) for k in wanted}


def _answer(results: tuple[str, ...], calculator: bool) -> str:
    if calculator and results:
        found = _NUMBER.findall(results[-1].replace(",", ""))
        if found:
            value = float(found[0])
            return str(int(value)) if value.is_integer() else f"{value:.10g}"
    return "; ".join(r.strip() for r in results)


def plan(sit: Situation, arithmetic: bool, notes: dict[str, Any]) -> ReplyPlan | None:
    """Tool calls for a prompt that names or fits a tool, or the answer once results are back; None
    when no tool applies (the caller answers without tools)."""
    chosen = choose_tools(sit, arithmetic)
    if not chosen:
        return None
    name = chosen[0]
    places = _places(sit.prompt) if not (arithmetic and _is_calculator(name, sit.tools[name])) else []
    targets: list[str | None] = list(places) if len(places) > 1 else [places[0] if places else None]
    calls = [(n, tool_arguments(n, sit.tools[n], sit.prompt, t)) for n in chosen for t in targets]
    calculator = _is_calculator(name, sit.tools[name])
    notes.update(general_tool=name, tools_chosen=chosen)
    if len(sit.results) >= len(calls) or (sit.calls and not sit.continuing):
        answer = _answer(sit.results, calculator)
        note = f"The {name} tool returned {answer}; that answers the question."
        blocks: list[PlannedBlock] = [thinking_block(sit, note, [note])] if sit.adaptive and sit.budget else []
        reply = f"The {name} tool returned: {'; '.join(r.strip() for r in sit.results)}.\n\nAnswer: {answer}"
        if sit.strategy in ("xml", "prefill"):
            reply = wrap_tagged(sit, note, reply)
        notes.update(answer=answer, tool_calls=0)
        return ReplyPlan(blocks=(*blocks, PlannedText(text=reply)), stop_reason="end_turn", notes=notes)
    pending = calls[len(sit.calls) :] or calls
    emit = pending if sit.parallel else pending[:1]
    reasoning = "\n".join([f"The request fits the {name} tool ({', '.join(chosen)} offered for it).",
                           *(f"Call {n} with {json.dumps(a, sort_keys=True)}." for n, a in emit)])  # fmt: skip
    blocks = [thinking_block(sit, reasoning, reasoning.splitlines()[:1])] if sit.budget is not None else []
    if sit.strategy in ("xml", "prefill"):
        blocks.append(PlannedText(text=wrap_tagged(sit, reasoning, f"Calling {' and '.join(n for n, _ in emit)}.")))
    for n, args in emit:
        if sit.strategy == "kwargs" and INNER_THOUGHTS_KEY in (sit.tools[n].get("properties") or {}):
            args = {INNER_THOUGHTS_KEY: reasoning, **args}
        blocks.append(PlannedToolUse(name=n, input=args))
    notes.update(tool_calls=len(emit))
    return ReplyPlan(blocks=tuple(blocks), stop_reason="tool_use", notes=notes)
