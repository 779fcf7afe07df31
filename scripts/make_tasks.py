"""Generate labkit's task suites (seeded, deterministic): ``python scripts/make_tasks.py [--out DIR]``.

Writes one JSONL file per category (arithmetic, letter_count, sorting, word_problem, tool) and the
``lookup`` tool's fact table into ``labkit/_data/tasks/`` (the package data, single source of
truth; ``data/tasks/`` holds symlinks to these files). Running it twice gives identical bytes.
Each task's ``difficulty`` is the number of work steps the emulator's solver needs for it.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from labkit.emulator.model._workouts import calculator_expression, work_for
from labkit.tasks import calculate

SEED = 20261123
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "labkit" / "_data" / "tasks"
FORMAT = "Give the final answer on the last line as 'Answer: <{what}>'."

WORDS = [
    "strawberry",
    "raspberry",
    "banana",
    "apple",
    "cherry",
    "orange",
    "mango",
    "papaya",
    "apricot",
    "blueberry",
    "lemon",
    "melon",
    "river",
    "mirror",
    "carrot",
    "barrel",
    "error",
    "terror",
    "corridor",
    "referral",
    "narrower",
    "bookkeeper",
    "committee",
    "mississippi",
    "tennessee",
    "parallel",
    "balloon",
    "coffee",
    "letter",
    "summer",
    "bottle",
    "puzzle",
    "assessment",
    "alphabet",
    "elephant",
    "giraffe",
    "kangaroo",
    "penguin",
    "dolphin",
    "octopus",
    "squirrel",
    "tortoise",
    "butterfly",
    "granite",
    "marble",
    "quartz",
    "copper",
    "silver",
    "bronze",
    "cobalt",
    "nickel",
    "zinc",
    "tungsten",
    "platinum",
]
ENTITIES = (
    "Veldoria",
    "Kestrel Bay",
    "Marrowind",
    "Osterfell",
    "Quillhaven",
    "Brightmoor",
    "Duskwater",
    "Emberlee",
    "Frostholm",
    "Glimmerdale",
    "Harrowgate",
    "Ironvale",
    "Juniper Cove",
    "Lanternfield",
    "Mistral Point",
    "Northwick",
    "Pebblebrook",
    "Ravenmere",
    "Silverton",
    "Thornbury",
)
THEMES = (
    ("A warehouse starts with {n} crates.", "crates"),
    ("A library holds {n} books.", "books"),
    ("A farm has {n} eggs in storage.", "eggs"),
    ("A factory has {n} bolts on hand.", "bolts"),
    ("A school orders {n} pencils.", "pencils"),
    ("A harbour counts {n} containers.", "containers"),
)
STEP_TEXT = {
    "add": "Then {n} more {unit} arrive.",
    "sub": "Then {n} {unit} are taken away.",
    "mul": "Then the number of {unit} becomes {n} times as large.",
    "div": "Then the {unit} are split evenly into {n} equal groups and only one group is kept.",
}


def lookup_table(rng: random.Random) -> dict[str, int]:
    table: dict[str, int] = {}
    for entity in ENTITIES:
        key = entity.lower().replace(" ", "_")
        table[f"{key}.population"] = rng.randrange(1_200, 950_000)
        table[f"{key}.founded"] = rng.randrange(1120, 1990)
        table[f"{key}.elevation_m"] = rng.randrange(3, 2_900)
        table[f"{key}.area_km2"] = rng.randrange(12, 4_800)
    return dict(sorted(table.items()))


def _number(rng: random.Random, n_digits: int) -> int:
    return rng.randrange(10 ** (n_digits - 1), 10**n_digits)


def arithmetic(rng: random.Random) -> list[dict[str, Any]]:
    tasks = []
    pairs = [(a, b) for a in range(2, 7) for b in range(2, 7) if b <= a]
    for i in range(48):
        a_digits, b_digits = pairs[i % len(pairs)]
        a, b = _number(rng, a_digits), _number(rng, b_digits)
        spec = {"op": "mul", "operands": [a, b]}
        tasks.append((f"What is {a} * {b}? {FORMAT.format(what='number')}", str(a * b), spec))
    for _ in range(12):
        numbers = [_number(rng, rng.randint(4, 7)) for _ in range(rng.randint(4, 10))]
        spec = {"op": "add", "operands": numbers}
        text = " + ".join(map(str, numbers))
        tasks.append((f"What is {text}? {FORMAT.format(what='number')}", str(sum(numbers)), spec))
    return [_row("arithmetic", i, p, a, s) for i, (p, a, s) in enumerate(tasks, 1)]


def letter_count(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(1, 41):
        phrase = " ".join(rng.sample(WORDS, 2 + (i - 1) % 11))
        letter = rng.choice(sorted(set(phrase.replace(" ", ""))))
        prompt = f"How many times does the letter '{letter}' appear in '{phrase}'? {FORMAT.format(what='number')}"
        rows.append(_row("letter_count", i, prompt, str(phrase.count(letter)), {"text": phrase, "letter": letter}))
    return rows


def sorting(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(1, 41):
        size = 4 + (i - 1) % 15
        if i % 2:
            items: list[str] = rng.sample(WORDS, size)
            kind, what = "words", "words alphabetically"
            answer = ", ".join(sorted(items))
        else:
            values = rng.sample(range(1, 1000), size)
            items, kind, what = [str(v) for v in values], "numbers", "numbers from smallest to largest"
            answer = ", ".join(str(v) for v in sorted(values))
        prompt = f"Sort these {what}: {', '.join(items)}. {FORMAT.format(what='comma-separated list')}"
        rows.append(_row("sorting", i, prompt, answer, {"items": items, "kind": kind}))
    return rows


def _operand(rng: random.Random, op: str, value: int, size: int, divisors: list[int]) -> int:
    if op == "add":
        return _number(rng, rng.randint(2, 3 + size))
    if op == "sub":
        return rng.randrange(1, max(2, value // 2))
    if op == "mul":
        return _number(rng, rng.randint(2, 2 + size)) if value < 10 ** (5 + size) else rng.randint(2, 9)
    return rng.choice(divisors)


def _story(rng: random.Random, n_steps: int, size: int) -> dict[str, Any]:
    """A chain of ``n_steps`` operations; ``size`` (0-3) makes the numbers longer."""
    opening, unit = rng.choice(THEMES)
    value = _number(rng, rng.randint(3, 4 + size))
    start, steps = value, []
    for _ in range(n_steps):
        divisors = [k for k in range(2, 20) if value % k == 0 and value // k >= 10]
        choices = ["add", "sub", "mul", "mul"] + (["div", "div"] if divisors else [])
        if value > 10 ** (7 + 2 * size):
            choices = [c for c in choices if c != "mul"]
        op = rng.choice(choices)
        n = _operand(rng, op, value, size, divisors)
        steps.append({"op": op, "n": n, "text": STEP_TEXT[op].format(n=n, unit=unit)})
        value = {"add": value + n, "sub": value - n, "mul": value * n, "div": value // max(1, n)}[op]
    return {"start": start, "unit": unit, "opening": opening.format(n=start), "steps": steps, "result": value}


def _story_prompt(story: dict[str, Any], tail: str) -> str:
    body = " ".join([story["opening"], *(s["text"] for s in story["steps"])])
    return f"{body} How many {story['unit']} are there at the end? {tail}"


def word_problems(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(1, 41):
        story = _story(rng, 2 + (i - 1) % 5, size=(i - 1) // 5 % 4)
        spec = {k: story[k] for k in ("start", "unit", "steps")}
        prompt = _story_prompt(story, FORMAT.format(what="number"))
        rows.append(_row("word_problem", i, prompt, str(story["result"]), spec))
    return rows


def tool_tasks(rng: random.Random, table: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for i in range(1, 21):
        story = _story(rng, 3 + (i - 1) % 20, size=0)
        spec = {"kind": "calculator", **{k: story[k] for k in ("start", "unit", "steps")}}
        answer = calculate(calculator_expression(spec))
        prompt = _story_prompt(story, f"Use the calculator tool. {FORMAT.format(what='number')}")
        rows.append(_row("tool", i, prompt, answer, spec, tools=["calculator"]))
    keys = sorted(table)
    for i in range(21, 41):
        if i <= 30:
            key = rng.choice(keys)
            entity, attribute = key.split(".")
            prompt = (
                f"Use the lookup tool to find the {attribute.replace('_', ' ')} of "
                f"{entity.replace('_', ' ').title()} (key '{key}'). {FORMAT.format(what='number')}"
            )
            spec = {"kind": "lookup", "keys": [key], "combine": None}
            rows.append(_row("tool", i, prompt, str(table[key]), spec, tools=["lookup"]))
            continue
        attribute = rng.choice(["population", "elevation_m", "area_km2"])
        first, second = rng.sample(sorted({k.split(".")[0] for k in keys}), 2)
        pair = [f"{first}.{attribute}", f"{second}.{attribute}"]
        combine = "sum" if i % 2 else "difference"
        total = table[pair[0]] + table[pair[1]] if combine == "sum" else abs(table[pair[0]] - table[pair[1]])
        ask = "their sum" if combine == "sum" else "the absolute difference between them"
        prompt = (
            f"Use the lookup tool to find the {attribute.replace('_', ' ')} of {first.replace('_', ' ').title()} "
            f"and of {second.replace('_', ' ').title()} (keys '{pair[0]}' and '{pair[1]}'), then give {ask}. "
            f"{FORMAT.format(what='number')}"
        )
        spec = {"kind": "lookup", "keys": pair, "combine": combine}
        rows.append(_row("tool", i, prompt, str(total), spec, tools=["lookup"]))
    return rows


def _row(
    category: str, i: int, prompt: str, answer: str, spec: dict[str, Any], *, tools: list[str] | None = None
) -> dict[str, Any]:
    work = work_for(category, spec)
    if category != "tool" and work.answer != answer:
        raise SystemExit(f"solver disagrees on {category}-{i}: {work.answer} != {answer}")
    return {
        "id": f"{category}-{i:03d}",
        "prompt": prompt,
        "answer": answer,
        "category": category,
        "difficulty": work.needed,
        "tools": tools or [],
        "spec": spec,
    }


def build() -> dict[str, str]:
    """File name -> content of every generated file."""
    rng = random.Random(SEED)
    table = lookup_table(rng)
    suites = {
        "arithmetic": arithmetic(rng),
        "letter_count": letter_count(rng),
        "sorting": sorting(rng),
        "word_problem": word_problems(rng),
        "tool": tool_tasks(rng, table),
    }
    files = {"lookup_table.json": json.dumps(table, indent=1, sort_keys=True) + "\n"}
    for name, rows in suites.items():
        files[f"{name}.jsonl"] = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory to write the files into")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = build()
    for name, content in files.items():
        (args.out / name).write_text(content, encoding="utf-8")
    print(f"wrote {len(files) - 1} suites and the lookup table to {args.out}")


if __name__ == "__main__":
    main()
