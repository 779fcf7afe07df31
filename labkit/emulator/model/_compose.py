"""Composing a reply from worked steps: fitting work into a capacity, thinking blocks under each
display, inner-thought containers (``<tag>`` text), and the answer text (pure).

Every number here comes from the `Assumptions` on the situation. Capacity: the native thinking
budget when thinking is on (divided by the model line's thinking verbosity: native thinking bills
``verbosity`` tokens per token of work, the surplus as hidden tokens); else what the inner-thought
strategy leaves room for (a kwargs thought is bounded by its tool argument; text in a tag by
``tagged_thought_tokens``); else, or when xml alone was skipped, the silent planning the visible
reply allows. Written steps can slip (``step_error_rate`` of the model line): a finished working
with a slip gives a wrong answer.
"""

from __future__ import annotations

from typing import Any

from labkit.emulator.model._plan import PlannedBlock, PlannedText, PlannedThinking, ReplyPlan
from labkit.emulator.model._situation import Situation
from labkit.emulator.model._solvers import Work, mix
from labkit.tokens import count_tokens


def unit(*parts: object) -> float:
    """A stable draw in [0, 1) from ``parts`` (the model's only "randomness")."""
    return (mix(*parts) % 1_000_000) / 1_000_000


def skips_reasoning(sit: Situation, seed: int, salt_key: str) -> bool:
    """Asked for xml thoughts without a prefill, the model sometimes answers straight away."""
    return sit.strategy == "xml" and unit(seed, "skip", salt_key, sit.capacity_scale) < sit.assumptions.xml_skip_rate


def slipped(sit: Situation, seed: int, salt_key: str, steps: int) -> bool:
    """Whether any of ``steps`` written steps went wrong (each with the line's step error rate)."""
    rate = sit.assumptions.error_rate(sit.line)
    return rate > 0 and any(unit(seed, "slip", salt_key, sit.capacity_scale, i) < rate for i in range(steps))


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
    given = sit.assumptions
    if sit.budget is not None:
        base = sit.budget / sit.verbosity
    elif strategy_applies and sit.strategy == "kwargs":
        base = given.kwargs_thought_tokens
    elif strategy_applies and sit.strategy in ("xml", "prefill"):
        base = given.tagged_thought_tokens
    else:
        base = given.silent_planning_tokens
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
    """Work a task out in thinking or inner thoughts, then answer (a guess if it did not fit or a
    step slipped)."""
    skipped = skips_reasoning(sit, seed, salt_key)
    tagged = sit.strategy in ("xml", "prefill") and not skipped
    cap = capacity(sit, strategy_applies=tagged)
    lines, done = fit(work, cap)
    complete = done >= work.needed
    slip = complete and slipped(sit, seed, salt_key, work.needed)
    answer = work.answer if complete and not slip else work.guess(max(done - 1, 0) if slip else done,
                                                                  mix(seed, salt_key, cap))  # fmt: skip
    blocks: list[PlannedBlock] = []
    if sit.budget is not None:
        blocks.append(thinking_block(sit, "\n".join(lines), summary_of(work, done)))
    text = answer_text(answer, complete, work.needed)
    if tagged:
        inner = "\n".join(lines) if sit.budget is None else "\n".join(summary_of(work, done))
        text = wrap_tagged(sit, inner, text)
    blocks.append(PlannedText(text=text))
    notes.update(steps_needed=work.needed, steps_done=done, capacity=cap, complete=complete, answer=answer,
                 skipped_reasoning=skipped, slipped=slip)  # fmt: skip
    return ReplyPlan(blocks=tuple(blocks), stop_reason="end_turn", notes=notes)
