"""Write notebooks/01-04 from the cell sources below (run: .venv/bin/python scripts/make_notebooks.py).

The notebooks are generated so that they stay reviewable as plain Python and are committed without
outputs. Each answers one question with real runs (the emulator by default, Claude when
ANTHROPIC_API_KEY is set), keeps its results in the store and saves its figures and tables through
labkit.notebook.demo (under data/demo/). No library logic lives in a cell: anything longer is in labkit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
SETUP = """\
%matplotlib inline
import pandas as pd
import labkit
from labkit import Config, InnerThoughts, Lab, ThinkingConfig, grid
from labkit.notebook import accounting, backend_provenance, demo, plots, summary_frame, widgets
from labkit.tasks import load_tasks

lab = Lab(store=demo.store_path())
lab"""

QUICKSTART = [
    ("md", """\
# 01 · Quickstart

Which backend answers and why; one prompt streamed live with its thinking and its answer shown apart;
the OpenAI-style request, the Anthropic parameters labkit prepares from it and the chat completion it
converts back, side by side; and the interactive playground."""),
    ("code", SETUP),
    ("md", """\
## Which backend, and why

One rule: `ANTHROPIC_API_KEY` set → the Anthropic API; else `LABKIT_BASE_URL` set → that server (any
Anthropic Messages API server, such as `labkit emulator`); else the built-in emulator, in process, no
port. Emulator replies are synthetic and say so (`msg_synth_` ids, the `x-labkit-synthetic` header)."""),
    ("code", 'print(f"backend: {lab.backend_name}\\nwhy:     {lab.backend.reason}\\nstore:   {lab.store.path}")'),
    ("md", """\
## One prompt, streamed live

A legacy thinking budget on a model that still takes one. Thinking (`reasoning_content`) and the answer
(`content`) stream into separate areas, with a running local token count; the usage row follows."""),
    ("code", """\
config = Config(model="claude-sonnet-4-6", max_tokens=8192,
                thinking=ThinkingConfig(mode="budget", budget_tokens=2048))
prompt = "What is 67 * 81? Give the final answer on the last line as 'Answer: <number>'."
trial = widgets.stream(lab, prompt, config, experiment="01_quickstart")"""),
    ("code", """\
row = demo.table(pd.DataFrame([trial.row()]), "01_quickstart_trial")
row[["model", "thinking_mode", "budget_tokens", "stop_reason", "input_tokens", "thinking_tokens",
     "visible_tokens", "tokens_source", "ttft_s", "total_s", "cost_usd"]]"""),
    ("md", """\
## Request → Anthropic params → chat completion

