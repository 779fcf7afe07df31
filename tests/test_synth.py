"""Tests for the synthetic model (labkit.emulator.model._synth and its helpers): budgets, displays,
inner-thought strategies, tool flow and the generic reply."""

from __future__ import annotations

from statistics import mean
from typing import Any

import pytest

from labkit.convert._inner_thoughts import inject_inner_thoughts, xml_instructions
from labkit.core._catalog import get_model
from labkit.emulator.model._assumptions import REFERENCE_ASSUMPTIONS
from labkit.emulator.model._plan import PlannedText, PlannedThinking, PlannedToolUse, ReplyPlan
from labkit.emulator.model._synth import parse_arithmetic, sample_scale
from labkit.emulator.model._synth import plan_reply as _plan_reply
from labkit.emulator.model._workouts import work_for
from labkit.tasks import TOOL_SPECS, Task, load_tasks, run_tool, score
from labkit.tokens._tokenizer import count_tokens

SAMPLE = [t for t in load_tasks() if t.category != "tool"][::2]
TOOLS = [
    {
        "name": s["function"]["name"],
        "description": s["function"]["description"],
        "input_schema": s["function"]["parameters"],
    }
    for s in TOOL_SPECS
]


def plan_reply(params: dict[str, Any], model: Any, *, seed: int, sample: int = 0) -> ReplyPlan:
    """The mechanics under test here, with slips and skipped xml turned off (`REFERENCE_ASSUMPTIONS`);
    tests/test_assumptions.py covers what each assumption does."""
    return _plan_reply(params, model, seed=seed, sample=sample, assumptions=REFERENCE_ASSUMPTIONS)


def _params(task: Task | str, model: str, **extra: Any) -> dict[str, Any]:
    prompt = task if isinstance(task, str) else task.prompt
    return {"model": model, "max_tokens": 64000, "messages": [{"role": "user", "content": prompt}], **extra}


def _text(plan: ReplyPlan) -> str:
    return "".join(b.text for b in plan.blocks if isinstance(b, PlannedText))


def _thinking_tokens(plan: ReplyPlan) -> int:
    return sum(count_tokens(b.text) + b.hidden_tokens for b in plan.blocks if isinstance(b, PlannedThinking))


def _budget_run(budget: int) -> tuple[float, float]:
    model = get_model("claude-opus-4-6")
    plans = [
        (t, plan_reply(_params(t, model.id, thinking={"type": "enabled", "budget_tokens": budget}), model, seed=0))
        for t in SAMPLE
    ]
    for _, plan in plans:
        assert _thinking_tokens(plan) <= budget
    accuracy = mean(score(t, _text(p)) for t, p in plans)
    return accuracy, mean(_thinking_tokens(p) for _, p in plans)


def test_plans_are_deterministic() -> None:
    model = get_model("claude-fable-5-2")
    for task in SAMPLE[:10]:
        params = _params(task, model.id, output_config={"effort": "low"})
        assert plan_reply(params, model, seed=3) == plan_reply(params, model, seed=3)


def test_accuracy_and_thinking_rise_with_budget_then_plateau() -> None:
    runs = {b: _budget_run(b) for b in (1024, 4096, 16384, 32768)}
    acc = {b: r[0] for b, r in runs.items()}
    tokens = {b: r[1] for b, r in runs.items()}
    assert acc[1024] < acc[4096] < acc[16384]
    assert acc[4096] - acc[1024] > acc[16384] - acc[4096]
    assert acc[16384] == acc[32768] == 1.0
    assert acc[1024] < 0.6
    assert tokens[1024] < tokens[4096] < tokens[16384]
    assert tokens[16384] == tokens[32768]


def test_effort_levels_are_ordered() -> None:
    model = get_model("claude-fable-5-2")
    results = []
    for effort in ("low", "medium", "high", "xhigh", "max"):
        plans = [(t, plan_reply(_params(t, model.id, output_config={"effort": effort}), model, seed=0)) for t in SAMPLE]
        results.append((mean(score(t, _text(p)) for t, p in plans), mean(_thinking_tokens(p) for _, p in plans)))
    accuracies, tokens = zip(*results, strict=True)
    assert list(accuracies) == sorted(accuracies) and accuracies[0] < accuracies[-1]
    assert tokens[0] < tokens[1] < tokens[2] < tokens[3] <= tokens[4]


def test_default_effort_comes_from_the_catalog() -> None:
    model = get_model("claude-opus-5-5")
    task = SAMPLE[7]
    assert model.default_effort == "medium"
    implicit = plan_reply(_params(task, model.id), model, seed=0)
    explicit = plan_reply(_params(task, model.id, output_config={"effort": "medium"}), model, seed=0)
    assert implicit == explicit


def _long_task() -> Task:
    return max(SAMPLE, key=lambda t: t.difficulty)


