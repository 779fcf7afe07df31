"""labkit.notebook.widgets driven headless: build the panels, set control values, click, assert on outputs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from labkit import Lab
from labkit.core._catalog import get_model
from labkit.notebook.widgets import output_text, playground, sweep_panel
from labkit.notebook.widgets._playground import config_from
from labkit.notebook.widgets._sweep import selected_configs


def _visible(widget: object) -> bool:
    return widget.layout.display != "none" and not widget.disabled  # type: ignore[attr-defined]


def test_playground_offers_only_what_the_model_accepts(lab: Lab) -> None:
    panel = playground(lab)
    c = panel.controls
    c["model"].value = "claude-haiku-4-5"  # budgets only, no effort, prefill accepted, thinking optional
    assert [v for _, v in c["mode"].options] == ["budget", "off"]
    assert _visible(c["budget"]) and not _visible(c["effort"])
    assert "xml+prefill" in c["strategy"].options
    c["mode"].value = "off"
    assert not _visible(c["budget"])
    c["model"].value = "claude-opus-5-5"  # adaptive only and always thinking: no budget, no "off"
    assert [v for _, v in c["mode"].options] == ["adaptive"]
    assert not _visible(c["budget"]) and _visible(c["effort"])
    assert tuple(c["effort"].options) == get_model("claude-opus-5-5").effort_levels
    assert "xml+prefill" not in c["strategy"].options
    c["model"].value = "claude-haiku-5-5"
    assert tuple(c["effort"].options) == ("low", "medium", "high", "max")
    assert [v for _, v in c["mode"].options] == ["adaptive", "off"]


def test_config_from_controls_matches_the_knobs(lab: Lab) -> None:
    c = playground(lab).controls
    c["model"].value = "claude-sonnet-4-6"
    c["mode"].value = "budget"
    c["budget"].value = 8192
    config = config_from(c)
    assert config.thinking.mode == "budget" and config.thinking.budget_tokens == 8192
    assert config.max_tokens > 8192
    c["model"].value = "claude-haiku-4-5"
    c["mode"].value = "off"
    c["strategy"].value = "xml+prefill"
    config = config_from(c)
    assert config.inner_thoughts.strategy == "xml" and config.inner_thoughts.prefill


def test_playground_run_streams_thinking_and_answer_then_usage(lab: Lab) -> None:
    panel = playground(lab)
    c, out = panel.controls, panel.outputs
    c["model"].value = "claude-sonnet-4-6"
    c["mode"].value = "budget"
    c["budget"].value = 4096
    c["prompt"].value = "What is 12 + 30?"
    counts: list[str] = []
    out["counter"].observe(lambda change: counts.append(change["new"]), names="value")
    c["run"].click()
    streaming = [v for v in counts if v.startswith("streaming")]
    assert len(streaming) > 2 and streaming[0] != streaming[-1]  # the counter moved while tokens arrived
    trial = panel.state["trial"]
    assert trial.status == "ok", trial.error_message
    thinking, answer = output_text(out["thinking"]), output_text(out["answer"])
    assert thinking and thinking == trial.reasoning
    assert answer.strip() and answer == trial.answer
    assert len(out["answer"].outputs) == 1  # streamed deltas merge into one block
    assert out["counter"].value.startswith("done · thinking")
    usage = output_text(out["usage"])
    assert "input_tokens" in usage and "cost_usd" in usage and "stop_reason" in usage
    assert c["run"].description == "Run" and not c["run"].disabled


def test_playground_shows_a_rejected_config_without_sending(lab: Lab) -> None:
    panel = playground(lab)
    c = panel.controls
    c["model"].value = "claude-haiku-4-5"
    c["mode"].value = "budget"
    c["budget"].value = 2048
    c["strategy"].value = "xml+prefill"
    c["run"].click()
    assert "trial" not in panel.state
    assert output_text(panel.outputs["usage"]).startswith("Not sent")
    assert lab.results().empty


def test_sweep_panel_skips_knobs_a_model_rejects(lab: Lab) -> None:
    c = sweep_panel(lab).controls
    c["models"].value = ("claude-sonnet-4-6", "claude-opus-5-5")
    c["budgets"].value = (1024, 4096)
    c["efforts"].value = ("low",)
    c["strategies"].value = ("native",)
    configs, skipped = selected_configs(c)
    budgets = sorted((cfg.model, cfg.thinking.budget_tokens) for cfg in configs if cfg.thinking.mode == "budget")
    assert budgets == [("claude-sonnet-4-6", 1024), ("claude-sonnet-4-6", 4096)]
    assert {cfg.model for cfg in configs if cfg.thinking.mode == "adaptive"} == {"claude-sonnet-4-6", "claude-opus-5-5"}
    assert len(skipped) == 2 and all(cell["model"] == "claude-opus-5-5" for cell, _ in skipped)


def test_sweep_panel_estimates_runs_and_plots(lab: Lab) -> None:
    panel = sweep_panel(lab)
    c, out = panel.controls, panel.outputs
    c["models"].value = ("claude-sonnet-4-6",)
    c["budgets"].value = (1024, 4096)
    c["efforts"].value = ()
    c["strategies"].value = ("native",)
    c["repeats"].value = 1
    c["categories"].value = tuple(c["categories"].options[:1])
    c["name"].value = "panel-test"
    c["estimate"].click()
    assert panel.state["estimate_usd"] > 0
    assert "trials" in output_text(out["estimate"])
    c["run"].click()
    assert out["progress"].value == out["progress"].max == 2
    results = panel.state["results"]
    assert len(results) == panel.state["trials"] and set(results["budget_tokens"]) == {1024, 4096}
    titles = [ax.get_title() for ax in panel.state["figures"]]
    assert "Thinking tokens vs thinking budget" in titles and "Accuracy vs effort level" not in titles
    assert sum("image/png" in o.get("data", {}) for o in out["plots"].outputs) == len(titles)
    assert out["status"].value.startswith("done")


def test_stream_view_returns_the_trial(lab: Lab) -> None:
    from labkit import Config, ThinkingConfig
    from labkit.notebook.widgets import stream

    thinking = ThinkingConfig(mode="budget", budget_tokens=1024)
    config = Config(model="claude-sonnet-4-6", max_tokens=4096, thinking=thinking)
    trial = stream(lab, "What is 6 * 7?", config, experiment="view", show=False)
    assert trial.status == "ok" and trial.reasoning
    assert lab.results("view")["trial_key"].tolist() == [trial.trial_key]


def test_side_by_side_shows_each_value_as_json() -> None:
    from labkit.core._wire import ChatCompletion
    from labkit.notebook.widgets import side_by_side

    completion = ChatCompletion.model_validate({"id": "c1", "model": "m", "choices": []})
    view = side_by_side({"request <1>": {"model": "m", "messages": []}, "completion": completion})
    assert "request &lt;1&gt;" in view.value and "&quot;messages&quot;: []" in view.value
    assert "&quot;id&quot;: &quot;c1&quot;" in view.value


def test_playground_explains_omitted_display_and_offers_the_control(lab: Lab) -> None:
    panel = playground(lab)
    c, out = panel.controls, panel.outputs
    c["model"].value = "claude-opus-4-7"  # default display omitted
    c["mode"].value = "adaptive"
    assert _visible(c["display"]) and c["display"].options[0][0] == "model default (omitted)"
    assert "billed" in c["note"].value and "summarized" in c["note"].value
    c["prompt"].value = "What is 12 + 30?"
    c["run"].click()
    trial = panel.state["trial"]
    assert trial.ok and trial.tokens.thinking > 0 and not trial.reasoning
    shown = output_text(out["thinking"])
    assert "Display omitted" in shown and f"{trial.tokens.thinking:,} tokens" in shown
    c["display"].value = "summarized"
    assert "billed" not in c["note"].value
    c["run"].click()
    assert panel.state["trial"].reasoning and "Display omitted" not in output_text(out["thinking"])
    c["mode"].value = "off"
    assert not _visible(c["display"])


def test_playground_kwargs_adds_the_demo_tool_and_says_so(lab: Lab) -> None:
    panel = playground(lab)
    c = panel.controls
    c["model"].value = "claude-haiku-4-5"
    c["mode"].value = "off"
    c["strategy"].value = "kwargs"
    assert "calculator" in c["note"].value
    config = config_from(c)
    assert [t["function"]["name"] for t in config.tools] == ["calculator"]
    assert config.trial_knobs().strategy == "kwargs"
    c["strategy"].value = "none"
    assert config_from(c).tools is None and "calculator" not in c["note"].value


def test_playground_counts_inner_thoughts_under_their_own_label(lab: Lab) -> None:
    panel = playground(lab)
    c, out = panel.controls, panel.outputs
    c["model"].value = "claude-haiku-4-5"
    c["mode"].value = "off"
    c["strategy"].value = "xml"
    c["prompt"].value = "What is 12 + 30?"
    c["run"].click()
    trial = panel.state["trial"]
    assert trial.ok and trial.reasoning and output_text(out["thinking"]) == trial.reasoning
    counter = out["counter"].value
    assert "thinking 0 tokens" in counter and "inner thoughts ≈ " in counter
    assert "inner thoughts ≈ 0 tokens" not in counter


def test_sweep_panel_estimate_is_money_with_an_expected_cost_and_no_table_dump(lab: Lab) -> None:
    import re

    panel = sweep_panel(lab)
    c, out = panel.controls, panel.outputs
    c["models"].value = ("claude-sonnet-4-6",)
    c["budgets"].value = (1024,)
    c["efforts"].value = ()
    c["repeats"].value = 1
    c["categories"].value = tuple(c["categories"].options[:1])
    c["estimate"].click()
    markup = out["estimate"].outputs[-1]["data"]["text/html"]
    sentence = markup.split("<details>")[0]
    assert "expected about" in sentence and "emulator dry run (synthetic)" in sentence and "at most" in sentence
    from labkit.tokens import format_usd

    amounts = re.findall(r"\$[0-9,]+\.[0-9]+", sentence)
    assert amounts == [format_usd(panel.state["expected_usd"]), format_usd(panel.state["estimate_usd"])]
    assert "<table" not in sentence and "<details><summary>" in markup  # the table is folded away
    assert 0 < panel.state["expected_usd"] < panel.state["estimate_usd"]
