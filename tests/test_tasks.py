"""Tests for labkit.tasks._suites and scripts/make_tasks.py: suites, determinism, scoring, local tools."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core._errors import ConfigError
from labkit.emulator.model._workouts import calculator_expression, work_for
from labkit.tasks import (
    SUITES,
    TOOL_SPECS,
    Task,
    calculate,
    extract_answer,
    load_tasks,
    lookup_table,
    match_task,
    run_tool,
    score,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = ROOT / "labkit" / "_data" / "tasks"
ALL = load_tasks()


def test_at_least_200_tasks_in_five_categories() -> None:
    assert len(ALL) >= 200
    counts = Counter(t.category for t in ALL)
    assert set(counts) == set(SUITES)
    assert all(n >= 40 for n in counts.values())
    assert len({t.id for t in ALL}) == len(ALL)
    assert len({t.prompt for t in ALL}) == len(ALL)


def test_every_task_is_well_formed() -> None:
    for task in ALL:
        assert task.id.startswith(task.category)
        assert task.prompt and task.answer
        assert task.difficulty > 0
        assert "Answer:" in task.prompt
        assert set(task.tools) <= {"calculator", "lookup"}
        assert bool(task.tools) == (task.category == "tool")


def test_answers_agree_with_an_independent_computation() -> None:
    table = lookup_table()
    for task in ALL:
        spec = dict(task.spec)
        if task.category == "arithmetic":
            op = "*" if spec["op"] == "mul" else "+"
            assert task.answer == calculate(op.join(map(str, spec["operands"])))
        elif task.category == "letter_count":
            assert int(task.answer) == spec["text"].count(spec["letter"])
        elif task.category == "sorting":
            key = float if spec["kind"] == "numbers" else str.lower
            assert task.answer == ", ".join(sorted(spec["items"], key=key))
        elif task.category == "word_problem":
            assert task.answer == calculate(calculator_expression(spec))
        elif spec["kind"] == "calculator":
            assert task.answer == run_tool("calculator", {"expression": calculator_expression(spec)})
        else:
            values = [int(table[k]) for k in spec["keys"]]
            combined = {None: values[0], "sum": sum(values), "difference": abs(values[0] - values[-1])}
            assert int(task.answer) == combined[spec["combine"]]


def test_solvers_reach_the_suite_answers() -> None:
    for task in ALL:
        if task.category != "tool":
            assert work_for(task.category, dict(task.spec)).answer == task.answer, task.id


def test_two_lookup_tasks_exist() -> None:
    doubles = [t for t in load_tasks("tool") if len(t.spec.get("keys", ())) == 2]
    assert len(doubles) >= 5


def test_load_tasks_filters_and_interleaves() -> None:
    assert {t.category for t in load_tasks("sorting")} == {"sorting"}
    assert len(load_tasks(category="word_problem")) == 40
    assert load_tasks("arithmetic", category="sorting") == []
    first = load_tasks(limit=10)
    assert len(first) == 10
    assert {t.category for t in first} == set(SUITES)
    assert load_tasks(limit=0) == []
    assert all(isinstance(t, Task) for t in first)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"suite": "poetry"}, "suite 'poetry'"), ({"category": "x"}, "category 'x'"), ({"limit": -1}, "limit")],
)
def test_load_tasks_rejects_bad_input(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_tasks(**kwargs)  # type: ignore[arg-type]


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_tasks.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    generated = sorted(p.name for p in tmp_path.iterdir())
    assert generated == sorted(p.name for p in PACKAGE_DATA.iterdir())
    for name in generated:
        assert (tmp_path / name).read_bytes() == (PACKAGE_DATA / name).read_bytes(), name
        assert (ROOT / "data" / "tasks" / name).read_bytes() == (PACKAGE_DATA / name).read_bytes(), name
    assert (ROOT / "data" / "tasks" / "README.md").is_file()


def test_match_task_exact_and_embedded() -> None:
    task = ALL[3]
    assert match_task(task.prompt) == task
    assert match_task(f"Please help.\n\n{task.prompt}\n") == task
    assert match_task("What is the meaning of life?") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Let me see.\nAnswer: 42", "42"),
        ("**Answer:** 1,234.", "1,234"),
        ("Answer: 3\nmore thought\nAnswer: 4", "4"),
        ("no marker here\n\nthe result is 7\n", "the result is 7"),
        ("answer: apple, pear", "apple, pear"),
        ("", ""),
    ],
)
def test_extract_answer(text: str, expected: str) -> None:
    assert extract_answer(text) == expected


def test_score_numbers_lists_and_text() -> None:
    number = Task(id="n", prompt="p", answer="1234567", category="arithmetic")
    assert score(number, "Answer: 1,234,567")
    assert score(number, "Answer: 1234567.0")
    assert not score(number, "Answer: 1234568")
    assert not score(number, "I do not know")
    listing = Task(id="s", prompt="p", answer="apple, fig, pear", category="sorting")
    assert score(listing, "Answer: Apple, fig, pear.")
    assert score(listing, "Answer: [apple, fig, pear]")
    assert not score(listing, "Answer: fig, apple, pear")
    assert not score(listing, "Answer: apple, fig")
    word = Task(id="w", prompt="p", answer="Veldoria", category="tool")
    assert score(word, "Answer: veldoria")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL), st.integers(min_value=1, max_value=9))
def test_score_accepts_the_answer_and_rejects_a_changed_one(task: Task, delta: int) -> None:
    assert score(task, f"Some working.\nAnswer: {task.answer}")
    if task.category != "sorting":
        assert not score(task, f"Answer: {int(task.answer) + delta}")


def test_calculator_tool() -> None:
    assert run_tool("calculator", {"expression": "(347 * 14) - 200"}) == "4658"
    assert run_tool("calculator", {"expression": "12 × 3 ÷ 4"}) == "9"
    assert run_tool("calculator", {"expression": "1,000 + 1"}) == "1001"
    assert run_tool("calculator", {"expression": "7 / 2"}) == "3.5"
    assert run_tool("calculator", {"expression": "-(2 + 3) * 4"}) == "-20"
    assert run_tool("calculator", {"expression": "1 / 0"}).startswith("Error")
    assert run_tool("calculator", {"expression": "__import__('os').getcwd()"}).startswith("Error")
    assert run_tool("calculator", {}).startswith("Error")


def test_lookup_tool() -> None:
    table = lookup_table()
    assert len(table) == 80
    assert run_tool("lookup", {"key": "veldoria.population"}) == str(table["veldoria.population"])
    assert run_tool("lookup", {"key": " Veldoria.Population "}) == str(table["veldoria.population"])
    assert run_tool("lookup", {"key": "atlantis.population"}).startswith("Error: no entry")


def test_run_tool_rejects_unknown_tools_and_bad_input() -> None:
    with pytest.raises(ConfigError, match="unknown tool 'search'"):
        run_tool("search", {"q": "x"})
    with pytest.raises(ConfigError, match="must be an object"):
        run_tool("calculator", "1+1")  # type: ignore[arg-type]


def test_tool_specs_are_openai_functions() -> None:
    names = [spec["function"]["name"] for spec in TOOL_SPECS]
    assert names == ["calculator", "lookup"]
    for spec in TOOL_SPECS:
        assert spec["type"] == "function"
        params = spec["function"]["parameters"]
        assert params["type"] == "object" and params["required"]
