"""The shipped model catalog: every SDK model id, consistent rules, clear errors for unknown ids."""

from __future__ import annotations

import typing

import pytest
from anthropic.types import ModelParam
from hypothesis import given
from hypothesis import strategies as st

from labkit import ConfigError, UnknownModelError, get_model
from labkit.core._catalog import list_models, model_ids


def _sdk_model_ids() -> list[str]:
    literal = typing.get_args(ModelParam)[0]
    return list(typing.get_args(literal))


def test_every_sdk_model_id_is_in_the_catalog() -> None:
    sdk_ids = _sdk_model_ids()
    assert len(sdk_ids) >= 19
    missing = [m for m in sdk_ids if m not in model_ids()]
    assert missing == []


@pytest.mark.parametrize("model_id", _sdk_model_ids())
def test_entries_are_internally_consistent(model_id: str) -> None:
    info = get_model(model_id)
    assert info.thinking_types, "every model accepts some thinking type"
    assert info.thinking_types <= {"adaptive", "enabled", "disabled", "between_tools"}
    assert info.thinking_when_omitted in {"off", "adaptive"}
    assert info.default_display in {"summarized", "omitted"}
    assert set(info.effort_levels) <= {"low", "medium", "high", "xhigh", "max"}
    if info.default_effort is not None:
        assert info.default_effort in info.effort_levels
    assert 0 < info.max_output <= info.context_window
    assert info.prices.output > info.prices.input > info.prices.cache_read > 0
    assert info.prices.cache_write_5m == pytest.approx(info.prices.input * 1.25)
    assert info.prices_read == "2026-11-23"


def test_rules_from_the_reference() -> None:
    assert not get_model("claude-opus-4-7").accepts_budget
    assert get_model("claude-sonnet-4-6").accepts_budget
    assert get_model("claude-opus-5-5").always_thinks
    assert not get_model("claude-opus-5-5").forced_tool_choice
    assert get_model("claude-haiku-4-5").prefill and not get_model("claude-sonnet-4-6").prefill
    assert get_model("claude-opus-4-5").effort_levels == ("low", "medium", "high")
    assert get_model("claude-sonnet-5-5").thinking_types == {"adaptive", "between_tools"}
    assert get_model("claude-opus-5-5").default_effort == "medium"


def test_dated_alias_resolves_to_its_model() -> None:
    assert get_model("claude-sonnet-4-5-20250929").id == "claude-sonnet-4-5"


def test_haiku_5_5_long_prompt_tier() -> None:
    haiku = get_model("claude-haiku-5-5")
    assert haiku.prices_for(1_000).input == pytest.approx(0.10)
    assert haiku.prices_for(150_000).input == pytest.approx(0.50)


def test_unknown_id_names_nearest_known_ids() -> None:
    with pytest.raises(UnknownModelError) as caught:
        get_model("claude-sonet-5")
    assert isinstance(caught.value, ConfigError)
    assert "claude-sonnet-5" in str(caught.value)
    assert caught.value.suggestions[0] == "claude-sonnet-5"


def test_list_models_is_newest_first_without_aliases() -> None:
    models = list_models()
    assert len(models) == 19
    dates = [m.created_at for m in models]  # type: ignore[union-attr]
    assert dates == sorted(dates, reverse=True)


def test_live_capabilities_override_the_catalog() -> None:
    live = {
        "max_tokens": 64000,
        "capabilities": {
            "thinking": {"supported": True, "types": {"adaptive": {"supported": True}}},
            "effort": {"supported": True, "low": {"supported": True}, "high": {"supported": True}},
        },
    }
    info = get_model("claude-sonnet-4-6").with_live_capabilities(live)
    assert info.source == "live"
    assert info.max_output == 64000
    assert info.thinking_types == {"adaptive"}
    assert info.effort_levels == ("low", "high")


@pytest.mark.parametrize(("platform_id", "entry", "platform"), [
    ("anthropic.claude-opus-4-7", "claude-opus-4-7", "bedrock"),
    ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "bedrock"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "bedrock"),
    ("global.anthropic.claude-fable-5-2", "claude-fable-5-2", "bedrock"),
    ("us-gov.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5", "bedrock"),
    ("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-opus-4-8",
     "claude-opus-4-8", "bedrock"),
    ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-6-v1", "claude-opus-4-6", "bedrock"),
    ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5", "vertex"),
    ("claude-opus-4-5@20251101", "claude-opus-4-5", "vertex"),
])  # fmt: skip
def test_platform_ids_resolve_to_their_entry(platform_id: str, entry: str, platform: str) -> None:
    from labkit.core import platform_of

    assert get_model(platform_id).id == entry
    assert get_model(platform_id, platform=platform).id == entry  # type: ignore[arg-type]
    assert platform_of(platform_id) == platform
    with pytest.raises(UnknownModelError):
        get_model(platform_id, platform="anthropic")


