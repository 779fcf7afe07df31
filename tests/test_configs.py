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
