"""labkit.emulator.model._freeform and the worked generic reply: free-form versions of the suites'
task kinds are worked out; any other prompt gets thinking that grows with the prompt, is cut by the
budget, and a visible answer saying it is synthetic."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.core._catalog import get_model
from labkit.emulator.model import DEFAULT_ASSUMPTIONS, REFERENCE_ASSUMPTIONS, plan_reply
from labkit.emulator.model._freeform import freeform_task
from labkit.tokens._tokenizer import count_tokens

MODEL = get_model("claude-sonnet-4-5")


@pytest.mark.parametrize(("prompt", "expected"), [
    ("How many r's are in strawberry?", ("letter_count", {"letter": "r", "text": "strawberry"})),
    ("How many times does the letter 's' appear in 'mississippi'?",
     ("letter_count", {"letter": "s", "text": "mississippi"})),
    ("Count the letter a in banana", ("letter_count", {"letter": "a", "text": "banana"})),
    ("Sort these: pear, apple, fig", ("sorting", {"items": ["pear", "apple", "fig"], "kind": "words"})),
    ("Please sort the following numbers: 5, 3, 11", ("sorting", {"items": [5, 3, 11], "kind": "numbers"})),
    ("What is twelve times seven?", ("arithmetic", {"op": "mul", "operands": [12, 7]})),
    ("what is forty-two plus one hundred and five", ("arithmetic", {"op": "add", "operands": [42, 105]})),
    ("Tell me a joke", None),
])  # fmt: skip
def test_free_form_prompts_are_read_into_suite_specs(prompt: str, expected: Any) -> None:
    assert freeform_task(prompt) == expected


def _text(plan: Any) -> str:
    return "".join(b.text for b in plan.blocks if type(b).__name__ == "PlannedText")


@pytest.mark.parametrize(("prompt", "answer"), [
    ("How many r's are in strawberry?", "3"), ("Sort these: pear, apple, fig", "apple, fig, pear"),
    ("What is twelve times seven?", "84"),
])  # fmt: skip
def test_free_form_tasks_are_worked_out_with_room_to_think(prompt: str, answer: str) -> None:
    params = {"model": MODEL.id, "max_tokens": 8000, "messages": [{"role": "user", "content": prompt}],
              "thinking": {"type": "enabled", "budget_tokens": 4096}}
    assert _text(plan_reply(params, MODEL, seed=0, assumptions=DEFAULT_ASSUMPTIONS.replace(step_error_rate={}))) \
        .endswith(f"Answer: {answer}")
    assert plan_reply(params, MODEL, seed=0, assumptions=REFERENCE_ASSUMPTIONS).notes.get("generic")


def _thinking_tokens(prompt: str, budget: int) -> tuple[int, str]:
    params = {"model": MODEL.id, "max_tokens": 8000, "messages": [{"role": "user", "content": prompt}],
              "thinking": {"type": "enabled", "budget_tokens": budget}}
    plan = plan_reply(params, MODEL, seed=0)
    thinking = next(b for b in plan.blocks if type(b).__name__ == "PlannedThinking")
    return count_tokens(thinking.text) + thinking.hidden_tokens, _text(plan)  # type: ignore[attr-defined]


def test_other_prompts_think_as_long_as_the_prompt_asks_cut_by_the_budget() -> None:
    short, long = "Write a haiku about rain.", " ".join(["Describe the history of the bridge in detail."] * 40)
    (short_tokens, short_text), (long_tokens, long_text) = _thinking_tokens(short, 4096), _thinking_tokens(long, 4096)
    assert short_tokens < long_tokens <= 4096
    cut_tokens, cut_text = _thinking_tokens(long, 1024)
    assert cut_tokens <= 1024 < long_tokens and "ran out" in cut_text and "ran out" not in long_text
    assert all("synthetic reply from labkit's emulator, not from Claude" in t for t in (short_text, cut_text))