def test_every_catalog_model_has_a_bedrock_and_a_vertex_id() -> None:
    from labkit.core import platform_model_ids

    for info in list_models():
        assert info.bedrock_ids and info.vertex_ids  # type: ignore[union-attr]
        assert get_model(f"us.{info.bedrock_ids[0]}") is get_model(info.id)  # type: ignore[union-attr]
    assert len(platform_model_ids("bedrock")) == len(list_models())
    assert "claude-opus-4-7" in platform_model_ids("vertex")  # an undated Vertex id is the Anthropic id


def test_bedrock_ids_are_the_ones_bedrock_answers_to() -> None:
    """Bedrock ids as public sources give them (see the catalog's ``platform_ids`` note): dated with
    ``-v1:0`` up to the 4.5 generation, ``-v1`` for Opus 4.6 only, no suffix from Sonnet 4.6 on. A
    suffix labkit once made up for the newer models is no Bedrock id: it names the real one."""
    for bedrock_id, entry in [
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5"),
        ("anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("anthropic.claude-sonnet-4-6", "claude-sonnet-4-6"),
        ("anthropic.claude-opus-4-7", "claude-opus-4-7"),
        ("us.anthropic.claude-opus-4-8", "claude-opus-4-8"),  # recorded: Bedrock answered it with a 200
        ("global.anthropic.claude-opus-5", "claude-opus-5"),
        ("anthropic.claude-mythos-preview", "claude-mythos-preview"),
    ]:
        assert get_model(bedrock_id, platform="bedrock").id == entry, bedrock_id
    with pytest.raises(UnknownModelError, match=r"anthropic\.claude-opus-4-8"):
        get_model("us.anthropic.claude-opus-4-8-v1", platform="bedrock")


def test_unknown_platform_ids_name_the_nearest_known_ones() -> None:
    with pytest.raises(UnknownModelError, match=r"Nearest known ids: anthropic\.claude-opus-4-8"):
        get_model("us.anthropic.claude-opus-4-9")
    with pytest.raises(UnknownModelError, match="claude-sonnet-4-5@20250929"):
        get_model("claude-sonnet-4-5@20250930", platform="vertex")
    with pytest.raises(UnknownModelError):
        get_model("anthropic.claude-opus-4-7", platform="vertex")
    with pytest.raises(UnknownModelError):
        get_model("claude-opus-4-7", platform="bedrock")  # Bedrock never takes the bare Anthropic id
    with pytest.raises(ConfigError, match="Nearest known ids"):
        from labkit.lab import Config

        Config(model="eu.anthropic.claude-sonnet-4-5-20250929-v2:0")


def test_live_capabilities_apply_only_inside_the_block() -> None:
    from labkit.core import live_capabilities

    info = get_model("claude-opus-4-7")
    live = info.with_live_capabilities({"max_tokens": 1000})
    with live_capabilities({info.id: live}):
        assert get_model("anthropic.claude-opus-4-7").max_output == 1000
        assert get_model("claude-opus-4-7").source == "live"
    assert get_model("claude-opus-4-7").source == "catalog"


@given(st.sampled_from([m.id for m in list_models()]),  # type: ignore[union-attr]
       st.sampled_from(["", "us.", "eu.", "apac.", "jp.", "au.", "global.", "us-gov.", "ca."]),
       st.sampled_from(["", "arn:aws:bedrock:us-west-2:111122223333:inference-profile/",
                        "arn:aws:bedrock:us-west-2::foundation-model/"]))  # fmt: skip
def test_every_bedrock_spelling_of_every_model_resolves(model_id: str, geography: str, arn: str) -> None:
    info = get_model(model_id)
    for bedrock_id in info.bedrock_ids:
        assert get_model(f"{arn}{geography}{bedrock_id}", platform="bedrock") is info
    for vertex_id in info.vertex_ids:
        assert get_model(vertex_id, platform="vertex") is info
