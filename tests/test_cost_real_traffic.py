"""Cost of real recorded traffic, by hand from the catalog's prices: 1-hour cache writes, web
searches billed per request, compaction iterations the top-level usage leaves out, and an
advisor's iterations billed at the advisor model's prices.

The recordings are real (tests/fixtures/real/); their retired model ids are priced as the current
model of the same line (`real_traffic.current_model`), so each test states which prices it uses.
"""

from __future__ import annotations

import pytest
from real_traffic import by_name, current_model

from labkit.core import get_model
from labkit.lab import Knobs
from labkit.lab._batches import message_events
from labkit.lab._derive import derive_trial

M = 1_000_000


def _trial(model: str, events: list[dict]) -> object:
    return derive_trial(trial_key="k", backend="anthropic", model=model, params={}, knobs=Knobs(), events=events)


def test_one_hour_cache_writes_cost_twice_the_input_price() -> None:
    rec = by_name("dd-trace-py/completion_anthropic_cache_write_1h_ttl--0")  # claude-sonnet-4-20250514
    model = current_model(rec.response["model"])
    assert model == "claude-sonnet-4-5"
    p = get_model(model).prices
    assert (p.input, p.output, p.cache_write_5m, p.cache_write_1h) == (3.0, 15.0, 3.75, 6.0)
    trial = _trial(model, message_events(rec.response))
    usage = rec.response["usage"]
    assert usage["cache_creation"] == {"ephemeral_5m_input_tokens": 14, "ephemeral_1h_input_tokens": 2056}
    # 3 input x $3 + 14 five-minute writes x $3.75 + 2056 one-hour writes x $6 + 459 output x $15, per million
    by_hand = (3 * 3.0 + 14 * 3.75 + 2056 * 6.0 + 459 * 15.0) / M
    assert trial.cost.total_usd == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.0192825)  # $0.0000090 + $0.0000525 + $0.012336 + $0.006885
    row = trial.row()
    assert (row["cache_write_5m_tokens"], row["cache_write_1h_tokens"], row["cache_write_tokens"]) == (14, 2056, 2070)
    assert row["cost_usd"] == pytest.approx(by_hand, rel=1e-12)
    # counted as 5-minute writes (what a converter without the split does) it would be $0.0100 too little
    assert by_hand - (3 * 3.0 + 2070 * 3.75 + 459 * 15.0) / M == pytest.approx(2056 * 2.25 / M)


def test_web_searches_are_billed_per_request() -> None:
    rec = by_name("pydantic-ai/test_anthropic_web_search_tool_stream--0")  # a stream, claude-sonnet-4-20250514
    events = rec.events()
    model = current_model(events[0]["message"]["model"])
    info = get_model(model)
    assert dict(info.server_tool_prices)["web_search_requests"] == 0.01  # $10 per 1,000 searches
    assert info.server_tool_prices_read.startswith("2026-12-03")
    trial = _trial(model, events)
    row = trial.row()
    assert (row["input_tokens"], row["output_tokens"], row["web_search_requests"]) == (31772, 644, 2)
    # 31,772 input x $3 + 644 output x $15 per million, plus 2 searches x $0.01
    by_hand = (31772 * 3.0 + 644 * 15.0) / M + 2 * 0.01
    assert row["cost_usd"] == pytest.approx(by_hand, rel=1e-12)
    assert row["cost_server_tool_usd"] == pytest.approx(0.02)
    assert row["service_tier"] == "standard"


