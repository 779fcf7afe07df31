"""Config and grid: validation before sending, knobs, cartesian product, skip and fallback policies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit import ConfigError, InnerThoughts, ThinkingConfig, UnknownModelError
from labkit.core._catalog import get_model, list_models
from labkit.lab._experiment import Config, GridResult, grid, rule_problem

ADAPTIVE_ONLY = "claude-opus-5-5"
BUDGET_AND_ADAPTIVE = "claude-opus-4-6"
BUDGET_ONLY_PREFILL = "claude-haiku-4-5"


def test_unknown_model_names_nearest_ids() -> None:
    with pytest.raises(UnknownModelError, match="claude-opus-4-6"):
        Config(model="claude-opus-4-66")


def test_bad_field_names_the_field() -> None:
    with pytest.raises(ConfigError, match="max_tokens"):
        Config(model=ADAPTIVE_ONLY, max_tokens=0)
    with pytest.raises(ConfigError, match="colour"):
        Config(model=ADAPTIVE_ONLY, colour="red")


def test_model_rejected_knobs_fail_at_construction() -> None:
    with pytest.raises(ConfigError, match=r"budget|enabled"):
        Config(model=ADAPTIVE_ONLY, thinking=ThinkingConfig(mode="budget", budget_tokens=2048))
    with pytest.raises(ConfigError, match="prefill"):
        Config(model="claude-sonnet-5", thinking=ThinkingConfig(mode="off"),
               inner_thoughts=InnerThoughts(strategy="xml", prefill=True))
    with pytest.raises(ConfigError, match="always thinks"):
        Config(model=ADAPTIVE_ONLY, thinking=ThinkingConfig(mode="off"))
    with pytest.raises(ConfigError):
        Config(model=BUDGET_AND_ADAPTIVE, max_tokens=2048, thinking=ThinkingConfig(mode="budget", budget_tokens=4096))


def test_knobs() -> None:
    config = Config(model=BUDGET_AND_ADAPTIVE, thinking={"mode": "budget", "budget_tokens": 2048})
    knobs = config.knobs()
    display = get_model(BUDGET_AND_ADAPTIVE).default_display
    assert knobs == {"budget": 2048, "effort": None, "mode": "budget", "display": display,
                     "strategy": "native", "tag": None, "prefill": False}
    xml = Config(model=BUDGET_ONLY_PREFILL, thinking={"mode": "off"},
                 inner_thoughts={"strategy": "xml", "tag": "scratch", "prefill": True})
    assert xml.knobs() | {"display": None} == {"budget": None, "effort": None, "mode": "off", "display": None,
                                               "strategy": "xml+prefill", "tag": "scratch", "prefill": True}


def test_prepare_adds_task_tools_and_system() -> None:
    tool = {"type": "function", "function": {"name": "calc", "parameters": {"type": "object", "properties": {}}}}
    config = Config(model=BUDGET_AND_ADAPTIVE, system="Be brief.", inner_thoughts={"strategy": "kwargs"},
                    thinking={"mode": "off"})
    params = config.prepare([{"role": "user", "content": "2+2?"}], [tool])
    assert params["model"] == BUDGET_AND_ADAPTIVE
    assert [t["name"] for t in params["tools"]] == ["calc"]
    assert next(iter(params["tools"][0]["input_schema"]["properties"])) == "inner_thoughts"
    assert "Be brief." in str(params["system"])


def test_grid_is_the_cartesian_product() -> None:
    configs = grid(model=[BUDGET_AND_ADAPTIVE, "claude-sonnet-4-6"], budget=[1024, 2048, 4096])
    assert isinstance(configs, GridResult)
    assert len(configs) == 6 and not configs.skipped
    assert {(c.model, c.knobs()["budget"]) for c in configs} == {
        (m, b) for m in (BUDGET_AND_ADAPTIVE, "claude-sonnet-4-6") for b in (1024, 2048, 4096)}


def test_grid_skip_reports_each_cell_with_reason() -> None:
    configs = grid(model=[ADAPTIVE_ONLY, BUDGET_AND_ADAPTIVE], budget=[1024, 2048])
    assert [c.model for c in configs] == [BUDGET_AND_ADAPTIVE] * 2
    assert len(configs.skipped) == 2
    for cell, reason in configs.skipped:
        assert cell["model"] == ADAPTIVE_ONLY
        assert "budget" in reason or "enabled" in reason
    assert "skipped" in configs.report()


def test_grid_strategies_collapse_depth_axes_and_skip_rejected_cells() -> None:
    configs = grid(model=[BUDGET_ONLY_PREFILL, ADAPTIVE_ONLY], budget=[1024, 2048],
                   strategy=["none", "kwargs", "xml", "xml+prefill", "native"])
    by = {(c.model, c.knobs()["strategy"], c.knobs()["prefill"], c.knobs()["budget"]) for c in configs}
    # haiku 4.5: budgets + prefill accepted, thinking can be off
    assert {(BUDGET_ONLY_PREFILL, "none", False, None), (BUDGET_ONLY_PREFILL, "kwargs", False, None),
            (BUDGET_ONLY_PREFILL, "xml", False, None), (BUDGET_ONLY_PREFILL, "xml+prefill", True, None),
            (BUDGET_ONLY_PREFILL, "native", False, 1024), (BUDGET_ONLY_PREFILL, "native", False, 2048)} <= by
    assert len([c for c in configs if c.model == BUDGET_ONLY_PREFILL]) == 6
    # opus 5.5 always thinks (off rejected), takes no budget and no prefill: everything skipped
    assert not [c for c in configs if c.model == ADAPTIVE_ONLY]
    reasons = [r for cell, r in configs.skipped if cell["model"] == ADAPTIVE_ONLY]
    assert len(reasons) == 6


def test_grid_fallback_records_what_it_replaced() -> None:
    configs = grid(model=ADAPTIVE_ONLY, budget=[1024, 16384], strategy=["xml+prefill", "native"], policy="fallback")
    assert configs, configs.report()
    for config in configs:
        assert rule_problem(config) is None
        assert config.fallback_from
    efforts = {c.knobs()["effort"] for c in configs if c.knobs()["strategy"] == "native"}
    assert efforts == {"low", "max"}
    xml = [c for c in configs if c.inner_thoughts is not None]
    assert len(xml) == 1 and not xml[0].inner_thoughts.prefill
    assert "strategy=xml+prefill" in (xml[0].fallback_from or "")


def test_grid_fallback_effort_level_the_model_lacks() -> None:
    [config] = grid(model="claude-haiku-5-5", effort="xhigh", policy="fallback")
    assert config.knobs()["effort"] in get_model("claude-haiku-5-5").effort_levels
    assert config.fallback_from == "effort=xhigh"
    assert not grid(model="claude-haiku-5-5", effort="xhigh").__len__()


def test_grid_fallback_on_a_budget_only_model_names_the_unset_budget() -> None:
    """Regression: repairing a native cell without a budget on a budget-only model recorded ``""``."""
    budget_only = next(m for m in list_models() if m.accepts_budget and not m.accepts_adaptive)  # type: ignore[union-attr]
    [config] = grid(model=budget_only.id, strategy="native", policy="fallback")
    assert config.knobs()["budget"] is not None
    assert config.fallback_from == "budget=unset"
    [direct] = grid(model=budget_only.id, budget=2048, strategy="native", policy="fallback")
    assert direct.fallback_from is None


def test_grid_rejects_bad_axes() -> None:
    with pytest.raises(ConfigError, match="strategy"):
        grid(model=ADAPTIVE_ONLY, strategy=["telepathy"])
    with pytest.raises(ConfigError, match="policy"):
        grid(model=ADAPTIVE_ONLY, policy="hope")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="empty"):
        grid(model=[])
    with pytest.raises(UnknownModelError):
        grid(model="claude-nonesuch")


MODELS = [m.id for m in list_models()]  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    budget=st.sampled_from([None, 1024, 2048, 8192, 20000]),
    effort=st.sampled_from([None, "low", "medium", "high", "xhigh", "max"]),
    strategy=st.sampled_from([None, "none", "kwargs", "xml", "xml+prefill", "native"]),
    policy=st.sampled_from(["skip", "fallback"]),
)
def test_grid_cells_are_valid_or_reported(model: str, budget: int | None, effort: str | None,
                                          strategy: str | None, policy: str) -> None:
    configs = grid(model=model, budget=budget, effort=effort, strategy=strategy, policy=policy)  # type: ignore[arg-type]
    # grid by model line (issue 13): a budget and an effort are two cells, never one crossed cell, on a
    # model that takes both (or neither, so both are reported); one cell otherwise
    info = get_model(model)
    takes_budget, takes_effort = info.accepts_budget, bool(info.effort_levels) and info.accepts_adaptive
    split = budget is not None and effort is not None and strategy in (None, "native")
    cells = 2 if split and takes_budget == takes_effort else 1
    assert len(configs) + len(configs.skipped) == cells
    as_given = grid(model=model, budget=budget, effort=effort, strategy=strategy)  # type: ignore[arg-type]
    valid_as_given = len(as_given) == cells
    for config in configs:
        assert rule_problem(config) is None
        if policy == "skip" or valid_as_given or any(config == other for other in as_given):
            assert config.fallback_from is None
        else:  # a fallback names what it replaced: never None, never an empty string
            assert isinstance(config.fallback_from, str) and config.fallback_from.strip()
    for _cell, reason in configs.skipped:
        assert reason


def test_default_max_tokens_gives_every_budget_room_to_answer() -> None:
    configs = grid(model="claude-sonnet-4-6", budget=[1024, 16384])
    assert not configs.skipped
    assert [c.max_tokens for c in configs] == [1024 + 8192, 16384 + 8192]
    haiku = grid(model="claude-haiku-4-5", budget=[60000])  # capped at the model's 64K max output
    assert [c.max_tokens for c in haiku] == [64000]
    fixed = grid(model="claude-sonnet-4-6", budget=[1024, 16384], max_tokens=8192)
    assert [c.max_tokens for c in fixed] == [8192]
    [(cell, reason)] = fixed.skipped
    assert cell["budget"] == 16384 and "max_tokens" in reason
