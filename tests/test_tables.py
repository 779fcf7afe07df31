"""DataFrame views: typed results, long token table with sources, per-config summaries."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from labkit.core import TableError
from labkit.lab._frames import TOKEN_COLUMNS, local_estimates, results_frame, tokens_frame
from labkit.lab._store import Store
from labkit.lab._trial import ROW_COLUMNS, Knobs, Trial
from labkit.notebook._tables import SUMMARY_COLUMNS, summary_frame
from labkit.tokens._cost import CostSplit, TokenRecord
from labkit.tokens._estimate import estimate_request


def _row(key: str, *, budget: int = 1024, repeat: int = 0, correct: bool | None = True, status: str = "ok",
         stop: str = "end_turn", thinking_source: str = "reported", strategy: str = "none") -> dict[str, Any]:
    ran = status != "skipped"
    trial = Trial(
        trial_key=key, backend="emulator", model="claude-sonnet-4-6", experiment="exp",
        knobs=Knobs(thinking_mode="budget", budget_tokens=budget, strategy=strategy), task_id="t1",
        category="arithmetic", repeat=repeat, status=status,  # type: ignore[arg-type]
        tokens=TokenRecord(input=100, cache_write_5m=10, cache_read=20, output=budget // 2, thinking=budget // 4,
                           visible=budget // 2 - budget // 4, thinking_source=thinking_source)  # type: ignore[arg-type]
        if ran else None,
        cost=CostSplit(input_usd=0.001, output_usd=budget / 1e6) if ran else None,
        stop_reason=stop if ran else None, correct=correct if status == "ok" else None, answer="391",
        created_at="2026-11-23T20:00:00+00:00",
    )  # fmt: skip
    return trial.row()


ROWS = [
    _row("a", budget=1024, repeat=0, correct=False, stop="max_tokens"),
    _row("b", budget=1024, repeat=1, correct=True),
    _row("c", budget=4096, repeat=0, correct=True),
    _row("d", budget=4096, repeat=1, correct=True),
    _row("e", budget=4096, repeat=2, status="error", correct=None),
    _row("f", budget=8192, status="skipped"),
]


def test_results_frame_columns_and_types() -> None:
    df = results_frame(ROWS)
    assert list(df.columns) == list(ROW_COLUMNS) and len(df) == len(ROWS)
    assert str(df["input_tokens"].dtype) == "Int64" and str(df["budget_tokens"].dtype) == "Int64"
    assert df["cost_usd"].dtype == "float64" and df["ttft_s"].dtype == "float64"
    assert str(df["correct"].dtype) == "boolean" and str(df["cached"].dtype) == "boolean"
    assert isinstance(df["created_at"].dtype, pd.DatetimeTZDtype)
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert list(df["status"].cat.categories) == ["ok", "error", "skipped"]
    assert list(df["strategy"].cat.categories) == ["none"]
    assert df.loc[5, "input_tokens"] is pd.NA and df.loc[4, "correct"] is pd.NA
    assert df["budget_utilisation"].iloc[0] == pytest.approx(256 / 1024)


def test_results_frame_of_no_rows_keeps_the_columns() -> None:
    df = results_frame([])
    assert list(df.columns) == list(ROW_COLUMNS) and df.empty


def test_unknown_strategies_follow_the_known_ones() -> None:
    rows = [_row("x", strategy="xml"), _row("y", strategy="custom"), _row("z", strategy="kwargs")]
    assert list(results_frame(rows)["strategy"].cat.categories) == ["kwargs", "xml", "custom"]


def test_bad_rows_are_table_errors() -> None:
    with pytest.raises(TableError, match="row 1"):
        results_frame([ROWS[0], "not a row"])  # type: ignore[list-item]


def test_tokens_frame_long_format_with_sources() -> None:
    rows = [_row("r"), _row("s", thinking_source="estimated")]
    df = tokens_frame(rows)
    assert list(df.columns) == list(TOKEN_COLUMNS) and len(df) == 12
    df["token_category"] = df["token_category"].astype(str)
    r = df[df["trial_key"] == "r"].set_index("token_category")["tokens"]
    assert r.to_dict() == {"input": 100, "cache_write_5m": 10, "cache_write_1h": 0, "cache_read": 20, "thinking": 256,
                           "visible_output": 256}  # fmt: skip
    s = df[df["trial_key"] == "s"].set_index("token_category")["source"].astype(str)
    assert s.to_dict() == {"input": "reported", "cache_write_5m": "reported", "cache_write_1h": "reported",
                           "cache_read": "reported", "thinking": "estimated", "visible_output": "estimated"}
    assert (df.groupby("trial_key")["tokens"].sum() == 100 + 10 + 20 + 512).all()


def test_tokens_frame_skips_trials_without_tokens_and_adds_estimates() -> None:
    df = tokens_frame(ROWS, estimates={"a": {"count_tokens": 130, "estimated": 121}})
    assert set(df["trial_key"]) == {"a", "b", "c", "d", "e"}  # the skipped cell has no tokens
    extra = df[(df["trial_key"] == "a") & (df["source"] != "reported")]
    assert sorted(zip(extra["source"].astype(str), extra["tokens"], strict=True)) == [
        ("count_tokens", 130), ("estimated", 121)
    ]
    assert set(extra["token_category"].astype(str)) == {"input"}
    with pytest.raises(TableError, match="not among the rows"):
        tokens_frame(ROWS, estimates={"zz": {"estimated": 1}})
    with pytest.raises(TableError, match="unknown token source"):
        tokens_frame(ROWS, estimates={"a": {"guessed": 1}})


def test_summary_accuracy_and_se_over_repeats_tokens_cost_truncation() -> None:
    summary = summary_frame(results_frame(ROWS), by=["budget_tokens"])
    assert list(summary.columns) == ["budget_tokens", *SUMMARY_COLUMNS]
    assert list(summary["budget_tokens"]) == [1024, 4096]  # the skipped 8192 cell is left out
    low, high = summary.iloc[0], summary.iloc[1]
    assert (low["trials"], low["ok"], low["repeats"]) == (2, 2, 2)
    assert low["accuracy"] == pytest.approx(0.5)
    assert low["accuracy_se"] == pytest.approx(0.5)  # repeats scored 0 and 1: sd 0.707 / sqrt(2)
    assert low["truncation_rate"] == pytest.approx(0.5)
    assert low["mean_thinking_tokens"] == pytest.approx(256)
    assert (high["trials"], high["ok"]) == (3, 2) and high["error_rate"] == pytest.approx(1 / 3)
    assert high["accuracy"] == 1.0 and high["accuracy_se"] == 0.0 and high["truncation_rate"] == 0.0
    assert high["mean_cost_usd"] == pytest.approx(0.001 + 4096 / 1e6)


def test_summary_from_rows_with_default_grouping_and_one_repeat() -> None:
    summary = summary_frame([_row("only", correct=True)])
    assert len(summary) == 1 and summary["accuracy"].iloc[0] == 1.0
    assert math.isnan(summary["accuracy_se"].iloc[0])  # a single repeat has no spread to measure


def test_summary_names_missing_columns() -> None:
    with pytest.raises(TableError, match="budget_tokens"):
        summary_frame(pd.DataFrame({"status": [], "correct": [], "repeat": [], "stop_reason": []}),
                      by=["budget_tokens"])  # fmt: skip


def test_local_estimates_from_stored_single_turn_trials(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    params = {"model": "claude-sonnet-4-6", "max_tokens": 2048, "messages": [{"role": "user", "content": "6*7?"}]}
    store.put_trial("e", Trial.from_row(_row("one")), params=params, events=[{"type": "message_stop", "t": 0.1}])
    two_turns = [{"type": "message_stop", "t": 0.1, "turn": 0}, {"type": "message_stop", "t": 0.1, "turn": 1}]
    store.put_trial("e", Trial.from_row(_row("two")), params=params, events=two_turns)
    store.put_trial("e", Trial.from_row(_row("none")), params=None)
    estimates = local_estimates(store.stored("e"))
    assert estimates == {"one": {"estimated": estimate_request(params).total}}
    df = tokens_frame(store.rows("e"), estimates=estimates)
    assert set(df["source"].astype(str)) == {"reported", "estimated"}


def test_summary_carries_n_and_an_interval_for_every_rate_and_mean() -> None:
    from labkit.lab import mean_interval, rate_interval

    summary = summary_frame(results_frame(ROWS), by=["budget_tokens"])
    low, high = summary.iloc[0], summary.iloc[1]
    assert low["scored"] == 2 and high["scored"] == 2
    wilson = rate_interval(1, 2)
    assert (low["accuracy_low"], low["accuracy_high"]) == pytest.approx((wilson.low, wilson.high))
    # a rate of 0 has an interval too (0 of 2 finished trials truncated is not "no data")
    assert high["truncation_rate"] == 0.0 and high["truncation_rate_high"] == pytest.approx(rate_interval(0, 2).high)
    assert high["error_rate_low"] < 1 / 3 < high["error_rate_high"]
    costs = mean_interval([0.001 + 4096 / 1e6] * 2)
    assert (high["mean_cost_usd_low"], high["mean_cost_usd_high"]) == pytest.approx((costs.low, costs.high))
    rates = [c for c in SUMMARY_COLUMNS if c.endswith("_rate") or c == "accuracy" or c.startswith("mean_")]
    assert all(f"{c}_low" in summary.columns and f"{c}_high" in summary.columns
               for c in rates if not c.endswith(("_low", "_high")))


def test_summary_orders_effort_levels_naturally_not_alphabetically() -> None:
    rows = []
    for i, effort in enumerate(["max", "high", "low", "medium", "xhigh"]):
        row = _row(f"e{i}")
        rows.append({**row, "thinking_mode": "adaptive", "budget_tokens": None, "effort": effort})
    summary = summary_frame(rows, by=["model", "effort"])
    assert list(summary["effort"]) == ["low", "medium", "high", "xhigh", "max"]