An OpenAI-style request with a system message and a function tool, prepared with the `kwargs`
inner-thoughts strategy (an `inner_thoughts` argument injected first into the tool's schema), sent
through the official SDK, and converted back: the tool call's `inner_thoughts` come out as
`reasoning_content`, the remaining arguments as the tool call."""),
    ("code", """\
from labkit.lab import task_tools

task = load_tasks(category="tool", limit=1)[0]  # a word problem with a calculator tool
request = {"model": "claude-haiku-4-5", "max_tokens": 1024, "tools": task_tools(task), "messages": [
    {"role": "system", "content": "Use the calculator for arithmetic."}, {"role": "user", "content": task.prompt}]}
params = labkit.prepare_request(request, inner_thoughts=InnerThoughts(strategy="kwargs"))
message = lab.backend.client().messages.create(**params)
completion = labkit.to_chat_completion(message, inner_thoughts=InnerThoughts(strategy="kwargs"))
widgets.side_by_side({"OpenAI-style request": request, "Anthropic params (prepared)": dict(params),
                      "Chat completion (converted)": completion})"""),
    ("md", """\
## The playground

Pick a model: the thinking controls offer only what it accepts (no budget slider on adaptive-only
models, its own effort levels, no "off" on always-thinking models, prefill only where accepted).
Run streams the reply and then shows the usage row. Every run is kept in the store (`playground`)."""),
    ("code", "widgets.playground(lab)"),
]

BUDGETS = [
    ("md", """\
# 02 · Thinking budgets and effort

How much does thinking depth buy? Budgets from 1,024 to 16,384 tokens on the models that take
`budget_tokens`, effort levels on a model that takes `output_config.effort`, over arithmetic and word
problems with repeats: tokens used, budget utilisation, truncation, accuracy against budget and cost,
the latency split, and the budget past which more stops paying."""),
    ("code", SETUP),
    ("code", """\
tasks = load_tasks(category="arithmetic", limit=5) + load_tasks(category="word_problem", limit=8)
# one grid by model line: budgets on the models that take them, effort levels on the models that have them
configs = grid(model=["claude-sonnet-4-6", "claude-opus-4-5", "claude-opus-4-7"],
               budget=[1024, 2048, 4096, 8192, 16384], effort=["low", "medium", "high", "max"], max_tokens=20000)
print(configs.report())"""),
    ("md", "Priced before running: `count_tokens` for the input, the catalog for prices, `max_tokens` as the ceiling."),
    ("code", """\
from labkit.tokens import format_usd

estimate = demo.table(lab.estimate(tasks, configs, repeats=2), "02_estimate", provenance=backend_provenance(lab))
print(f"{len(configs)} configs x {len(tasks)} tasks x 2 repeats: expected about "
      f"{format_usd(estimate['cost_expected_usd'].sum())} ({', '.join(estimate['expected_source'].unique())}), "
      f"at most {format_usd(estimate['cost_max_usd'].sum())}")"""),
    ("code", """\
results = demo.table(lab.sweep(tasks, configs, repeats=2, name="02_thinking_budgets", concurrency=16),
                     "02_results")
summary = demo.table(summary_frame(results), "02_summary")
summary"""),
    ("code", """\
# findings, computed here from the summary above (never typed in by hand)
best = summary.loc[summary["accuracy"].idxmax()]
ok = summary[summary["accuracy"] >= best["accuracy"] - 0.05].sort_values("mean_cost_usd").iloc[0]
print(f"{summary.attrs['caption'] or 'real API'}")
print(f"most accurate: {best['model']} budget={best['budget_tokens']} effort={best['effort']}: "
      f"{best['accuracy']:.0%} [{best['accuracy_low']:.0%}, {best['accuracy_high']:.0%}], "
      f"{format_usd(best['mean_cost_usd'])} per trial")
print(f"cheapest within 5 points of it: {ok['model']} budget={ok['budget_tokens']} effort={ok['effort']}: "
      f"{ok['accuracy']:.0%} at {format_usd(ok['mean_cost_usd'])} per trial")"""),
    ("md", """\
## Thinking tokens, utilisation and truncation

Repeats are samples: like Claude, the emulator answers a repeated request a little differently each
time (its later samples get through more or less of the work in the same budget), so the error bars
show a real spread over repeats; the bars are 95% intervals. `max_tokens` is 20,000 in this sweep, well
above the largest budget, so its trials are never cut: the truncation figure comes from a second sweep
whose `max_tokens` leaves room for only a short answer after the budget."""),
    ("code", 'demo.figure(plots.tokens_vs_budget(results), "02_tokens_vs_budget")'),
    ("code", 'demo.figure(plots.budget_utilisation(results), "02_budget_utilisation")'),
    ("code", """\
# max_tokens leaves room for only a short answer after the budget: where thinking fills the budget,
# the answer is cut (stop_reason "max_tokens")
tight = [Config(model="claude-sonnet-4-6", thinking=budget, max_tokens=budget + 256)
         for budget in (1024, 2048, 4096, 8192, 16384)]
tight_results = demo.table(lab.sweep(tasks, tight, repeats=2, name="02_truncation"), "02_truncation_results")
demo.figure(plots.truncation_rate(tight_results), "02_truncation_rate")"""),
    ("md", "## Accuracy against budget, effort and cost"),
    ("code", 'demo.figure(plots.accuracy_vs_budget(results), "02_accuracy_vs_budget")'),
    ("code", 'demo.figure(plots.accuracy_vs_effort(results), "02_accuracy_vs_effort")'),
    ("code", 'demo.figure(plots.cost_vs_accuracy(results), "02_cost_vs_accuracy")'),
    ("md", """\
## How sure is a difference?

`lab.compare` pairs two configs on the tasks both finished: the accuracy difference with a bootstrap
interval over tasks and the exact sign test, and the token and cost differences with intervals.
`plan_tasks` answers the question before a sweep: how many tasks for an interval this wide."""),
    ("code", """\
from labkit.lab import plan_tasks

comparison = lab.compare("02_thinking_budgets", {"model": "claude-sonnet-4-6", "budget_tokens": 4096},
                         {"model": "claude-sonnet-4-6", "budget_tokens": 2048})
print(comparison)
print(plan_tasks(0.2, paired=True, rate=0.7))
demo.table(comparison.frame(), "02_compare", rows=results)"""),
    ("md", "## Where the time goes: time to first token, thinking, answer"),
    ("code", 'demo.figure(plots.latency_breakdown(results), "02_latency_breakdown")'),
    ("md", """\
## Where more budget stops paying

Per model, the smallest budget whose accuracy is within 2 points of the best budget's, and what a
trial costs there compared with the largest budget."""),
    ("code", 'demo.table(plots.budget_knee(results), "02_budget_knee", rows=results)'),
    ("md", """\
## What is built into the emulator, and what you would measure with a key

Without `ANTHROPIC_API_KEY` these rows come from labkit's emulator, and every figure and table here says
so. Its effects are assumptions, listed below with their reasons (`labkit.emulator.Assumptions`), not
measurements: how much work a budget or an effort level buys per model line (thinking verbosity), how often a written step slips, and the spread across repeats; the shapes of the curves above follow from them. With a key the same cells run on Claude and measure where Claude's accuracy actually stops rising with budget, its real token use and cost."""),
    ("code", """\
if lab.backend_name == "emulator":  # the assumptions behind every synthetic number in this notebook
    display(pd.DataFrame(lab.backend.emulator.assumptions.table())[["assumption", "value", "reason"]])
print(backend_provenance(lab))"""),

    ("md", """\
## Your own sweep

Pick models, budgets, effort levels, strategies, repeats and task categories; "Estimate cost" prices
the sweep before anything is sent, "Run sweep" runs it with a progress bar and draws the plots above."""),
    ("code", "widgets.sweep_panel(lab)"),
]

