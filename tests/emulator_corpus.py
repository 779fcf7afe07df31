"""A fixed corpus of varied emulator requests, for pinning the emulator's exact output.

`corpus()` lists ~450 ``(path, params)`` requests: labkit's tasks of every category under every
thinking configuration the catalog offers (budgets, adaptive effort levels, displays, thinking
off), the inner-thought strategies (``inner_thoughts`` tool argument, ``<tag>`` system prompt,
XML prefill), tool tasks with and without tool results, ``max_tokens`` truncation, stop
sequences, streamed and non-streamed, repeated requests (later samples), plain arithmetic,
unknown and non-ASCII prompts, and ``count_tokens`` with tools, system prompts and images.
`transcript_digest` runs the corpus through a fresh ``Emulator(seed=0)`` and hashes every status
and body byte, so two implementations that answer byte-identically have the same digest.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from labkit.emulator import Emulator
from labkit.tasks import TOOL_SPECS, load_tasks

HEADERS = {"x-api-key": "corpus-fake-key", "anthropic-version": "2023-06-01", "content-type": "application/json"}
TOOLS = [
    {
        "name": s["function"]["name"],
        "description": s["function"]["description"],
        "input_schema": s["function"]["parameters"],
    }
    for s in TOOL_SPECS
]
INNER = {"type": "string", "description": "Deep inner monologue private to you only."}
KWARGS_TOOLS = [
    {
        **t,
        "input_schema": {
            **t["input_schema"],
            "properties": {"inner_thoughts": INNER, **t["input_schema"]["properties"]},
            "required": ["inner_thoughts", *t["input_schema"].get("required", [])],
        },
    }
    for t in TOOLS
]
XML_SYSTEM = "Before answering, think step by step inside <scratchpad> tags, then give the answer."
PREFILL_SYSTEM = "Think it through inside <thinking> tags first."
ODD_PROMPTS = [
    "What is 98765 * 4321?",
    "Calculate 12 + 345 + 6789 + 10",
    "What is 1000000 - 999?",
    "Tell me something about owls.",
    "naïve café — ünïcödé   tabs\tand\r\nnewlines\n\n\nend   ",
    "Ünïcode ligne\u2028séparateur\u2029 et \x85 NEL, emoji 😀 and digits ١٢٣٤٥ ²³",
    "",
]


def _modes() -> list[tuple[str, dict[str, Any]]]:
    """(model, extra params): budgets, adaptive efforts, displays and thinking off."""
    return [
        ("claude-sonnet-4-6", {"thinking": {"type": "enabled", "budget_tokens": 1024}}),
        ("claude-sonnet-4-6", {"thinking": {"type": "enabled", "budget_tokens": 3000, "display": "summarized"}}),
        ("claude-opus-4-6", {"thinking": {"type": "enabled", "budget_tokens": 8000, "display": "omitted"}}),
        ("claude-sonnet-4-5", {"thinking": {"type": "enabled", "budget_tokens": 2500}}),
        ("claude-haiku-4-5", {}),
        ("claude-opus-4-7", {"thinking": {"type": "adaptive"}, "output_config": {"effort": "low"}}),
        ("claude-opus-4-7", {"thinking": {"type": "adaptive", "display": "summarized"}}),
        ("claude-fable-5-2", {"thinking": {"type": "adaptive"}, "output_config": {"effort": "max"}}),
        ("claude-sonnet-5-5", {"thinking": {"type": "between_tools"}}),
        ("claude-opus-4-7", {"thinking": {"type": "disabled"}}),
    ]


def _variants(task_prompt: str, i: int) -> list[dict[str, Any]]:
    model, extra = _modes()[i % len(_modes())]
    base: dict[str, Any] = {
        "model": model,
        "max_tokens": 16000,
        "messages": [{"role": "user", "content": task_prompt}],
        **extra,
    }
    out = [{**base, "stream": i % 3 != 0}]
    if i % 4 == 0:
        budget = int(extra.get("thinking", {}).get("budget_tokens", 0))
        out.append({**base, "stream": True, "max_tokens": budget + 150 + 37 * (i % 25)})
    if i % 5 == 1:
        out.append({**base, "stop_sequences": ["Answer:", "\n\nStep"], "stream": i % 2 == 0})
    if i % 6 == 2:
        out.append(
            {
                "model": "claude-sonnet-4-5",
                "max_tokens": 9000,
                "system": XML_SYSTEM,
                "stream": True,
                "messages": [{"role": "user", "content": task_prompt}],
            }
        )
    if i % 6 == 3:
        out.append(
            {
                "model": "claude-sonnet-4-5",
                "max_tokens": 9000,
                "system": PREFILL_SYSTEM,
                "stream": True,
                "messages": [{"role": "user", "content": task_prompt}, {"role": "assistant", "content": "<thinking>"}],
            }
        )
    if i % 6 == 4:
        out.append(
            {
                "model": "claude-haiku-4-5",
                "max_tokens": 9000,
                "tools": KWARGS_TOOLS,
                "stream": True,
                "messages": [{"role": "user", "content": task_prompt}],
            }
        )
    return out


def _tool_round(task_prompt: str, i: int) -> list[dict[str, Any]]:
    """A tool task: the first turn, and a second turn carrying made-up tool results."""
    model, extra = _modes()[i % 8]
    first = {
        "model": model,
        "max_tokens": 12000,
        "tools": TOOLS if i % 2 else KWARGS_TOOLS,
        "stream": i % 3 != 1,
        "messages": [{"role": "user", "content": task_prompt}],
        **extra,
    }
    if "thinking" in extra and extra["thinking"]["type"] != "disabled":
        return [first]  # a continuation would need the signed thinking block back
    calls = [
        {
            "type": "tool_use",
            "id": f"toolu_{n}",
            "name": "lookup" if n else "calculator",
            "input": {"query": "x"} if n else {"expression": "1+2"},
        }
        for n in range(1 + i % 2)
    ]
    results = [{"type": "tool_result", "tool_use_id": c["id"], "content": f"{41 + n}"} for n, c in enumerate(calls)]
    second = {
        **first,
        "messages": [
            first["messages"][0],
            {"role": "assistant", "content": calls},
            {"role": "user", "content": results},
        ],
    }
    return [first, second]


def _count_tokens_requests() -> list[dict[str, Any]]:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    return [
        {"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": p or "x"}]} for p in ODD_PROMPTS
    ] + [
        {
            "model": "claude-opus-4-7",
            "system": XML_SYSTEM,
            "tools": TOOLS,
            "tool_choice": {"type": "any"},
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Look at this"}, image]}],
        },
        {
            "model": "claude-haiku-4-5",
            "tools": KWARGS_TOOLS,
            "messages": [{"role": "user", "content": "What is 2 + 2?"}],
        },
    ]


def corpus() -> list[tuple[str, dict[str, Any]]]:
    tasks = load_tasks()
    requests: list[tuple[str, dict[str, Any]]] = []
    for i, task in enumerate(tasks):
        bodies = _tool_round(task.prompt, i) if task.category == "tool" else _variants(task.prompt, i)
        requests += [("/v1/messages", body) for body in bodies]
    for i, prompt in enumerate(ODD_PROMPTS):
        for body in _variants(prompt or " ", i):
            requests.append(("/v1/messages", body))
    repeated = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 8000,
        "stream": True,
        "messages": [{"role": "user", "content": tasks[1].prompt}],
        "thinking": {"type": "enabled", "budget_tokens": 1500},
    }
    requests += [("/v1/messages", repeated)] * 4
    requests += [("/v1/messages/count_tokens", body) for body in _count_tokens_requests()]
    return requests


def transcript(emulator: Emulator | None = None) -> list[tuple[int, bytes]]:
    """(status, body) of every corpus request, through one fresh emulator in order."""
    emu = emulator or Emulator(seed=0)
    out = []
    for path, params in corpus():
        response = emu.handle("POST", path, HEADERS, json.dumps(params).encode())
        out.append((response.status, response.content))
    return out


def transcript_digest(emulator: Emulator | None = None) -> str:
    digest = hashlib.sha256()
    for status, body in transcript(emulator):
        digest.update(f"{status}:{len(body)}:".encode() + body)
    return digest.hexdigest()
