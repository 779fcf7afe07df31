"""Token records with provenance and their price: tiers, batch discount, thinking vs visible split."""

from __future__ import annotations

from dataclasses import replace

import pytest
from anthropic.types import Usage as SdkUsage
from hypothesis import given
from hypothesis import strategies as st

from labkit.core._catalog import get_model
from labkit.core._errors import ConversionError, UnknownModelError
from labkit.tokens._cost import (
    CostSplit,
    TokenRecord,
    count_text_tokens,
    price,
    sum_costs,
    sum_tokens,
    token_record,
)
from labkit.tokens._tokenizer import count_tokens

MILLION = 1_000_000


def test_reported_usage_dict_gives_reported_thinking_and_visible_split() -> None:
    usage = {
        "input_tokens": 42,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 187,
        "output_tokens_details": {"thinking_tokens": 160},
    }
    rec = token_record(usage, thinking_text="short summary")
    assert (rec.input, rec.output, rec.thinking, rec.visible) == (42, 187, 160, 27)
    assert rec.source == "reported" and rec.thinking_source == "reported"
    assert rec.overall_source == "reported"


def test_sdk_usage_object_with_cache_ttl_breakdown() -> None:
    usage = SdkUsage.model_validate(
        {
            "input_tokens": 10,
            "output_tokens": 50,
            "cache_creation_input_tokens": 300,
            "cache_read_input_tokens": 700,
            "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200},
            "output_tokens_details": {"thinking_tokens": 20},
        }
    )
    rec = token_record(usage)
    assert (rec.cache_write_5m, rec.cache_write_1h, rec.cache_write, rec.cache_read) == (100, 200, 300, 700)
    assert rec.total_input == 1010
    assert (rec.thinking, rec.visible) == (20, 30)