INNER = [
    ("md", """\
# 03 · Inner thoughts without native thinking

The same tool tasks under each strategy: `none`, `kwargs` (an `inner_thoughts` tool argument), `xml`
(a `<thinking>` tag in the text), `xml+prefill` (the assistant turn prefilled with the opening tag),
and native thinking for reference. Which replies actually carry inner thoughts, are the tool calls
valid, is the answer right, and what does each cost? Models that reject prefill are shown skipped
(policy "skip") and fallen back (policy "fallback"), with the reason."""),
    ("code", SETUP),
    ("code", """\
tasks = load_tasks(category="tool", limit=10)
models = ["claude-haiku-4-5", "claude-sonnet-4-6"]  # haiku 4.5 accepts prefill, sonnet 4.6 does not
strategies = ["none", "kwargs", "xml", "xml+prefill", "native"]
print(grid(model=models, strategy=strategies, policy="skip").report())"""),
    ("code", """\
configs = grid(model=models, strategy=strategies, policy="fallback")
print(configs.report())
cells = [{"model": c.model, **c.knobs(), "fallback_from": c.fallback_from} for c in configs]
demo.table(pd.DataFrame(cells), "03_configs", provenance="the sweep's configs (no results)")"""),
    ("code", """\
results = demo.table(lab.sweep(tasks, configs, repeats=2, name="03_inner_thoughts"),
                     "03_results")
by = ["model", "thinking_mode", "strategy", "prefill", "fallback_from"]
demo.table(summary_frame(results, by=by), "03_summary")"""),
    ("md", "## Inner thoughts, valid tool calls and accuracy per strategy"),
    ("code", 'demo.figure(plots.strategy_comparison(results), "03_strategy_comparison")'),
    ("code", """\
# findings, computed here from the rows above (never typed in by hand)
finished = results[results["status"] == "ok"]
per = finished.groupby("strategy", observed=True)[["has_reasoning", "correct"]].mean()
print(f"{summary_frame(results, by=['strategy']).attrs['caption'] or 'real API'}")
for strategy, row in per.iterrows():
    print(f"{strategy:>12}: inner thoughts in {row['has_reasoning']:.0%} of replies, {row['correct']:.0%} correct")
best = per["correct"].idxmax()
print(f"most accurate strategy here: {best} ({per.loc[best, 'correct']:.0%})")"""),
    ("md", "## Tokens and cost per strategy"),
    ("code", """\
tokens = lab.tokens("03_inner_thoughts").merge(results[["trial_key", "prefill"]], on="trial_key")
demo.figure(plots.token_composition(tokens), "03_token_composition")"""),
    ("code", 'demo.figure(plots.cost_split(results), "03_cost_split")'),
    ("md", """\
## How the conclusion moves with an assumption

The gap between `xml` and `xml+prefill` is built in: the emulator assumes that, asked to think in a
tag but not forced, a model sometimes answers at once (`xml_skip_rate`), and that a prefill forces the tag
open. The figure reruns those cells under other values of that one assumption: the `xml` line falls as
the skip rate rises and `xml+prefill` stays put. With a key this is what you would measure instead.
(`LABKIT_EMULATOR_ASSUMPTIONS='{"xml_skip_rate": 0.8}'` changes every figure above the same way, with no code change.)"""),
    ("code", """\
if lab.backend_name == "emulator":
    from labkit.notebook import assumption_sensitivity

    tagged = [c for c in configs if c.model == "claude-haiku-4-5" and c.knobs()["strategy"] in ("xml", "xml+prefill")]
    moved = assumption_sensitivity(lab, tasks, tagged, "xml_skip_rate", [0.0, 0.2, 0.5, 0.8], name="03_sensitivity")
    demo.figure(plots.assumption_sensitivity(moved, metric="has_reasoning"), "03_sensitivity")"""),
    ("md", """\
## What is built into the emulator, and what you would measure with a key

Without `ANTHROPIC_API_KEY` these rows come from labkit's emulator, and every figure and table here says
so. Its effects are assumptions, listed below with their reasons (`labkit.emulator.Assumptions`), not
measurements: how much planning room each strategy leaves (silent planning for none, the tool argument for kwargs, the tag for xml), how often xml alone is skipped, and how often a step slips per model line. With a key the same cells run on Claude and measure whether Claude really skips the tag, how long its inner thoughts are and what they cost."""),
    ("code", """\
if lab.backend_name == "emulator":  # the assumptions behind every synthetic number in this notebook
    display(pd.DataFrame(lab.backend.emulator.assumptions.table())[["assumption", "value", "reason"]])
print(backend_provenance(lab))"""),
]