def test_omitted_display_bills_all_work_as_hidden() -> None:
    task = load_tasks("arithmetic")[20]
    shown = plan_reply(
        _params(task, "claude-opus-4-6", thinking={"type": "enabled", "budget_tokens": 16000}),
        get_model("claude-opus-4-6"),
        seed=0,
    )
    hidden = plan_reply(
        _params(task, "claude-opus-4-6", thinking={"type": "enabled", "budget_tokens": 16000, "display": "omitted"}),
        get_model("claude-opus-4-6"),
        seed=0,
    )
    full, omitted = shown.blocks[0], hidden.blocks[0]
    assert isinstance(full, PlannedThinking) and isinstance(omitted, PlannedThinking)
    assert full.hidden_tokens == 0 and full.text.count("\n") > 20
    assert omitted.text == "" and omitted.hidden_tokens == count_tokens(full.text)
    assert _text(shown) == _text(hidden)


def test_summarized_display_on_new_models_shows_a_short_summary() -> None:
    model = get_model("claude-fable-5-2")
    task = load_tasks("arithmetic")[20]
    omitted = plan_reply(_params(task, model.id), model, seed=0).blocks[0]
    summary = plan_reply(_params(task, model.id, thinking={"type": "adaptive", "display": "summarized"}), model, seed=0)
    block = summary.blocks[0]
    assert isinstance(block, PlannedThinking) and isinstance(omitted, PlannedThinking)
    assert 0 < block.text.count("\n") < 5 and block.hidden_tokens > 0
    assert count_tokens(block.text) + block.hidden_tokens == omitted.hidden_tokens


def test_thinking_off_answers_without_reasoning_and_guesses_long_tasks() -> None:
    model = get_model("claude-opus-4-7")
    assert model.thinking_when_omitted == "off"
    for params in (_params(_long_task(), model.id), _params(_long_task(), model.id, thinking={"type": "disabled"})):
        plan = plan_reply(params, model, seed=0)
        assert [type(b) for b in plan.blocks] == [PlannedText]
        assert not score(_long_task(), _text(plan))
        assert plan.notes["capacity"] == REFERENCE_ASSUMPTIONS.silent_planning_tokens


def test_calculator_task_calls_the_tool_then_answers_from_the_result() -> None:
    model = get_model("claude-fable-5-2")
    task = next(t for t in load_tasks("tool") if t.spec["kind"] == "calculator")
    messages: list[dict[str, Any]] = [{"role": "user", "content": task.prompt}]
    first = plan_reply({"model": model.id, "max_tokens": 8000, "messages": messages, "tools": TOOLS}, model, seed=0)
    assert first.stop_reason == "tool_use"
    calls = [b for b in first.blocks if isinstance(b, PlannedToolUse)]
    assert [c.name for c in calls] == ["calculator"]
    assert run_tool("calculator", calls[0].input) == task.answer
    messages += [
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "calculator", "input": calls[0].input}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": task.answer}]},
    ]
    final = plan_reply({"model": model.id, "max_tokens": 8000, "messages": messages, "tools": TOOLS}, model, seed=0)
    assert final.stop_reason == "end_turn"
    assert score(task, _text(final))


def _double_lookup() -> Task:
    return next(t for t in load_tasks("tool") if len(t.spec.get("keys", ())) == 2)


def test_two_lookups_are_parallel_tool_calls() -> None:
    model = get_model("claude-opus-4-7")
    task = _double_lookup()
    params = {
        "model": model.id,
        "max_tokens": 8000,
        "messages": [{"role": "user", "content": task.prompt}],
        "tools": TOOLS,
    }
    plan = plan_reply(params, model, seed=0)
    calls = [b for b in plan.blocks if isinstance(b, PlannedToolUse)]
    assert plan.stop_reason == "tool_use"
    assert [c.input["key"] for c in calls] == list(task.spec["keys"])
    assistant = [
        {"type": "tool_use", "id": f"toolu_{i}", "name": c.name, "input": c.input} for i, c in enumerate(calls)
    ]
    results = [
        {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": run_tool(c.name, c.input)}
        for i, c in enumerate(calls)
    ]
    params["messages"] += [{"role": "assistant", "content": assistant}, {"role": "user", "content": results}]
    final = plan_reply(params, model, seed=0)
    assert final.stop_reason == "end_turn" and score(task, _text(final))


def test_disabled_parallel_use_asks_one_lookup_per_turn() -> None:
    model = get_model("claude-opus-4-7")
    task = _double_lookup()
    choice = {"type": "auto", "disable_parallel_tool_use": True}
    params = {
        "model": model.id,
        "max_tokens": 8000,
        "messages": [{"role": "user", "content": task.prompt}],
        "tools": TOOLS,
        "tool_choice": choice,
    }
    for i, key in enumerate(task.spec["keys"]):
        plan = plan_reply(params, model, seed=0)
        calls = [b for b in plan.blocks if isinstance(b, PlannedToolUse)]
        assert [c.input["key"] for c in calls] == [key]
        params["messages"] += [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"t{i}", "name": "lookup", "input": calls[0].input}],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": f"t{i}", "content": run_tool("lookup", calls[0].input)}
                ],
            },
        ]
    assert score(task, _text(plan_reply(params, model, seed=0)))


