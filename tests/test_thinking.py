"""Tests for labkit.convert._thinking: ThinkingConfig -> thinking/effort params, checked against the catalog."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.convert._thinking import (
    ThinkingParams,
    check_effort,
    check_forced_tool_choice,
    check_max_tokens,
    thinking_params,
    thinks_by_default,
)
from labkit.core._catalog import get_model, list_models
from labkit.core._configs import EFFORT_LEVELS, ThinkingConfig
from labkit.core._errors import ConfigError

BUDGET_MODEL = "claude-sonnet-4-5"  # enabled + disabled, no effort
OPUS_45 = "claude-opus-4-5"  # enabled + disabled, effort low/medium/high
OPUS_47 = "claude-opus-4-7"  # adaptive + disabled, off when omitted
ALWAYS = "claude-fable-5-2"  # adaptive only, always thinks
SONNET_55 = "claude-sonnet-5-5"  # adaptive + between_tools
HAIKU_55 = "claude-haiku-5-5"  # adaptive + disabled (effort <= high), no xhigh


def params(config: ThinkingConfig | dict[str, object] | None, model: str, max_tokens: int = 8000) -> ThinkingParams:
    return thinking_params(config, get_model(model), max_tokens=max_tokens)


def test_none_sends_nothing() -> None:
    out = params(None, ALWAYS)
    assert (out.thinking, out.effort, out.thinking_on) == (None, None, False)


def test_budget_on_a_budget_model() -> None:
    out = params(ThinkingConfig(mode="budget", budget_tokens=2048), BUDGET_MODEL, max_tokens=4096)
    assert out.thinking == {"type": "enabled", "budget_tokens": 2048}
    assert out.thinking_on


def test_budget_with_display_and_effort_on_opus_45() -> None:
    cfg = ThinkingConfig(mode="budget", budget_tokens=1024, effort="medium", display="omitted")
    out = params(cfg, OPUS_45)
    assert out.thinking == {"type": "enabled", "budget_tokens": 1024, "display": "omitted"}
    assert out.effort == "medium"


@pytest.mark.parametrize("model", [OPUS_47, ALWAYS, SONNET_55, HAIKU_55, "claude-opus-5-5"])
def test_budget_refused_where_enabled_is_not_accepted(model: str) -> None:
    with pytest.raises(ConfigError, match=rf"thinking\.mode='budget'.*{model}.*adaptive"):
        params(ThinkingConfig(mode="budget", budget_tokens=2048), model)


@pytest.mark.parametrize("max_tokens", [2048, 1500])
def test_budget_must_be_below_max_tokens(max_tokens: int) -> None:
    with pytest.raises(ConfigError, match=rf"thinking\.budget_tokens=2048 must be below max_tokens={max_tokens}"):
        params(ThinkingConfig(mode="budget", budget_tokens=2048), BUDGET_MODEL, max_tokens=max_tokens)


def test_budget_below_1024_refused_by_the_config() -> None:
    # regression: no >= 1024 check
    with pytest.raises(ConfigError, match="budget_tokens must be >= 1024"):
        params({"mode": "budget", "budget_tokens": 500}, BUDGET_MODEL)


def test_adaptive_with_effort_and_display() -> None:
    out = params(ThinkingConfig(mode="adaptive", effort="xhigh", display="summarized"), ALWAYS)
    assert out.thinking == {"type": "adaptive", "display": "summarized"}
    assert out.effort == "xhigh"


def test_adaptive_refused_on_models_without_it() -> None:
    with pytest.raises(ConfigError, match=rf"thinking\.mode='adaptive'.*{BUDGET_MODEL}"):
        params(ThinkingConfig(mode="adaptive"), BUDGET_MODEL)


def test_effort_only_at_levels_the_model_has() -> None:
    with pytest.raises(ConfigError, match=rf"thinking\.effort='xhigh'.*{HAIKU_55}.*low, medium, high, max"):
        params(ThinkingConfig(effort="xhigh"), HAIKU_55)
    with pytest.raises(ConfigError, match=rf"thinking\.effort='low'.*{BUDGET_MODEL} does not accept"):
        params(ThinkingConfig(mode="off", effort="low"), BUDGET_MODEL)
    with pytest.raises(ConfigError, match="not an effort level"):
        check_effort(get_model(ALWAYS), "extreme")


def test_off_sends_disabled_where_accepted() -> None:
    out = params(ThinkingConfig(mode="off"), OPUS_47)
    assert out.thinking == {"type": "disabled"}
    assert not out.thinking_on


@pytest.mark.parametrize("model", [ALWAYS, "claude-opus-5-5", "claude-mythos-5-1"])
def test_off_refused_on_always_thinking_models_with_a_hint(model: str) -> None:
    with pytest.raises(ConfigError, match=rf"thinking\.mode='off': {model} always thinks.*effort='low'"):
        params(ThinkingConfig(mode="off"), model)


def test_off_on_sonnet_55_hints_between_tools() -> None:
    with pytest.raises(ConfigError, match="between_tools"):
        params(ThinkingConfig(mode="off"), SONNET_55)


def test_off_effort_above_disabled_max_refused() -> None:
    assert params(ThinkingConfig(mode="off", effort="high"), HAIKU_55).effort == "high"
    with pytest.raises(ConfigError, match=rf"thinking\.effort='max' with mode='off'.*{HAIKU_55}.*<= 'high'"):
        params(ThinkingConfig(mode="off", effort="max"), HAIKU_55)
    with pytest.raises(ConfigError, match="effort <= 'high'"):
        params(ThinkingConfig(mode="off", effort="xhigh"), "claude-opus-5")


def test_fallback_effort_used_and_checked_against_disabled_limit() -> None:
    model = get_model(HAIKU_55)
    assert thinking_params(None, model, max_tokens=100, fallback_effort="low").effort == "low"
    assert thinking_params(ThinkingConfig(effort="high"), model, max_tokens=100, fallback_effort="low").effort == "high"
    with pytest.raises(ConfigError, match="effort <= 'high'"):
        thinking_params(ThinkingConfig(mode="off"), model, max_tokens=100, fallback_effort="max")


def test_max_tokens_above_model_max_refused() -> None:
    with pytest.raises(ConfigError, match=rf"max_tokens=64001 is above {BUDGET_MODEL}'s max output of 64000"):
        params(None, BUDGET_MODEL, max_tokens=64001)
    with pytest.raises(ConfigError, match="max_tokens must be >= 0"):
        check_max_tokens(get_model(ALWAYS), -1)
    check_max_tokens(get_model(ALWAYS), 0)  # cache pre-warm is legal


def test_config_dict_accepted_and_bad_config_type_refused() -> None:
    assert params({"mode": "adaptive"}, ALWAYS).thinking == {"type": "adaptive"}
    with pytest.raises(ConfigError, match="expected ThinkingConfig"):
        params("adaptive", ALWAYS)  # type: ignore[arg-type]


def test_thinks_by_default() -> None:
    assert thinks_by_default(get_model(ALWAYS))
    assert not thinks_by_default(get_model(OPUS_47))


# ----------------------------------------------------------------------------- forced tool choice


@pytest.mark.parametrize("choice", [{"type": "any"}, {"type": "tool", "name": "f"}])
def test_forced_tool_choice_with_thinking_refused(choice: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=rf"tool_choice: {OPUS_47} rejects forced tool use.*while thinking is on"):
        check_forced_tool_choice(get_model(OPUS_47), choice, thinking_on=True)


def test_forced_tool_choice_without_thinking_passes() -> None:
    choice = {"type": "any", "disable_parallel_tool_use": True}
    assert check_forced_tool_choice(get_model(OPUS_47), choice, thinking_on=False) == (choice, None)


def test_forced_tool_choice_refused_on_models_that_never_take_it() -> None:
    with pytest.raises(ConfigError, match=rf"{ALWAYS} rejects forced tool use.*'downgrade'"):
        check_forced_tool_choice(get_model(ALWAYS), {"type": "any"}, thinking_on=False)


def test_forced_tool_choice_downgrade_is_recorded() -> None:
    choice, note = check_forced_tool_choice(
        get_model(OPUS_47),
        {"type": "tool", "name": "f", "disable_parallel_tool_use": True},
        thinking_on=True,
        policy="downgrade",
    )
    assert choice == {"type": "auto", "disable_parallel_tool_use": True}
    assert note is not None and "downgraded from 'tool' to 'auto'" in note and OPUS_47 in note


@pytest.mark.parametrize("choice", [None, {"type": "auto"}, {"type": "none"}])
def test_unforced_choices_untouched(choice: dict[str, object] | None) -> None:
    assert check_forced_tool_choice(get_model(ALWAYS), choice, thinking_on=True) == (choice, None)


def test_bad_policy_refused() -> None:
    with pytest.raises(ConfigError, match="on_forced_tool_choice"):
        check_forced_tool_choice(get_model(ALWAYS), {"type": "any"}, thinking_on=True, policy="maybe")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- every model x every config


configs = st.builds(
    ThinkingConfig,
    mode=st.sampled_from(["off", "adaptive"]),
    effort=st.none() | st.sampled_from(EFFORT_LEVELS),
) | st.builds(
    ThinkingConfig,
    mode=st.just("budget"),
    budget_tokens=st.integers(min_value=1024, max_value=70000),
    effort=st.none() | st.sampled_from(EFFORT_LEVELS),
)


@given(
    model=st.sampled_from([m.id for m in list_models()]),  # type: ignore[union-attr]
    cfg=configs,
    max_tokens=st.integers(min_value=0, max_value=130000),
)
def test_params_agree_with_the_catalog_or_raise_naming_the_model(
    model: str, cfg: ThinkingConfig, max_tokens: int
) -> None:
    info = get_model(model)
    try:
        out = thinking_params(cfg, info, max_tokens=max_tokens)
    except ConfigError as exc:
        assert model in str(exc)
        return
    assert max_tokens <= info.max_output
    assert out.thinking is not None
    kind = out.thinking["type"]
    assert kind in info.thinking_types
    if kind == "enabled":
        assert 1024 <= out.thinking["budget_tokens"] < max_tokens
    if out.effort is not None:
        assert out.effort in info.effort_levels
        if kind == "disabled" and info.disabled_max_effort:
            assert EFFORT_LEVELS.index(out.effort) <= EFFORT_LEVELS.index(info.disabled_max_effort)
