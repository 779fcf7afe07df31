"""The synthetic model: `plan_reply(params, model, seed=...)` decides what the emulator says.

It reads the request (`situation.read_situation`), recognises a task from labkit's suites (or a
plain ``a * b`` / ``a + b`` question) and works it out one step a line (`workouts`). The steps
that fit in the capacity in force are written; when the work does not fit, the answer is a
guess. Capacity: the native thinking budget (``budget_tokens``, or the work an effort level
stands for under adaptive thinking); without native thinking, what the inner-thought strategy
leaves room for, else silent planning (`_compose.capacity`; every value is an `Assumptions` field).

Where the work goes: native thinking (display ``omitted``: no text, all tokens hidden;
``summarized``: a short summary with the rest billed as hidden, except older budget models that
show it all); else the ``inner_thoughts`` argument of the first tool call, or ``<tag>`` text
(continuing inside the tag after a prefill). Tool tasks call the tools (both lookups at once
when parallel use is allowed) and answer once the results are back (`toolflow`); other prompts
that name or fit a given tool call it (`tooluse`, by ``Assumptions.tool_use``). Unknown
prompts get a short generic reply. Deterministic for (seed, params, sample); no I/O beyond the
task files.

Sampling: the real model is not deterministic, so repeats of one request should not all agree.
``sample`` is how many times the emulator has already answered this exact request. Sample 0 is
the modal reply (capacity exactly as above); later samples fit their work into a capacity scaled
by a factor in [1 - spread, 1 + spread) (``Assumptions.sample_spread``) drawn from (seed, prompt, sample), so a task
near the edge of its budget is sometimes finished and sometimes not, and accuracy over repeats
has a real spread.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from labkit.core import ModelInfo
from labkit.emulator.model import _toolflow as toolflow
from labkit.emulator.model import _tooluse as tooluse
from labkit.emulator.model._assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from labkit.emulator.model._compose import capacity, fit, solve, thinking_block, wrap_tagged
from labkit.emulator.model._freeform import freeform_task
from labkit.emulator.model._plan import PlannedBlock, PlannedText, ReplyPlan
from labkit.emulator.model._situation import Situation, read_situation
from labkit.emulator.model._solvers import Work, mix
from labkit.emulator.model._workouts import work_for
from labkit.tasks import Task, match_task

__all__ = ["parse_arithmetic", "plan_reply", "sample_scale"]

GENERIC_REPLIES = (
    "This is a synthetic reply from labkit's emulator. It works out labkit's task suites and simple "
    "arithmetic step by step; other prompts get a short note like this one.",
    "Synthetic emulator reply: this prompt is not one of labkit's tasks, so there is nothing to work "
    "out. Try a task from labkit.load_tasks() or a question such as 'What is 123 * 456?'.",
    "(labkit emulator, synthetic) I do not recognise this prompt. The emulator answers labkit's task "
    "suites with real step-by-step work and gives a short generic reply otherwise.",
)

_ARITHMETIC = re.compile(r"(?<![\w.])(\d{1,12}(?:\s*[-+*×x]\s*\d{1,12})+)(?!\w|\.\d)")
_CUE = re.compile(r"what\s+is|what's|calculate|compute|evaluate|how\s+much\s+is|solve|work\s+out", re.IGNORECASE)


def generic(sit: Situation, seed: int, notes: dict[str, Any]) -> ReplyPlan:
    """The deterministic reply to a prompt the model does not recognise (`worked_generic` when
    ``Assumptions.free_form``, else one of the first emulator's short canned replies)."""
    if sit.assumptions.free_form:
        return worked_generic(sit, notes)
    reply = GENERIC_REPLIES[mix(seed, sit.prompt) % len(GENERIC_REPLIES)]
    note = "The prompt is not one of the tasks I know, so a short reply will do."
    blocks: list[PlannedBlock] = []
    if sit.budget is not None:
        blocks.append(thinking_block(sit, note, [note]))
    text = wrap_tagged(sit, note, reply) if sit.strategy in ("xml", "prefill") else reply
    blocks.append(PlannedText(text=text))
    notes.update(generic=True)
    return ReplyPlan(blocks=tuple(blocks), stop_reason="end_turn", notes=notes)


def worked_generic(sit: Situation, notes: dict[str, Any]) -> ReplyPlan:
    """A reply that exercises all labkit measures: one line of thinking per few words of the prompt
    (so its length follows the prompt), cut where the capacity in force ends, and a visible answer
    saying it is synthetic and how far the thinking got."""
    words = re.findall(r"[\w'-]+", sit.prompt)
    steps = tuple(f"Consider '{' '.join(words[i:i + 5])}': what it asks and what a useful answer needs."
                  for i in range(0, len(words), 5)) or ("The prompt is empty: nothing to consider.",)  # fmt: skip
    work = Work(intro="Reading the prompt a few words at a time.", steps=steps, needed=len(steps), answer="",
                guess=lambda done, salt: "", summary=(f"Read the prompt in {len(steps)} pieces.",))  # fmt: skip
    tagged = sit.strategy in ("xml", "prefill")
    lines, done = fit(work, capacity(sit, strategy_applies=tagged))
    finished = "all of it" if done >= len(steps) else f"{done} of {len(steps)} pieces (the room to think ran out)"
    reply = (f"This is a synthetic reply from labkit's emulator, not from Claude. I considered your {len(words)}-word "
             f"prompt in {finished}. The emulator works out labkit's task kinds (arithmetic, word problems, letter "
             "counting, sorting, tool calls) for real and answers any other prompt like this.")
    blocks: list[PlannedBlock] = []
    if sit.budget is not None:
        blocks.append(thinking_block(sit, "\n".join(lines), list(work.summary)))
    text = wrap_tagged(sit, "\n".join(lines), reply) if tagged else reply
    blocks.append(PlannedText(text=text))
    notes.update(generic=True, steps_needed=len(steps), steps_done=done)
    return ReplyPlan(blocks=tuple(blocks), stop_reason="end_turn", notes=notes)


def parse_arithmetic(prompt: str) -> dict[str, Any] | None:
    """A spec for a plain ``a * b``, ``a - b`` or ``a + b + ...`` question, else None."""
    text = prompt.replace(",", "")
    match = _ARITHMETIC.search(text)
    if match is None or not (_CUE.search(text) or text.strip(" ?=.\n") == match.group(1)):
        return None
    parts = re.split(r"\s*([-+*×x])\s*", match.group(1))
    numbers, ops = [int(p) for p in parts[::2]], {o.replace("×", "*").replace("x", "*") for o in parts[1::2]}
    if ops == {"+"}:
        return {"op": "add", "operands": numbers}
    if len(numbers) == 2 and ops in ({"*"}, {"-"}):
        return {"op": "mul" if ops == {"*"} else "sub", "operands": numbers}
    return None


def _recognise(prompt: str, free_form: bool) -> Task | None:
    task = match_task(prompt) if prompt else None
    if task is not None:
        return task
    spec = parse_arithmetic(prompt)
    if spec is not None:
        key = " ".join(map(str, spec["operands"]))
        return Task(id=f"generic-{mix(key) % 10**8:08d}", prompt=prompt, answer="", category="arithmetic", spec=spec)
    found = freeform_task(prompt) if free_form and prompt else None
    if found is None:
        return None
    category, spec = found
    return Task(id=f"freeform-{mix(category, prompt) % 10**8:08d}", prompt=prompt, answer="", category=category,
                spec=spec)  # fmt: skip


def sample_scale(seed: int, prompt: str, sample: int, spread: float | None = None) -> float:
    """The capacity factor of the ``sample``-th answer to one request (1.0 for sample 0; ``spread``
    defaults to ``Assumptions().sample_spread``)."""
    if sample <= 0:
        return 1.0
    spread = DEFAULT_ASSUMPTIONS.sample_spread if spread is None else spread
    unit = (mix(seed, "sample", prompt, sample) % 1_000_000) / 1_000_000
    return 1.0 - spread + 2 * spread * unit


def plan_reply(
    params: dict[str, Any], model: ModelInfo, *, seed: int, sample: int = 0, assumptions: Assumptions | None = None
) -> ReplyPlan:
    """The synthetic model's reply to a validated Messages request (deterministic for seed, params,
    sample and assumptions; the defaults when ``assumptions`` is None)."""
    sit = read_situation(params, model, assumptions)
    if sample > 0:
        sit = replace(sit, capacity_scale=sample_scale(seed, sit.prompt, sample, sit.assumptions.sample_spread))
        seed = mix(seed, "sample", sample)
    task = _recognise(sit.prompt, sit.assumptions.free_form)
    notes: dict[str, Any] = {"strategy": sit.strategy, "budget": sit.budget, "sample": sample}
    suite_tools = task is not None and (task.category == "tool" or toolflow.forced_calculator(sit, task))
    if sit.tools and not suite_tools and sit.assumptions.tool_use == "named_or_fitting":
        arithmetic = task is not None and task.category == "arithmetic"
        general = tooluse.plan(sit, arithmetic, notes)
        if general is not None:
            return general
    if task is None:
        return generic(sit, seed, notes)
    notes.update(task_id=task.id, category=task.category)
    spec = dict(task.spec)
    if task.category == "tool" or toolflow.forced_calculator(sit, task):
        return toolflow.plan(sit, task, spec, seed, notes)
    return solve(sit, work_for(task.category, spec), task.id, seed, notes)