def test_tool_choice_none_and_missing_tools_mean_no_tool_use() -> None:
    model = get_model("claude-opus-4-7")
    task = _double_lookup()
    for extra in ({"tools": TOOLS, "tool_choice": {"type": "none"}}, {}):
        plan = plan_reply(_params(task, model.id, **extra), model, seed=0)
        assert plan.stop_reason == "end_turn"
        assert not any(isinstance(b, PlannedToolUse) for b in plan.blocks)
        assert not score(task, _text(plan))


def _kwargs_tools() -> list[dict[str, Any]]:
    return [{**t, "input_schema": inject_inner_thoughts(t["input_schema"])} for t in TOOLS]


def _planning_tokens(task: Task) -> int:
    work = work_for("tool", dict(task.spec))
    return count_tokens("\n".join([work.intro, *work.steps]))


def test_kwargs_strategy_fills_inner_thoughts_first_and_degrades_on_long_tasks() -> None:
    model = get_model("claude-opus-4-7")
    calc = [t for t in load_tasks("tool") if t.spec["kind"] == "calculator"]
    short = min(calc, key=_planning_tokens)
    long = max(calc, key=_planning_tokens)
    assert _planning_tokens(short) < REFERENCE_ASSUMPTIONS.kwargs_thought_tokens < _planning_tokens(long)
    for task, right in ((short, True), (long, False)):
        plan = plan_reply(_params(task, model.id, tools=_kwargs_tools()), model, seed=0)
        call = next(b for b in plan.blocks if isinstance(b, PlannedToolUse))
        assert list(call.input) == ["inner_thoughts", "expression"]
        assert "Clause 1" in call.input["inner_thoughts"]
        assert (run_tool("calculator", call.input) == task.answer) is right
    plain = plan_reply(_params(long, model.id, tools=TOOLS), model, seed=0)
    assert run_tool("calculator", next(b for b in plain.blocks if isinstance(b, PlannedToolUse)).input) != long.answer


def test_xml_strategy_thinks_inside_tags_then_answers() -> None:
    model = get_model("claude-opus-4-7")
    task = load_tasks("letter_count")[3]
    plan = plan_reply(_params(task, model.id, system=xml_instructions("scratchpad")), model, seed=0)
    text = _text(plan)
    assert text.startswith("<scratchpad>\n") and text.count("</scratchpad>") == 1
    inside, after = text[len("<scratchpad>") :].split("</scratchpad>")
    assert "Character 1" in inside
    assert after.strip().splitlines()[-1] == f"Answer: {task.answer}"


def test_prefill_continues_inside_the_tag() -> None:
    model = get_model("claude-sonnet-4-5")
    assert model.prefill
    task = load_tasks("sorting")[2]
    params = _params(task, model.id, system=xml_instructions("thinking"))
    params["messages"].append({"role": "assistant", "content": "<thinking>"})
    text = _text(plan_reply(params, model, seed=0))
    assert "<thinking>" not in text and text.count("</thinking>") == 1
    assert "Pass 1" in text.split("</thinking>")[0]
    assert score(task, text)
    assert plan_reply(params, model, seed=0).notes["strategy"] == "prefill"