def test_cache_write_without_breakdown_counts_as_five_minutes() -> None:
    rec = token_record({"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 64})
    assert (rec.cache_write_5m, rec.cache_write_1h) == (64, 0)


def test_no_thinking_block_means_zero_thinking_reported() -> None:
    rec = token_record({"input_tokens": 5, "output_tokens": 30})
    assert (rec.thinking, rec.visible, rec.thinking_source) == (0, 30, "reported")


def test_unreported_thinking_is_estimated_from_visible_thinking_text() -> None:
    text = "Check divisors up to 9: none divide it. So 97 is prime."
    rec = token_record({"input_tokens": 5, "output_tokens": 500}, thinking_text=text)
    assert rec.thinking == count_tokens(text)
    assert rec.visible == 500 - rec.thinking
    assert rec.thinking_source == "estimated" and rec.source == "reported"
    assert rec.overall_source == "estimated"


def test_unreported_hidden_thinking_is_estimated_from_output_minus_visible_text() -> None:
    answer = "Yes, 97 is prime."
    rec = token_record({"input_tokens": 5, "output_tokens": 400}, thinking_text="", visible_text=answer)
    assert rec.visible == count_text_tokens(answer)
    assert rec.thinking == 400 - rec.visible
    assert rec.thinking_source == "estimated"


def test_estimate_never_exceeds_output() -> None:
    rec = token_record({"input_tokens": 1, "output_tokens": 3}, thinking_text="word " * 200)
    assert (rec.thinking, rec.visible) == (3, 0)


@pytest.mark.parametrize(
    "usage",
    [
        {"input_tokens": -1, "output_tokens": 0},
        {"input_tokens": "12", "output_tokens": 0},
        {"input_tokens": 1, "output_tokens": 2, "output_tokens_details": {"thinking_tokens": -4}},
    ],
)
def test_bad_usage_is_a_conversion_error_naming_the_field(usage: dict[str, object]) -> None:
    with pytest.raises(ConversionError, match="usage"):
        token_record(usage)


def test_no_usage_is_a_conversion_error() -> None:
    with pytest.raises(ConversionError, match="no usage"):
        token_record(None)


def test_sonnet_5_5_price_split() -> None:
    rec = TokenRecord(input=1000, cache_write_5m=2000, cache_read=4000, output=3000, thinking=2500, visible=500)
    cost = price(rec, get_model("claude-sonnet-5-5"))
    assert cost.input_usd == pytest.approx(1000 * 2 / MILLION)
    assert cost.cache_usd == pytest.approx((2000 * 2.5 + 4000 * 0.2) / MILLION)
    assert cost.thinking_usd == pytest.approx(2500 * 10 / MILLION)
    assert cost.output_usd == pytest.approx(500 * 10 / MILLION)
    assert cost.total_usd == pytest.approx(cost.input_usd + cost.cache_usd + cost.thinking_usd + cost.output_usd)


def test_opus_5_5_one_hour_cache_write_and_read() -> None:
    rec = TokenRecord(cache_write_1h=MILLION, cache_read=MILLION)
    assert price(rec, get_model("claude-opus-5-5")).cache_usd == pytest.approx(8 + 0.2)


def test_haiku_5_5_tier_switches_above_100k_total_input() -> None:
    haiku = get_model("claude-haiku-5-5")
    small = price(TokenRecord(input=100_000, output=1000, visible=1000), haiku)
    assert small.input_usd == pytest.approx(100_000 * 0.10 / MILLION)
    assert small.output_usd == pytest.approx(1000 * 0.50 / MILLION)
    # cache reads count toward the tier's total input
    large = price(TokenRecord(input=50_000, cache_read=50_001, output=1000, visible=1000), haiku)
    assert large.input_usd == pytest.approx(50_000 * 0.50 / MILLION)
    assert large.cache_usd == pytest.approx(50_001 * 0.05 / MILLION)
    assert large.output_usd == pytest.approx(1000 * 2.50 / MILLION)


def test_batch_halves_every_part() -> None:
    rec = TokenRecord(input=1234, cache_write_5m=10, cache_read=99, output=800, thinking=600, visible=200)
    model = get_model("claude-fable-5-2")
    full, batch = price(rec, model), price(rec, model, batch=True)
    assert model.batch_discount == 0.5
    for part in ("input_usd", "cache_usd", "thinking_usd", "output_usd", "total_usd"):
        assert getattr(batch, part) == pytest.approx(getattr(full, part) * 0.5)


def test_thinking_is_billed_at_the_output_rate() -> None:
    model = get_model("claude-haiku-4-5")
    cost = price(TokenRecord(output=1000, thinking=1000, visible=0), model)
    assert cost.thinking_usd == pytest.approx(1000 * model.prices.output / MILLION)
    assert cost.output_usd == 0.0


def test_empty_cost_split_totals_zero() -> None:
    assert CostSplit().total_usd == 0.0


@given(
    inp=st.integers(0, 10**6),
    out=st.integers(0, 10**5),
    share=st.floats(0, 1),
    reported=st.booleans(),
)
def test_visible_plus_thinking_is_output(inp: int, out: int, share: float, reported: bool) -> None:
    usage: dict[str, object] = {"input_tokens": inp, "output_tokens": out}
    if reported:
        usage["output_tokens_details"] = {"thinking_tokens": int(out * share)}
    rec = token_record(usage, thinking_text="a b c " * int(share * 50))
    assert rec.visible + rec.thinking == rec.output == out
    assert rec.thinking >= 0 and rec.visible >= 0
    cost = price(rec, get_model("claude-sonnet-4-6"))
    assert cost.total_usd == pytest.approx((inp * 3 + out * 15) / MILLION)


def test_format_usd_writes_money_as_money() -> None:
    from labkit.tokens import format_usd

    assert format_usd(161.6913) == "$161.69" and format_usd(1234.5) == "$1,234.50"
    assert format_usd(0.5) == "$0.50" and format_usd(0.020544) == "$0.0205" and format_usd(0.000123) == "$0.000123"
    assert format_usd(0.02, signed=True) == "+$0.0200" and format_usd(-0.5) == "-$0.50"
    assert format_usd(float("nan")) == "n/a" and format_usd(0.0) == "$0.00"


def _iteration(kind: str, inp: int, out: int, model: str | None = None, write: int = 0) -> dict[str, object]:
    part: dict[str, object] = {"type": kind, "input_tokens": inp, "output_tokens": out,
                               "cache_creation_input_tokens": write, "cache_read_input_tokens": 0}  # fmt: skip
    if model is not None:
        part["model"] = model
    return part


ADVISED = {
    "input_tokens": 300, "output_tokens": 50, "output_tokens_details": {"thinking_tokens": 20},
    "iterations": [_iteration("message", 100, 30), _iteration("advisor_message", 1000, 40, "claude-opus-4-8", 64),
                   _iteration("message", 200, 20)],
}  # fmt: skip


def test_an_advisors_iterations_are_counted_in_the_totals_and_kept_apart_by_model() -> None:
    record = token_record(ADVISED)
    assert (record.input, record.output, record.cache_write_5m, record.iterations) == (1300, 90, 64, 3)
    assert (record.thinking, record.visible) == (20, 70)
    [(model, part)] = record.elsewhere
    assert model == "claude-opus-4-8"
    assert (part.input, part.output, part.visible, part.thinking, part.cache_write_5m, part.iterations) == (
        1000, 40, 40, 0, 64, 1)
    assert token_record({"input_tokens": 1, "output_tokens": 1}).elsewhere == ()


def test_an_advisors_iterations_are_priced_on_the_advisors_model() -> None:
    executor, advisor = get_model("claude-sonnet-5").prices, get_model("claude-opus-4-8").prices
    assert (executor.input, executor.output, advisor.input, advisor.output) == (2.0, 10.0, 5.0, 25.0)
    cost = price(token_record(ADVISED), get_model("claude-sonnet-5"))
    by_hand_own = (300 * 2.0 + 20 * 10.0 + 30 * 10.0) / 1e6  # input, thinking, visible output
    by_hand_advisor = (1000 * 5.0 + 64 * advisor.cache_write_5m + 40 * 25.0) / 1e6
    assert cost.total_usd == pytest.approx(by_hand_own + by_hand_advisor, rel=1e-12)
    assert cost.thinking_usd == pytest.approx(20 * 10.0 / 1e6)
    assert cost.cache_usd == pytest.approx(64 * advisor.cache_write_5m / 1e6)
    # on the advisor's own model, every iteration is priced alike: the same as without the split
    same = price(token_record(ADVISED), get_model("claude-opus-4-8"))
    plain = price(replace(token_record(ADVISED), elsewhere=()), get_model("claude-opus-4-8"))
    assert same == plain


def test_an_advisor_model_the_catalog_does_not_know_has_no_guessed_price() -> None:
    iterations = [_iteration("message", 100, 30), _iteration("advisor_message", 5, 5, "claude-nova-9")]
    usage = {**ADVISED, "iterations": iterations}
    record = token_record(usage)
    with pytest.raises(UnknownModelError, match="claude-nova-9"):
        price(record, get_model("claude-sonnet-5"))
    bad = {**ADVISED, "iterations": [_iteration("advisor_message", 5, 5, "")]}
    with pytest.raises(ConversionError, match="model"):
        token_record(bad)


def test_the_turns_advisor_iterations_add_up_per_model() -> None:
    def turn(advisor: str, inp: int, out: int) -> TokenRecord:
        return token_record({"input_tokens": 10, "output_tokens": 2, "iterations": [
            {"type": "message", "input_tokens": 10, "output_tokens": 2},
            {"type": "advisor_message", "model": advisor, "input_tokens": inp, "output_tokens": out}]})  # fmt: skip

    total = sum_tokens([turn("claude-opus-4-8", 100, 5), turn("claude-fable-5", 7, 1), turn("claude-opus-4-8", 50, 3)])
    assert (total.input, total.output, total.iterations) == (30 + 157, 6 + 9, 6)
    assert [(m, p.input, p.output, p.iterations) for m, p in total.elsewhere] == [
        ("claude-fable-5", 7, 1, 1), ("claude-opus-4-8", 150, 8, 2)]
    cost = price(total, get_model("claude-sonnet-5"))
    assert cost.total_usd == pytest.approx(
        (30 * 2.0 + 6 * 10.0 + 7 * 10.0 + 1 * 50.0 + 150 * 5.0 + 8 * 25.0) / 1e6, rel=1e-12)


def test_cost_splits_add_up_part_by_part() -> None:
    a = CostSplit(input_usd=1.0, cache_usd=0.5, thinking_usd=0.25, output_usd=2.0, server_tool_usd=0.01)
    b = CostSplit(input_usd=3.0, output_usd=1.0)
    assert sum_costs([a, b]) == CostSplit(input_usd=4.0, cache_usd=0.5, thinking_usd=0.25, output_usd=3.0,
                                          server_tool_usd=0.01)  # fmt: skip
    assert sum_costs([a]) is a
    assert sum_costs([]) == CostSplit()
