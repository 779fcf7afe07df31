"""The two local tools the tool tasks use: `TOOL_SPECS` and `run_tool` (``calculator``, ``lookup``).

`TOOL_SPECS` are OpenAI-style function definitions; `run_tool` is their deterministic local
implementation, so a runner can send ``tool_result`` blocks back. ``calculator`` evaluates
arithmetic with a small AST walker (no ``eval``); ``lookup`` reads the suites' reference table.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from labkit.core import ConfigError
from labkit.tasks._suites import lookup_table

TOOL_SPECS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "calculator",
            "description": "Evaluate an arithmetic expression with + - * / and parentheses; returns the number.",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string", "description": "e.g. (347 * 14) - 200"}},
                "required": ["expression"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look up a fact in the reference table by key, e.g. 'veldoria.population'.",
            "parameters": {
                "type": "object",
                "properties": {"key": {"type": "string", "description": "entity.attribute, lower case"}},
                "required": ["key"],
            },
        },
    },
]


_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a // b if isinstance(a, int) and isinstance(b, int) and b and a % b == 0 else a / b,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def _eval(node: ast.AST) -> float | int:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left), _eval(node.right))  # type: ignore[no-any-return]
    raise ValueError(f"unsupported element {type(node).__name__}")


def _format_number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value) if isinstance(value, int) else f"{value:.10g}"


def calculate(expression: str) -> str:
    """Evaluate an arithmetic expression (``× ÷`` and thousands commas allowed); errors come back as text."""
    cleaned = re.sub(r"(?<=\d),(?=\d{3}\b)", "", expression).replace("×", "*").replace("÷", "/")
    try:
        return _format_number(_eval(ast.parse(cleaned, mode="eval")))
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, RecursionError) as exc:
        return f"Error: cannot evaluate {expression!r}: {exc}"


def run_tool(name: str, tool_input: Mapping[str, Any]) -> str:
    """Run ``calculator`` or ``lookup`` locally; the string is the ``tool_result`` content.

    Raises:
        ConfigError: an unknown tool name or an input that is not an object.
    """
    if not isinstance(tool_input, Mapping):
        raise ConfigError(f"tool input for {name!r} must be an object, not {type(tool_input).__name__}")
    if name == "calculator":
        return calculate(str(tool_input.get("expression", "")))
    if name == "lookup":
        key = str(tool_input.get("key", "")).strip().casefold()
        table = lookup_table()
        if key in table:
            return str(table[key])
        return f"Error: no entry for key {key!r}; keys look like 'veldoria.population'."
    raise ConfigError(f"unknown tool {name!r}; the task tools are calculator and lookup")