@pytest.mark.parametrize("prefill", [False, True])
def test_tagged_strategies_close_the_tag_on_the_turn_after_tool_results(prefill: bool) -> None:
    model = get_model("claude-sonnet-4-5")
    task = _double_lookup()
    params: dict[str, Any] = {
        "model": model.id,
        "max_tokens": 8000,
        "system": xml_instructions("thinking"),
        "messages": [{"role": "user", "content": task.prompt}],
        "tools": TOOLS,
    }
    opening = [{"role": "assistant", "content": "<thinking>"}] if prefill else []
    first = plan_reply({**params, "messages": params["messages"] + opening}, model, seed=0)
    calls = [b for b in first.blocks if isinstance(b, PlannedToolUse)]
    assert first.stop_reason == "tool_use" and calls
    said = "<thinking>" + _text(first) if prefill else _text(first)
    assistant = [{"type": "text", "text": said}] + [
        {"type": "tool_use", "id": f"toolu_{i}", "name": c.name, "input": c.input} for i, c in enumerate(calls)
    ]
    results = [
        {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": run_tool(c.name, c.input)}
        for i, c in enumerate(calls)
    ]
    messages = params["messages"] + [{"role": "assistant", "content": assistant}, {"role": "user", "content": results}]
    final = plan_reply({**params, "messages": messages + opening}, model, seed=0)
    text = _text(final)
    assert text.count("</thinking>") == 1
    assert text.count("<thinking>") == (0 if prefill else 1)
    after = text.split("</thinking>")[1]
    assert score(task, after)


def test_implicit_budgets_bound_tagged_reasoning() -> None:
    model = get_model("claude-opus-4-7")
    task = _long_task()
    plan = plan_reply(_params(task, model.id, system=xml_instructions("thinking")), model, seed=0)
    inside = _text(plan).split("</thinking>")[0]
    assert count_tokens(inside) <= REFERENCE_ASSUMPTIONS.tagged_thought_tokens + 5
    assert not score(task, _text(plan))


def test_unknown_prompt_gets_a_short_generic_synthetic_reply() -> None:
    model = get_model("claude-fable-5-2")
    params = _params("Write me a haiku about autumn.", model.id)
    plan = plan_reply(params, model, seed=0)
    assert plan == plan_reply(params, model, seed=0)
    assert "synthetic" in _text(plan).lower()
    assert count_tokens(_text(plan)) < 80
    assert plan.notes.get("generic") is True


def test_plain_arithmetic_questions_are_worked_out() -> None:
    model = get_model("claude-opus-4-6")
    params = _params("What is 123 * 456?", model.id, thinking={"type": "enabled", "budget_tokens": 4096})
    assert _text(plan_reply(params, model, seed=0)).endswith("Answer: 56088")
    assert parse_arithmetic("Please calculate 12 + 30 + 5.") == {"op": "add", "operands": [12, 30, 5]}
    assert parse_arithmetic("What is 90 - 7?") == {"op": "sub", "operands": [90, 7]}
    assert parse_arithmetic("no numbers here") is None
    assert parse_arithmetic("Summarise the 2026-11 report.") is None
    assert parse_arithmetic("17 * 3") == {"op": "mul", "operands": [17, 3]}
    negative = _params("What is 7 - 90?", model.id, thinking={"type": "enabled", "budget_tokens": 2048})
    assert _text(plan_reply(negative, model, seed=0)).endswith("Answer: -83")


@pytest.mark.parametrize(
    "model_id", ["claude-haiku-4-5", "claude-opus-4-8", "claude-sonnet-5-5", "claude-mythos-preview"]
)
def test_every_reply_ends_with_an_answer_line(model_id: str) -> None:
    model = get_model(model_id)
    for task in SAMPLE[:6]:
        assert "\nAnswer: " in _text(plan_reply(_params(task, model_id), model, seed=1))


def test_samples_after_the_first_scale_capacity_within_the_spread() -> None:
    assert sample_scale(0, "prompt", 0) == 1.0
    scales = [sample_scale(0, "prompt", n) for n in range(1, 200)]
    assert all(1 - REFERENCE_ASSUMPTIONS.sample_spread <= s < 1 + REFERENCE_ASSUMPTIONS.sample_spread for s in scales)
    assert min(scales) < 0.8 and max(scales) > 1.2  # the spread is really used
    model = get_model("claude-sonnet-4-6")
    params = _params(_long_task(), model.id, thinking={"type": "enabled", "budget_tokens": 2048})
    assert plan_reply(params, model, seed=0) == plan_reply(params, model, seed=0, sample=0)
    done = {plan_reply(params, model, seed=0, sample=n).notes["steps_done"] for n in range(1, 8)}
    assert len(done) > 1, "later samples get through different amounts of work"


def test_wordier_model_lines_get_less_work_done_per_budget_and_stay_within_it() -> None:
    budget = 2048
    accuracy: dict[str, float] = {}
    for model_id in ("claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5"):
        model = get_model(model_id)
        thinking = {"type": "enabled", "budget_tokens": budget}
        plans = [(task, plan_reply(_params(task, model_id, thinking=thinking), model, seed=0)) for task in SAMPLE]
        accuracy[model_id] = mean(score(task, _text(plan)) for task, plan in plans)
        assert all(_thinking_tokens(plan) <= budget for _, plan in plans)
    assert accuracy["claude-opus-4-6"] > accuracy["claude-sonnet-4-6"] > accuracy["claude-haiku-4-5"]


def test_full_visible_thinking_bills_the_verbosity_surplus_as_hidden() -> None:
    model = get_model("claude-sonnet-4-5")  # summarized by default and takes budgets: shows all the work
    params = _params(_long_task(), model.id, thinking={"type": "enabled", "budget_tokens": 4096})
    plan = plan_reply(params, model, seed=0)
    [block] = [b for b in plan.blocks if isinstance(b, PlannedThinking)]
    assert block.text and block.hidden_tokens == round(count_tokens(block.text) * 1.2) - count_tokens(block.text)
