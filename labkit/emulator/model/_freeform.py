"""Free-form prompts of the suites' task kinds, recognised beyond the suites' own wording (pure).

`freeform_task(prompt)` reads letter counting ("How many r's are in strawberry?"), sorting ("Sort
these: pear, apple, fig" / numbers), and arithmetic in words ("What is twelve times seven?") into
the same specs the suites use, so the synthetic model works them out step by step as it does the
suite tasks. None when the prompt is none of these. Used when ``Assumptions.free_form`` is on.
"""

from __future__ import annotations

import re
from typing import Any

_LETTER = re.compile(
    r"how\s+many\s+(?:times\s+does\s+(?:the\s+letter\s+)?)?['\"‘’]?([a-z])['\"‘’]?(?:'s|s)?(?!\w)"
    r"(?:\s+(?:are|is|appear|occur)s?)?(?:\s+(?:there|appear|occur))?"
    r"\s+in\s+(?:the\s+word\s+)?['\"‘’]?([a-z][a-z ]*[a-z])",
    re.IGNORECASE,
)
_COUNT_LETTER = re.compile(r"count\s+(?:the\s+)?(?:letter\s+)?['\"]?([a-z])['\"]?s?\s+in\s+['\"]?([a-z][a-z ]*[a-z])",
                           re.IGNORECASE)  # fmt: skip
_SORT = re.compile(r"\b(?:sort|order|arrange|alphabeti[sz]e)\b[^:]*:\s*(.+)", re.IGNORECASE | re.DOTALL)
_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBER_WORD = rf"(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:10])}))?|{'|'.join(_UNITS)}|hundred|\d+"
_OPS = {"times": "mul", "multiplied by": "mul", "plus": "add", "added to": "add", "minus": "sub"}
_WORDS_ARITHMETIC = re.compile(
    rf"\b((?:(?:{_NUMBER_WORD})[ -]?)+?)\s+({'|'.join(_OPS)})\s+((?:(?:{_NUMBER_WORD}|and)[ -]?)+)", re.IGNORECASE)


def _number(words: str) -> int | None:
    """An integer from words ("forty-two", "one hundred and five", "12"), None if not one."""
    total, current = 0, 0
    for word in re.split(r"[\s-]+|\band\b", words.lower().strip()):
        if not word:
            continue
        if word.isdigit():
            current += int(word)
        elif word in _UNITS:
            current += _UNITS.index(word)
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total, current = total + max(current, 1) * 1000, 0
        else:
            return None
    return total + current


def freeform_task(prompt: str) -> tuple[str, dict[str, Any]] | None:
    """(category, spec) of a free-form letter count, sort or arithmetic-in-words prompt, else None."""
    match = _LETTER.search(prompt) or _COUNT_LETTER.search(prompt)
    if match:
        return "letter_count", {"letter": match.group(1).lower(), "text": match.group(2).lower()}
    match = _SORT.search(prompt)
    if match:
        listed = re.split(r",|\band\b|\n", match.group(1).split("\n\n")[0])
        items = [i.strip(" .?!'\"") for i in listed if i.strip(" .?!'\"")]
        if len(items) >= 2:
            numeric = all(re.fullmatch(r"-?\d+", i) for i in items)
            kind = "numbers" if numeric else "words"
            return "sorting", {"items": [int(i) for i in items] if numeric else items, "kind": kind}
    match = _WORDS_ARITHMETIC.search(prompt)
    if match:
        left, right = _number(match.group(1)), _number(match.group(3))
        if left is not None and right is not None:
            return "arithmetic", {"op": _OPS[match.group(2).lower()], "operands": [left, right]}
    return None
