"""ThinkingConfig and InnerThoughts: shape checks that raise ConfigError naming the field."""

from __future__ import annotations

import pytest

from labkit import ConfigError, InnerThoughts, ThinkingConfig


def test_defaults() -> None:
    assert ThinkingConfig().mode == "adaptive"
    assert InnerThoughts() == InnerThoughts(strategy="none", tag="thinking", prefill=False)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"mode": "budget"}, "budget_tokens"),
        ({"mode": "budget", "budget_tokens": 1023}, "1024"),
        ({"mode": "adaptive", "budget_tokens": 2048}, "budget_tokens"),
        ({"mode": "sometimes"}, "mode"),
        ({"effort": "huge"}, "effort"),
        ({"mode": "off", "display": "omitted"}, "display"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_thinking_configs_name_the_field(fields: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        ThinkingConfig(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"strategy": "kwargs", "prefill": True}, "prefill"),
        ({"strategy": "xml", "tag": "<thinking>"}, "tag"),
        ({"strategy": "telepathy"}, "strategy"),
    ],
)
def test_bad_inner_thoughts_name_the_field(fields: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        InnerThoughts(**fields)  # type: ignore[arg-type]


def test_configs_are_frozen_and_hashable() -> None:
    config = ThinkingConfig(mode="budget", budget_tokens=4096)
    assert hash(config) == hash(ThinkingConfig(mode="budget", budget_tokens=4096))
    with pytest.raises(Exception, match="frozen"):
        config.mode = "off"  # type: ignore[misc]


def test_parse_accepts_dicts_instances_and_none() -> None:
    assert ThinkingConfig.parse(None) is None
    assert ThinkingConfig.parse({"mode": "off"}) == ThinkingConfig(mode="off")
    with pytest.raises(ConfigError, match="ThinkingConfig"):
        ThinkingConfig.parse(42)


def test_inferred_modes_and_short_forms() -> None:
    assert ThinkingConfig(budget_tokens=4096) == ThinkingConfig(mode="budget", budget_tokens=4096)
    assert ThinkingConfig(effort="high") == ThinkingConfig(mode="adaptive", effort="high")
    assert ThinkingConfig.coerce(4096) == ThinkingConfig(mode="budget", budget_tokens=4096)
    assert ThinkingConfig.coerce("budget:2048") == ThinkingConfig(mode="budget", budget_tokens=2048)
    assert ThinkingConfig.coerce("adaptive") == ThinkingConfig(mode="adaptive")
    assert ThinkingConfig.coerce("off") == ThinkingConfig(mode="off")
    assert ThinkingConfig.coerce("xhigh") == ThinkingConfig(mode="adaptive", effort="xhigh")
    assert ThinkingConfig.coerce({"budget_tokens": 1024}).mode == "budget"
    assert InnerThoughts.coerce("xml+prefill") == InnerThoughts(strategy="xml", prefill=True)
    assert InnerThoughts.coerce("kwargs") == InnerThoughts(strategy="kwargs")
    assert InnerThoughts(strategy="xml", prefill=True).name == "xml+prefill"


@pytest.mark.parametrize(
    ("value", "named"),
    [("budget", "needs a number"), ("sometimes", "short form"), (True, "mode name"), (512, "1024")],
)
def test_ambiguous_or_bad_thinking_short_forms_are_refused(value: object, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        ThinkingConfig.coerce(value)


def test_native_is_not_an_inner_thought_strategy_and_prefill_must_agree() -> None:
    with pytest.raises(ConfigError, match="native thinking"):
        InnerThoughts.coerce("native")
    with pytest.raises(ConfigError, match="contradicts"):
        InnerThoughts(strategy="xml+prefill", prefill=False)  # type: ignore[arg-type]
