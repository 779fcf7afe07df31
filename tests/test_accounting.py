"""labkit.notebook.accounting: request breakdown, prompt caching, billed vs shown, estimate errors."""

from __future__ import annotations

import pandas as pd

from labkit import Lab, grid
from labkit.notebook import accounting
from labkit.tasks import load_tasks

CALCULATOR = {"type": "function", "function": {
    "name": "calculator", "description": "Evaluate an arithmetic expression.",
    "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}}}


def test_input_breakdown_adds_up_step_by_step(lab: Lab) -> None:
    frame = accounting.input_breakdown(lab.backend.client(), model="claude-haiku-4-5", prompt="What is 2 + 2?",
                                       system="Be brief.", tools=[CALCULATOR])
    assert frame["step"].tolist()[:3] == ["user message", "+ system prompt", "+ tool definitions"]
    counts = dict(zip(frame["step"], frame["count_tokens"], strict=True))
    added = dict(zip(frame["step"], frame["added_by_step"], strict=True))
    assert added["+ system prompt"] == counts["+ system prompt"] - counts["user message"] > 0
    assert added["+ tool definitions"] > 300  # definitions plus the tool-use system prompt
    kwargs_step = "+ inner_thoughts kwarg (kwargs)"
    assert added[kwargs_step] == counts[kwargs_step] - counts["+ tool definitions"] > 0
    assert frame["local_estimate"].gt(0).all() and frame["estimate_error_pct"].notna().all()


def test_prefix_cache_writes_then_reads(lab: Lab) -> None:
    from labkit import prepare_request

    notes = "Reference notes: answer briefly and show the final number. " * 150
    params = prepare_request({"model": "claude-sonnet-4-6", "max_tokens": 256, "messages": [
        {"role": "system", "content": notes}, {"role": "user", "content": "What is 12 + 30?"}]})
    first, second = accounting.prefix_cache_usage(lab.backend.client(), params).to_dict("records")
    assert first["cache_write_tokens"] > 1024 and first["cache_read_tokens"] == 0
    assert second["cache_read_tokens"] == first["cache_write_tokens"] and second["cache_write_tokens"] == 0
    assert second["cost_usd"] < first["cost_usd"]


def test_sources_and_errors_from_a_small_sweep(lab: Lab) -> None:
    tasks = load_tasks(category="arithmetic", limit=3)
    configs = [*grid(model=["claude-opus-4-7"], effort=["low"], strategy="native"),
               *grid(model=["claude-haiku-4-5"], strategy=["none"])]
    results = lab.sweep(tasks, configs, name="acc", progress=False)
    tokens = accounting.tokens_with_sources(lab, "acc")
    sources = tokens[tokens["token_category"] == "input"].groupby("source", observed=True).size()
    assert sources.to_dict() == {"reported": 6, "count_tokens": 6, "estimated": 6}
    assert tokens.equals(lab.tokens("acc"))  # delegates to Lab.tokens (count_tokens answers cached)
    errors = accounting.estimate_errors(tokens).set_index("source")
    assert errors.loc["count_tokens", "mean_abs_error_pct"] == 0.0  # same tokenizer as reported usage
    assert errors.loc["estimated", "trials"] == 6
    shown = accounting.billed_vs_shown(results)
    assert shown["model"].tolist() == ["claude-opus-4-7"]  # only trials that billed thinking
    assert shown.loc[0, "thinking_billed"] > 0


def test_billed_vs_shown_measures_hidden_thinking() -> None:
    frame = pd.DataFrame({
        "status": ["ok", "ok", "error"], "thinking_tokens": [100, 100, None], "model": ["m", "m", "m"],
        "display": [None, None, None], "reasoning": ["one two", None, None], "trial_key": ["a", "b", "c"],
        "visible_tokens": [5, 7, None], "cost_thinking_usd": [0.1, 0.1, None], "cost_output_usd": [0.01, 0.01, None],
    })
    row = accounting.billed_vs_shown(frame).to_dict("records")[0]
    assert row["trials"] == 2 and row["thinking_billed"] == 100 and row["display"] == "default"
    assert 0 < row["thinking_shown"] < 100 and row["hidden_share_pct"] > 90