ACCOUNTING = [
    ("md", """\
# 04 · Token accounting

Where the tokens go: the system prompt, tool definitions and the kwargs overhead; cache writes and
reads on a repeated prefix; thinking billed against thinking shown; labkit's local estimate against
`count_tokens` against reported usage; and the cost split. Every number carries its source."""),
    ("code", SETUP),
    ("md", "## What each part of a request adds (counted by `count_tokens`, and estimated locally)"),
    ("code", """\
from labkit.lab import task_tools

client = lab.backend.client()
tool_task = load_tasks(category="tool", limit=1)[0]
breakdown = accounting.input_breakdown(client, model="claude-haiku-4-5", prompt=tool_task.prompt,
                                       system="You are a careful assistant. Use tools when they help.",
                                       tools=task_tools(tool_task))
demo.table(breakdown, "04_input_breakdown", provenance=backend_provenance(lab))"""),
    ("md", "## Prompt caching: the same long prefix sent twice"),
    ("code", """\
notes = "Reference notes for the assistant: answer briefly and show the final number. " * 120
cached = labkit.prepare_request({"model": "claude-sonnet-4-6", "max_tokens": 512, "messages": [
    {"role": "system", "content": notes}, {"role": "user", "content": "What is 12 + 30?"}]})
demo.table(accounting.prefix_cache_usage(client, cached), "04_prefix_cache", provenance=backend_provenance(lab))"""),
    ("md", "## A small sweep: thinking billed vs shown, estimates vs reported"),
    ("code", """\
tasks = load_tasks(category="arithmetic", limit=6) + load_tasks(category="sorting", limit=4)
configs = [*grid(model=["claude-sonnet-4-6", "claude-opus-4-7"], effort=["low", "high"], strategy="native"),
           *grid(model=["claude-haiku-4-5"], strategy=["none", "xml"])]
results = demo.table(lab.sweep(tasks, configs, repeats=1, name="04_token_accounting"), "04_results")
tokens = demo.table(accounting.tokens_with_sources(lab, "04_token_accounting"), "04_tokens", rows=results)"""),
    ("code", 'demo.table(accounting.billed_vs_shown(results), "04_billed_vs_shown", rows=results)'),
    ("code", 'demo.figure(plots.token_composition(tokens), "04_token_composition")'),
    ("code", 'demo.table(accounting.estimate_errors(tokens), "04_estimate_errors", rows=results)'),
    ("code", 'demo.figure(plots.estimate_error(tokens), "04_estimate_error")'),
    ("md", "## The cost split: input, cache, thinking, visible output"),
    ("code", 'demo.figure(plots.cost_split(results), "04_cost_split")'),
]

NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_thinking_budgets.ipynb": BUDGETS,
    "03_inner_thoughts.ipynb": INNER,
    "04_token_accounting.ipynb": ACCOUNTING,
}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), out / name)
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