def test_a_one_hour_write_and_web_searches_in_one_bill() -> None:
    """No public recording has both: the 1-hour recording's usage with the search count of the web
    search recording, priced the same way, adds up term by term."""
    from labkit.tokens import price, token_record

    usage = {**by_name("dd-trace-py/completion_anthropic_cache_write_1h_ttl--0").response["usage"],
             "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 3}}  # fmt: skip
    cost = price(token_record(usage), get_model("claude-sonnet-4-5"))
    assert cost.cache_usd == pytest.approx((14 * 3.75 + 2056 * 6.0) / M)
    assert cost.server_tool_usd == pytest.approx(2 * 0.01 + 3 * 0.0)  # web fetch: no charge beyond its tokens
    assert cost.total_usd == pytest.approx((3 * 3.0 + 14 * 3.75 + 2056 * 6.0 + 459 * 15.0) / M + 0.02)


def test_compaction_iterations_are_billed_though_the_top_level_leaves_them_out() -> None:
    rec = by_name("pydantic-ai/test_anthropic_compaction_usage_with_cache--0")  # claude-sonnet-4-6
    usage = rec.response["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["cache_creation_input_tokens"]) == (229, 5, 0)
    trial = _trial("claude-sonnet-4-6", message_events(rec.response))
    row = trial.row()
    # billed: both iterations (compaction 100 in / 131 out / 55,096 five-minute writes; message 229 / 5)
    assert (row["input_tokens"], row["output_tokens"], row["cache_write_5m_tokens"]) == (329, 136, 55096)
    assert row["iterations"] == 2
    by_hand = (329 * 3.0 + 55096 * 3.75 + 136 * 15.0) / M
    assert row["cost_usd"] == pytest.approx(by_hand, rel=1e-12)
    top_level_only = (229 * 3.0 + 5 * 15.0) / M
    assert by_hand / top_level_only > 200  # the top-level numbers alone would hide almost all of the bill
    completion = trial.completion
    assert completion is not None and completion.usage is not None
    assert completion.usage.iterations == usage["iterations"]  # kept per iteration, as reported
    assert row["inference_geo"] == "global"


@pytest.mark.parametrize(
    ("name", "advisor"),
    [("pydantic-ai/test_anthropic_advisor_tool--0", "claude-opus-4-8"),
     ("pydantic-ai/test_anthropic_advisor_tool_redacted--0", "claude-fable-5")],
)  # fmt: skip
def test_an_advisors_iterations_are_billed_at_the_advisors_prices(name: str, advisor: str) -> None:
    """The executor (claude-sonnet-5) consults an advisor model through the advisor tool; the usage
    lists the advisor's sampling as an ``advisor_message`` iteration naming its model."""
    rec = by_name(name)
    assert rec.request["model"] == "claude-sonnet-5"
    usage = rec.response["usage"]
    own = [i for i in usage["iterations"] if i["type"] == "message"]
    [consulted] = [i for i in usage["iterations"] if i["type"] == "advisor_message"]
    assert consulted["model"] == advisor and not any("model" in i for i in own)
    ex, ad = get_model("claude-sonnet-5").prices, get_model(advisor).prices
    trial = _trial("claude-sonnet-5", message_events(rec.response))
    row = trial.row()
    own_in, own_out = sum(i["input_tokens"] for i in own), sum(i["output_tokens"] for i in own)
    assert (own_in, own_out) == (usage["input_tokens"], usage["output_tokens"])  # the top level: own iterations
    # every billed token is counted: the row's totals include the advisor's
    assert (row["input_tokens"], row["output_tokens"]) == (own_in + consulted["input_tokens"],
                                                           own_out + consulted["output_tokens"])  # fmt: skip
    by_hand = (own_in * ex.input + own_out * ex.output
               + consulted["input_tokens"] * ad.input + consulted["output_tokens"] * ad.output) / M  # fmt: skip
    assert row["cost_usd"] == pytest.approx(by_hand, rel=1e-12)
    everything_at_executor = ((own_in + consulted["input_tokens"]) * ex.input
                              + (own_out + consulted["output_tokens"]) * ex.output) / M  # fmt: skip
    assert row["cost_usd"] > everything_at_executor  # the advisor's tokens cost more than the executor's


def test_a_trial_with_an_unknown_advisor_model_has_no_guessed_cost() -> None:
    response = dict(by_name("pydantic-ai/test_anthropic_advisor_tool--0").response)
    usage = dict(response["usage"])
    usage["iterations"] = [dict(i, model="claude-nova-9") if "model" in i else i for i in usage["iterations"]]
    response["usage"] = usage
    trial = _trial("claude-sonnet-5", message_events(response))
    assert trial.cost is None and trial.tokens is not None and trial.tokens.elsewhere[0][0] == "claude-nova-9"
    assert trial.status == "ok"
