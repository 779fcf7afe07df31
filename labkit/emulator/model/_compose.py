"""Composing a reply from worked steps: fitting work into a capacity, thinking blocks under each
display, inner-thought containers (``<tag>`` text), and the answer text (pure).

Capacity: the native thinking budget when thinking is on (divided by the model line's thinking
verbosity: native thinking bills ``verbosity`` tokens per token of work, the surplus as hidden
tokens); else the implicit budget of the inner-thought strategy in use (`IMPLICIT_BUDGETS`); else
`NO_THINKING_CAPACITY`.
"""

from __future__ import annotations

from typing import Any

from labkit.emulator.model._plan import PlannedBlock, PlannedText, PlannedThinking, ReplyPlan
from labkit.emulator.model._situation import Situation
from labkit.emulator.model._solvers import Work, mix
from labkit.tokens import count_tokens

NO_THINKING_CAPACITY = 250
"""Work (tokens) the model gets right with no visible reasoning at all."""
IMPLICIT_BUDGETS = {"kwargs": 1500, "xml": 2500, "prefill": 2500}
"""Work (tokens) the model writes out as inner thoughts before it commits to an answer."""


def fit(work: Work, capacity: int) -> tuple[list[str], int]:
    """The intro and the steps that fit in ``capacity`` tokens, and how many steps that is.

    A step costs its tokens after a newline: the newline is one piece of its own unless the step
    itself starts with one (no piece crosses a newline, see `labkit.tokens`).
    """
    lines = [work.intro]
    used = count_tokens(work.intro)
    for step in work.steps:
        cost = count_tokens("\n" + step) if step.startswith("\n") else 1 + count_tokens(step)
        if used + cost > capacity:
            break
        lines.append(step)
        used += cost
    return lines, len(lines) - 1


def thinking_block(sit: Situation, full: str, summary: list[str] | tuple[str, ...]) -> PlannedThinking:
    """A native thinking block for ``full`` work under the display in force (billed at the
    model's thinking verbosity)."""
    written = count_tokens(full)
    total = round(written * sit.verbosity)
    if sit.display == "omitted":
        return PlannedThinking(text="", hidden_tokens=total)
    shown = "\n".join(summary)
    if sit.full_visible or count_tokens(shown) >= written:
        return PlannedThinking(text=full, hidden_tokens=total - written)
    return PlannedThinking(text=shown, hidden_tokens=total - count_tokens(shown))


def capacity(sit: Situation, *, strategy_applies: bool) -> int:
    """Tokens of work the model can do before answering, in this situation."""
    if sit.budget is not None:
        base = sit.budget / sit.verbosity
    elif strategy_applies and sit.strategy in IMPLICIT_BUDGETS:
        base = IMPLICIT_BUDGETS[sit.strategy]
    else:
        base = NO_THINKING_CAPACITY
    return round(base * sit.capacity_scale)


def summary_of(work: Work, done: int) -> list[str]:
    """A few lines standing for the work under a summarized display."""
    if done >= work.needed:
        return list(work.summary)
    return [work.intro, f"Got through {done} of {work.needed} steps; the answer is an estimate."]


def wrap_tagged(sit: Situation, inner: str, after: str) -> str:
    """Text with ``inner`` reasoning in the strategy's tag (continuing inside it after a prefill)."""
    closing = f"</{sit.tag}>"
    if sit.strategy == "prefill":
        return f"\n{inner}\n{closing}\n\n{after}"
    return f"<{sit.tag}>\n{inner}\n{closing}\n\n{after}"


def answer_text(answer: str, complete: bool, needed: int) -> str:
    lead = f"Worked through all {needed} steps." if complete else "I did not finish the working; this is my estimate."
    return f"{lead}\n\nAnswer: {answer}"


def solve(sit: Situation, work: Work, salt_key: str, seed: int, notes: dict[str, Any]) -> ReplyPlan:
    """Work a task out in thinking or inner thoughts, then answer (a guess if it did not fit)."""
    tagged = sit.strategy in ("xml", "prefill")
    cap = capacity(sit, strategy_applies=tagged)
    lines, done = fit(work, cap)
    complete = done >= work.needed
    answer = work.answer if complete else work.guess(done, mix(seed, salt_key, cap))
    blocks: list[PlannedBlock] = []
    if sit.budget is not None:
        blocks.append(thinking_block(sit, "\n".join(lines), summary_of(work, done)))
    text = answer_text(answer, complete, work.needed)
    if tagged:
        inner = "\n".join(lines) if sit.budget is None else "\n".join(summary_of(work, done))
        text = wrap_tagged(sit, inner, text)
    blocks.append(PlannedText(text=text))
    notes.update(steps_needed=work.needed, steps_done=done, capacity=cap, complete=complete, answer=answer)
    return ReplyPlan(blocks=tuple(blocks), stop_reason="end_turn", notes=notes)
