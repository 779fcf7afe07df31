"""Tool tasks in the synthetic model: plan the calls, emit ``tool_use``, answer from the results.

A calculator task is planned clause by clause into one expression (a wrong operand when the
planning did not fit); a lookup task asks for one key, or two keys at once (parallel
``tool_use`` blocks unless ``disable_parallel_tool_use``, then one per turn). The turn after
the ``tool_result`` blocks come back answers from them. Without the tools, the model works a
calculator task out in its head and can only guess a lookup. Pure.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from labkit.emulator.model._compose import (
    capacity,
    fit,
    skips_reasoning,
    solve,
    summary_of,
    thinking_block,
    wrap_tagged,
)
from labkit.emulator.model._plan import PlannedBlock, PlannedText, PlannedToolUse, ReplyPlan
from labkit.emulator.model._situation import INNER_THOUGHTS_KEY, Situation
from labkit.emulator.model._solvers import Work, mix, perturb_number
from labkit.emulator.model._workouts import OP_SYMBOLS, work_for
from labkit.tasks import Task

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def forced_calculator(sit: Situation, task: Task) -> bool:
    """A forced tool choice on an arithmetic or word problem with the calculator offered."""
    return (
        sit.forced in ("any", "calculator")
        and "calculator" in sit.tools
        and task.category in ("arithmetic", "word_problem")
    )


def _planning(task: Task, spec: dict[str, Any]) -> tuple[str, Work]:
    """(tool kind, planning work) for a tool task or a forced-calculator task."""
    if task.category == "tool":
        return str(spec["kind"]), work_for("tool", spec)
    if task.category == "word_problem":
        return "calculator", work_for("tool", {"kind": "calculator", **spec})
    expr = f" {OP_SYMBOLS[str(spec['op'])]} ".join(str(n) for n in spec["operands"])
    work = Work(
        intro="The calculator can do this directly.",
        steps=(f"The expression is {expr}.",),
        needed=1,
        answer=expr,
        guess=lambda done, salt: expr,
        summary=(f"Send {expr} to the calculator.",),
    )
    return "calculator", work


def _desired_calls(kind: str, spec: dict[str, Any], expression: str) -> list[tuple[str, dict[str, Any]]]:
    if kind == "calculator":
        return [("calculator", {"expression": expression})]
    return [("lookup", {"key": str(key)}) for key in spec["keys"]]


def _takes_thoughts(sit: Situation, name: str) -> bool:
    return sit.strategy == "kwargs" and INNER_THOUGHTS_KEY in (sit.tools.get(name, {}).get("properties") or {})


def _call_turn(
    sit: Situation, pending: list[tuple[str, dict[str, Any]]], reasoning: str, summary: list[str], notes: dict[str, Any]
) -> ReplyPlan:
    emit = pending if sit.parallel else pending[:1]
    blocks: list[PlannedBlock] = []
    if (sit.budget is not None) if notes["first_turn"] else sit.adaptive:
        blocks.append(thinking_block(sit, reasoning, summary))
    inner = reasoning if sit.budget is None else "\n".join(summary)
    if sit.strategy in ("xml", "prefill"):
        names = " and ".join(name for name, _ in emit)
        blocks.append(PlannedText(text=wrap_tagged(sit, inner, f"Calling {names}.")))
    for i, (name, args) in enumerate(emit):
        if _takes_thoughts(sit, name):
            thoughts = inner if i == 0 else f"In parallel: {name} with {args}."
            args = {INNER_THOUGHTS_KEY: thoughts, **args}
        blocks.append(PlannedToolUse(name=name, input=args))
    notes.update(tool_calls=len(emit))
    return ReplyPlan(blocks=tuple(blocks), stop_reason="tool_use", notes=notes)


def _number(text: str) -> float | None:
    match = _NUMBER.search(text.replace(",", ""))
    return float(match.group()) if match else None


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.10g}"


def _final_answer(kind: str, spec: dict[str, Any], results: tuple[str, ...]) -> str | None:
    if kind == "calculator":
        value = _number(results[-1]) if results and not results[-1].startswith("Error") else None
        return None if value is None else _fmt(value)
    keys = list(spec["keys"])
    values = [_number(r) for r in results[-len(keys) :]] if len(results) >= len(keys) else []
    if len(values) != len(keys) or any(v is None for v in values):
        return None
    nums = [float(v) for v in values if v is not None]
    combine = spec.get("combine")
    total = sum(nums) if combine == "sum" else abs(nums[0] - nums[1]) if combine == "difference" else nums[0]
    return _fmt(total)


def _final_turn(
    sit: Situation, task: Task, kind: str, spec: dict[str, Any], ok: bool, salt: int, notes: dict[str, Any]
) -> ReplyPlan:
    answer = _final_answer(kind, spec, sit.results)
    if answer is None:
        answer = str(perturb_number(int(_number(task.answer) or 0), salt, keep=1))
    elif kind == "lookup" and not ok:
        answer = str(perturb_number(int(float(answer)), salt, keep=1))
    shown = "; ".join(r.strip() for r in sit.results) or "nothing"
    note = f"The tool results are in ({shown}), so the answer is {answer}."
    blocks: list[PlannedBlock] = []
    if sit.adaptive:
        blocks.append(thinking_block(sit, note, [note]))
    reply = f"The tools returned: {shown}.\n\nAnswer: {answer}"
    if sit.strategy in ("xml", "prefill"):
        reply = wrap_tagged(sit, note, reply)
    blocks.append(PlannedText(text=reply))
    notes.update(answer=answer, tool_calls=0)
    return ReplyPlan(blocks=tuple(blocks), stop_reason="end_turn", notes=notes)


def _without_tools(sit: Situation, task: Task, spec: dict[str, Any], seed: int, notes: dict[str, Any]) -> ReplyPlan:
    if spec.get("kind") == "calculator":
        head = {k: v for k, v in spec.items() if k != "kind"}
        return solve(sit, work_for("word_problem", head), task.id, seed, notes)
    guess = str(perturb_number(int(_number(task.answer) or 0), mix(seed, task.id), keep=1))
    note = "The lookup tool is not available, so I cannot read the table; I can only estimate."
    blocks: list[PlannedBlock] = []
    if sit.budget is not None:
        blocks.append(thinking_block(sit, note, [note]))
    blocks.append(PlannedText(text=f"{note}\n\nAnswer: {guess}"))
    notes.update(answer=guess, complete=False)
    return ReplyPlan(blocks=tuple(blocks), stop_reason="end_turn", notes=notes)


def plan(sit: Situation, task: Task, spec: dict[str, Any], seed: int, notes: dict[str, Any]) -> ReplyPlan:
    """The next turn of a tool task: tool calls, or the final answer once results are back."""
    kind, work = _planning(task, spec)
    if kind not in sit.tools:
        return _without_tools(sit, task, spec, seed, notes)
    if skips_reasoning(sit, seed, task.id):  # asked for xml, not forced: this time it answers straight away
        sit = replace(sit, strategy="none")
        notes.update(skipped_reasoning=True)
    cap = capacity(sit, strategy_applies=sit.strategy != "none")
    lines, done = fit(work, cap)
    ok = done >= work.needed
    salt = mix(seed, task.id, cap)
    expression = work.answer if ok else work.guess(done, salt)
    desired = _desired_calls(kind, spec, expression)
    made = len(sit.calls)
    notes.update(steps_needed=work.needed, steps_done=done, capacity=cap, complete=ok, first_turn=made == 0)
    if made < len(desired) and (made == 0 or sit.continuing):
        if made == 0:
            reasoning, summary = "\n".join(lines), summary_of(work, done)
        else:
            reasoning = f"Next: {desired[made][0]} with {desired[made][1]}."
            summary = [reasoning]
        return _call_turn(sit, desired[made:], reasoning, summary, notes)
    return _final_turn(sit, task, kind, spec, ok, salt, notes)
