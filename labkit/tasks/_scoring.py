"""Scoring a reply against a task: `extract_answer` and `score` (pure).

The final answer is the last ``Answer: X`` line of a reply, else its last non-empty line. Numbers
compare numerically and exactly (thousands separators allowed), lists element by element (order
matters, case does not), anything else as case-folded text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labkit.tasks._suites import Task

_ANSWER_LINE = re.compile(r"^[\s>*_#-]*answer[\s*_]*[:：]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def extract_answer(text: str) -> str:
    """The final answer in a reply: the last ``Answer: X`` line, else the last non-empty line."""
    matches = _ANSWER_LINE.findall(text or "")
    if matches:
        found = str(matches[-1])
    else:
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        found = lines[-1] if lines else ""
    return found.strip().strip("*_`\"'").rstrip(".").strip()


def _number(text: str) -> Decimal | None:
    cleaned = re.sub(r"(?<=\d)[,_ ](?=\d{3}\b)", "", text)
    match = _NUMBER.search(cleaned)
    return Decimal(match.group()) if match else None


def _items(text: str) -> list[str]:
    parts = re.split(r"[,;\s]+", text.strip().strip("[]()"))
    return [p.strip("'\"`.").casefold() for p in parts if p.strip("'\"`.")]


def score(task: Task, reply_text: str) -> bool:
    """Whether ``reply_text`` answers ``task``: numbers numerically (exactly), lists element-wise, else text."""
    got = extract_answer(reply_text)
    expected_number = _number(task.answer) if _NUMBER.fullmatch(task.answer.replace(",", "")) else None
    if expected_number is not None:
        value = _number(got)
        return value is not None and value == expected_number
    if task.category == "sorting" or "," in task.answer:
        return _items(got) == _items(task.answer)
    return got.casefold().strip() == task.answer.casefold().strip()
