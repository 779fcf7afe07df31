"""Digit-level working for the synthetic model: long multiplication, column addition and
subtraction, long division, one step a line, plus the deterministic "guess" a model makes when
it stops before the work is done.

Every procedure returns ``(lines, result)``; the lines are what the emulator writes into its
thinking. Pure: no I/O, no clock; the only "randomness" is `mix`, a stable hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass


def mix(*parts: object) -> int:
    """A stable 64-bit hash of ``parts`` (the same on every run and platform)."""
    data = "\x1f".join(map(str, parts)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


@dataclass(frozen=True, slots=True, kw_only=True)
class Work:
    """The complete working of one task.

    ``steps[:needed]`` must all be done for ``answer`` to be right; later steps are checks.
    ``guess(done, salt)`` is the answer given after only ``done`` steps (usually wrong).
    """

    intro: str
    steps: tuple[str, ...]
    needed: int
    answer: str
    guess: Callable[[int, int], str]
    summary: tuple[str, ...]


def digits(n: int) -> list[int]:
    """Digits of a non-negative integer, ones first."""
    return [int(c) for c in reversed(str(n))]


def multiply(a: int, b: int) -> tuple[list[str], int]:
    """Schoolbook long multiplication of two non-negative integers, one digit product a line."""
    lines = [f"Multiply {a} by {b}: one row for each digit of {b}, starting from its ones digit."]
    rows: list[int] = []
    for i, bd in enumerate(digits(b)):
        lines.append(f"Row {i + 1}: {a} times the digit {bd} of {b} (place value 10^{i}).")
        carry = 0
        for j, ad in enumerate(digits(a)):
            total = bd * ad + carry
            lines.append(
                f"  Row {i + 1}, column {j + 1}: {bd} × {ad} = {bd * ad}, plus carry {carry} makes {total}; "
                f"write {total % 10}, carry {total // 10}."
            )
            carry = total // 10
        row = a * bd * 10**i
        lines.append(f"  Row {i + 1} ends with carry {carry}, so it is {a * bd}, shifted {i} places: {row}.")
        rows.append(row)
    running = rows[0]
    for row in rows[1:]:
        add_lines, running = add_two(running, row)
        lines.extend(add_lines)
    lines.append(f"So {a} × {b} = {running}.")
    return lines, running


def add_two(x: int, y: int) -> tuple[list[str], int]:
    """Column addition of two non-negative integers."""
    lines = [f"Add {x} and {y} column by column."]
    carry = 0
    dx, dy = digits(x), digits(y)
    for k in range(max(len(dx), len(dy))):
        a = dx[k] if k < len(dx) else 0
        b = dy[k] if k < len(dy) else 0
        total = a + b + carry
        lines.append(f"  Column {k + 1}: {a} + {b} + carry {carry} = {total}; write {total % 10}, carry {total // 10}.")
        carry = total // 10
    lines.append(f"  Sum: {x + y}.")
    return lines, x + y


def add_many(numbers: list[int]) -> tuple[list[str], int]:
    """Column addition of several non-negative integers, one column a line."""
    lines = [f"Add {' + '.join(map(str, numbers))} column by column, from the ones column."]
    carry = 0
    width = max(len(str(n)) for n in numbers)
    for k in range(width):
        column = [digits(n)[k] if k < len(str(n)) else 0 for n in numbers]
        total = sum(column) + carry
        terms = " + ".join(map(str, column))
        lines.append(f"  Column {k + 1}: {terms} + carry {carry} = {total}; write {total % 10}, carry {total // 10}.")
        carry = total // 10
    if carry:
        lines.append(f"  The final carry {carry} goes in front.")
    lines.append(f"  Total: {sum(numbers)}.")
    return lines, sum(numbers)


def subtract(x: int, y: int) -> tuple[list[str], int]:
    """Column subtraction ``x - y`` with borrowing (``x >= y >= 0``)."""
    lines = [f"Subtract {y} from {x} column by column."]
    borrow = 0
    dx, dy = digits(x), digits(y)
    for k in range(len(dx)):
        a, b = dx[k] - borrow, dy[k] if k < len(dy) else 0
        borrow = 1 if a < b else 0
        lines.append(
            f"  Column {k + 1}: {a + 10 * borrow} - {b} = {a + 10 * borrow - b}"
            + ("; borrow 1 from the next column." if borrow else ".")
        )
    lines.append(f"  Difference: {x - y}.")
    return lines, x - y


def divide(x: int, k: int) -> tuple[list[str], int]:
    """Long division ``x / k`` (``k > 0``), one quotient digit a line."""
    lines = [f"Divide {x} by {k} with long division."]
    remainder = 0
    quotient = 0
    for d in str(x):
        current = remainder * 10 + int(d)
        q = current // k
        lines.append(f"  Bring down {d}: {current} ÷ {k} = {q} (that is {q * k}), remainder {current - q * k}.")
        remainder = current - q * k
        quotient = quotient * 10 + q
    lines.append(f"  Quotient: {quotient}" + (f", remainder {remainder}." if remainder else ", no remainder."))
    return lines, quotient


def perturb_number(value: int, salt: int, *, keep: int = 2) -> int:
    """A plausible wrong number: same length, the leading ``keep`` digits kept, others scrambled."""
    text = str(abs(value))
    if len(text) <= keep:
        keep = max(0, len(text) - 1)
    h = salt
    tail = []
    for _ in text[keep:]:
        tail.append(str(h % 10))
        h //= 10
    guess_text = text[:keep] + "".join(tail)
    guess = int(guess_text) if guess_text else 0
    if guess == abs(value):
        guess = abs(value) + 1 + salt % 9
    return -guess if value < 0 else guess


def number_guess(value: int) -> Callable[[int, int], str]:
    """A guesser for numeric answers: more steps done, more leading digits right (never the answer)."""

    def guess(done: int, salt: int) -> str:
        keep = 1 + min(done // 8, max(0, len(str(abs(value))) - 2))
        return str(perturb_number(value, salt, keep=keep))

    return guess
