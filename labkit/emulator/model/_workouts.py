"""The step-by-step working of each task category, built from a task's ``spec``.

`work_for(category, spec)` returns a `solvers.Work`: the lines the synthetic model writes while
thinking (one step a line), how many of them the right answer needs, the answer, and the guess
it falls back on when it stops early. Categories: arithmetic, letter_count, sorting,
word_problem and tool (the planning before a tool call). Pure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from labkit.core import EmulatorError
from labkit.emulator.model import _solvers as solvers
from labkit.emulator.model._solvers import Work, mix

OP_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _apply(op: str, value: int, n: int) -> tuple[list[str], int]:
    if op == "add":
        return solvers.add_two(value, n)
    if op == "sub":
        return solvers.subtract(value, n)
    if op == "mul":
        return solvers.multiply(value, n)
    if op == "div":
        return solvers.divide(value, n)
    raise EmulatorError(f"unknown operation {op!r} in a task spec")


def _cross_check(op: str, value: int, n: int, result: int) -> list[str]:
    """Redo a step another way: multiply the other way round, or undo the step."""
    if op == "mul":
        lines, _ = solvers.multiply(n, value)
        closing = f"Both orders give {result}."
    elif op == "div":
        lines, back = solvers.multiply(result, n)
        closing = f"{back} plus the remainder {value - back} gives back {value}."
    elif op == "add":
        lines, _ = solvers.subtract(result, n)
        closing = f"Taking {n} away again gives back {value}."
    else:
        lines, _ = solvers.add_two(result, n)
        closing = f"Adding {n} back gives {value} again."
    return [f"Cross-check {value} {OP_SYMBOLS[op]} {n} = {result} another way.", *lines, closing]


def arithmetic_work(spec: dict[str, Any]) -> Work:
    """Long multiplication of two numbers, or column addition of several."""
    op, operands = spec["op"], [int(n) for n in spec["operands"]]
    if op == "add":
        lines, result = solvers.add_many(operands)
        check_lines, _ = solvers.add_many(operands[::-1])
        lines += ["Cross-check: add the numbers again in reverse order.", *check_lines]
    elif op == "sub" and len(operands) == 2 and operands[0] < operands[1]:
        lines, difference = solvers.subtract(operands[1], operands[0])
        lines += _cross_check("sub", operands[1], operands[0], difference)
        result = -difference
        lines.append(f"{operands[0]} is the smaller number, so {operands[0]} - {operands[1]} = {result}.")
    elif op in ("mul", "sub", "div") and len(operands) == 2:
        lines, result = _apply(op, operands[0], operands[1])
        lines += _cross_check(op, operands[0], operands[1], result)
    else:
        raise EmulatorError(f"arithmetic spec needs op add, or mul/sub/div with two operands: {spec!r}")
    expression = f" {OP_SYMBOLS[op]} ".join(map(str, operands))
    checks = [
        f"Check the size: {expression} should be about {_rough(op, operands)}; {result} fits.",
        f"Check the last digit of {result} against the last digits of the operands: consistent.",
    ]
    return Work(
        intro=f"I need {expression}. I'll work it out by hand, one step a line.",
        steps=(*lines, *checks),
        needed=len(lines),
        answer=str(result),
        guess=solvers.number_guess(result),
        summary=(f"Worked out {expression} by hand.", f"The result is {result}."),
    )


def _rough(op: str, operands: list[int]) -> str:
    def lead(n: int) -> int:
        text = str(n)
        return int(text[0]) * int(10 ** (len(text) - 1))

    values = [lead(n) for n in operands]
    if op == "mul":
        return str(values[0] * values[1])
    if op == "add":
        return str(sum(values))
    if op == "sub":
        return str(values[0] - values[1])
    return str(values[0] // max(1, values[1]))


def letter_count_work(spec: dict[str, Any]) -> Work:
    """Counting a letter character by character."""
    text, letter = str(spec["text"]), str(spec["letter"]).lower()
    answer = sum(1 for c in text.lower() if c == letter)
    lines = [f"Go through '{text}' one character at a time, counting '{letter}'."]
    count = 0
    positions: list[int] = []
    for i, ch in enumerate(text, 1):
        if ch == " ":
            lines.append(f"Character {i} is a space; the count stays {count}.")
            positions.append(count)
            continue
        hit = ch.lower() == letter
        count += hit
        verdict = f"that is a '{letter}', so the count goes up to {count}" if hit else f"not a '{letter}'"
        lines.append(f"Character {i} is '{ch}': {verdict}; count so far {count}.")
        positions.append(count)
    lines += [
        f"Recount the word '{w}': {', '.join(w)}; that has {w.lower().count(letter)} '{letter}'." for w in text.split()
    ]
    checks = [f"Both passes give {answer}."]

    def guess(done: int, salt: int) -> str:
        seen = positions[min(done, len(positions)) - 1] if done > 0 else 0
        remaining_chars = len(text) - min(done, len(text))
        extrapolated = round(remaining_chars * (answer - seen) / max(1, remaining_chars) * 0.7)
        offset = (salt % 3) - 1
        return str(max(0, seen + extrapolated + offset + (1 if salt % 5 == 0 else 0)))

    return Work(
        intro=f"Count how many times '{letter}' appears in '{text}'.",
        steps=(*lines, *checks),
        needed=len(lines),
        answer=str(answer),
        guess=guess,
        summary=(f"Counted the letter '{letter}' character by character.", f"It appears {answer} times."),
    )


def _compare_words(x: str, y: str) -> str:
    for i, (a, b) in enumerate(zip(x, y, strict=False), 1):
        if a != b:
            return f"they first differ at letter {i}, '{a}' against '{b}'"
    return "one is a prefix of the other, so the shorter comes first"


def _key(kind: str) -> Callable[[Any], Any]:
    return (lambda v: float(v)) if kind == "numbers" else (lambda v: str(v).lower())


def sorting_work(spec: dict[str, Any]) -> Work:
    """Insertion sort, one comparison a line, the list restated after every pass."""
    kind = str(spec.get("kind", "words"))
    items = [str(v) for v in spec["items"]]
    key = _key(kind)
    order = "ascending" if kind == "numbers" else "alphabetical"
    lines = [f"Start with the list: {', '.join(items)}."]
    current = [items[0]]
    snapshots: list[list[str]] = [current + items[1:]]
    for i, item in enumerate(items[1:], 1):
        lines.append(f"Pass {i}: insert {item} into the sorted part ({', '.join(current)}).")
        pos = len(current)
        while pos > 0 and key(current[pos - 1]) > key(item):
            why = _compare_words(item.lower(), current[pos - 1].lower()) if kind == "words" else "it is smaller"
            lines.append(f"  Compare {item} with {current[pos - 1]}: {why}; {item} goes before it.")
            pos -= 1
        if pos > 0:
            lines.append(f"  Compare {item} with {current[pos - 1]}: {current[pos - 1]} stays first; stop here.")
        current = [*current[:pos], item, *current[pos:]]
        lines.append(f"  The list is now: {', '.join(current + items[i + 1 :])}.")
        snapshots.append(current + items[i + 1 :])
    answer = ", ".join(sorted(items, key=key))
    lines += [
        f"Check {a} before {b}: " + (_compare_words(a.lower(), b.lower()) if kind == "words" else f"{a} <= {b}") + "."
        for a, b in itertools.pairwise(current)
    ]
    checks = ["Every neighbouring pair is in order, so the list is sorted."]
    pass_ends = [n for n, line in enumerate(lines, 1) if line.startswith("  The list is now")]

    def guess(done: int, salt: int) -> str:
        finished = sum(1 for end in pass_ends if end <= done)
        snapshot = list(snapshots[min(finished, len(snapshots) - 1)])
        if snapshot == sorted(items, key=key) and len(snapshot) > 1:
            j = salt % (len(snapshot) - 1)
            snapshot[j], snapshot[j + 1] = snapshot[j + 1], snapshot[j]
        return ", ".join(snapshot)

    return Work(
        intro=f"Sort {len(items)} items in {order} order with insertion sort.",
        steps=(*lines, *checks),
        needed=len(lines),
        answer=answer,
        guess=guess,
        summary=(f"Sorted the {len(items)} items with insertion sort.", f"Result: {answer}."),
    )


def word_problem_work(spec: dict[str, Any]) -> Work:
    """A chain of operations on a running amount, each worked out by hand."""
    value = int(spec["start"])
    unit = str(spec.get("unit", "items"))
    lines = [f"Start: {value} {unit}."]
    for i, step in enumerate(spec["steps"], 1):
        op, n = str(step["op"]), int(step["n"])
        lines.append(f"Step {i}: {step.get('text', op)} That is {value} {OP_SYMBOLS[op]} {n}.")
        sub_lines, result = _apply(op, value, n)
        lines.extend(sub_lines)
        lines.extend(_cross_check(op, value, n, result))
        value = result
        lines.append(f"After step {i}: {value} {unit}.")
    checks = [f"Re-read the question: it asks for the number of {unit} at the end, which is {value}."]
    return Work(
        intro=f"A {len(spec['steps'])}-step word problem; track the amount of {unit} step by step.",
        steps=(*lines, *checks),
        needed=len(lines),
        answer=str(value),
        guess=solvers.number_guess(value),
        summary=(f"Followed the {len(spec['steps'])} steps of the problem.", f"The final amount is {value} {unit}."),
    )


def _round2(value: int) -> str:
    """``value`` rounded to two significant digits."""
    text = str(abs(value))
    rounded = round(abs(value), -(len(text) - 2)) if len(text) > 2 else abs(value)
    return f"{'-' if value < 0 else ''}{rounded}"


def calculator_expression(spec: dict[str, Any]) -> str:
    """The calculator expression for a word-problem spec, e.g. ``((347 * 14) - 200) / 4``."""
    expr = str(int(spec["start"]))
    for step in spec["steps"]:
        expr = f"({expr} {OP_SYMBOLS[str(step['op'])]} {int(step['n'])})"
    return expr[1:-1] if expr.startswith("(") else expr


def tool_plan_work(spec: dict[str, Any]) -> Work:
    """The planning before a tool call: translating the problem into tool arguments."""
    if spec["kind"] == "lookup":
        keys = [str(k) for k in spec["keys"]]
        lines = [f"I need the value stored under '{k}'; the lookup tool has it." for k in keys]
        if len(keys) > 1:
            lines.append(f"The two lookups are independent, so I can request both at once; then {spec['combine']}.")
        return Work(
            intro="This needs facts I do not know; the lookup tool has them.",
            steps=tuple(lines),
            needed=len(lines),
            answer=" ".join(keys),
            guess=lambda done, salt: " ".join(keys),
            summary=(f"Look up {' and '.join(keys)}.",),
        )
    unit = str(spec.get("unit", "items"))
    expr, value = str(int(spec["start"])), int(spec["start"])
    lines = [f"Start with {spec['start']} {unit}; the expression begins as {expr}."]
    verbs = {"add": "increases", "sub": "decreases", "mul": "multiplies", "div": "divides"}
    for i, step in enumerate(spec["steps"], 1):
        op, n = str(step["op"]), int(step["n"])
        expr = f"({expr} {OP_SYMBOLS[op]} {n})"
        value = {"add": value + n, "sub": value - n, "mul": value * n, "div": value // max(1, n)}[op]
        lines.append(f'Clause {i}: "{step.get("text", op)}"')
        lines.append(f"  This {verbs[op]} the running amount of {unit} by {n}, so the operator is {OP_SYMBOLS[op]}.")
        lines.append(f"  The expression is now {expr}.")
        lines.append(f"  Rough size so far: about {_round2(value)} {unit}, which is plausible.")
    final = calculator_expression(spec)
    lines.append(f"The full expression for the calculator: {final}.")

    def guess(done: int, salt: int) -> str:
        wrong = dict(spec)
        steps = [dict(s) for s in spec["steps"]]
        j = mix("tool-guess", salt) % len(steps)
        steps[j]["n"] = solvers.perturb_number(int(steps[j]["n"]), salt, keep=0)
        wrong["steps"] = steps
        return calculator_expression(wrong)

    return Work(
        intro="Translate the problem into one calculator expression, clause by clause.",
        steps=tuple(lines),
        needed=len(lines),
        answer=final,
        guess=guess,
        summary=(f"Set up the expression {final}.",),
    )


BUILDERS: dict[str, Callable[[dict[str, Any]], Work]] = {
    "arithmetic": arithmetic_work,
    "letter_count": letter_count_work,
    "sorting": sorting_work,
    "word_problem": word_problem_work,
    "tool": tool_plan_work,
}


def work_for(category: str, spec: dict[str, Any]) -> Work:
    """The working of a task of ``category`` described by ``spec``."""
    builder = BUILDERS.get(category)
    if builder is None:
        raise EmulatorError(f"no working for task category {category!r}; known: {', '.join(BUILDERS)}")
    return builder(spec)
